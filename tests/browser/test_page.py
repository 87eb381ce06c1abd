"""Behaviour within one survey page: validation, the local draft, show_if."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from .helpers import TEXT, action, answer_page1, assert_fits_width, option, question, review_answer, screenshot, start, ui_text

EN = TEXT["en"]


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "he"])
def test_missing_required_answer(phone: Page, respondent_link: Callable[..., str], language: str) -> None:
    text = TEXT[language]
    start(phone, respondent_link(), language)
    answer_page1(phone, language, clear=4, unclear=2, valued=None)  # mini.valued is required
    action(phone, "next").click()

    expect(phone).to_have_url(re.compile(r"/p/1$"))
    summary = phone.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#q-mini-valued")

    valued = question(phone, text["valued"])
    error = valued.locator(".field-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(valued).to_have_accessible_description(error.inner_text())
    if language == "en":  # in Hebrew, see test_error_page_stays_in_the_chosen_language
        expect(error).to_have_text("Please answer this question.")
    # next to the field: between the question's legend and its first option
    legend, first_option = valued.locator("legend").bounding_box(), valued.locator("label").first.bounding_box()
    assert legend["y"] + legend["height"] <= error.bounding_box()["y"] < first_option["y"]
    for code in text["agree5"]:
        expect(option(phone, text["valued"], text["agree5"][code])).not_to_be_checked()
    expect(option(phone, text["clear"], text["agree5"][4])).to_be_checked()
    expect(option(phone, text["unclear"], text["agree5"][2])).to_be_checked()
    assert_fits_width(phone)
    if language == "he":
        screenshot(phone, "he-3-page1-error")

    option(phone, text["valued"], text["agree5"][3]).check()
    action(phone, "next").click()
    expect(phone).to_have_url(re.compile(r"/p/2$"))


@pytest.mark.browser
def test_error_page_stays_in_the_chosen_language(phone: Page, respondent_link: Callable[..., str]) -> None:
    start(phone, respondent_link(), "he")  # the browser asks for English (Accept-Language: en-US)
    labels = {"next": action(phone, "next").inner_text(), "later": action(phone, "later").inner_text()}
    answer_page1(phone, "he", valued=None)
    action(phone, "next").click()

    expect(phone.get_by_role("alert")).to_be_focused()
    expect(phone.locator("html")).to_have_attribute("lang", "he")
    expect(question(phone, TEXT["he"]["valued"]).locator(".field-error")).to_have_text(
        ui_text("Please answer this question.", "he"), timeout=1000
    )
    for name, label in labels.items():
        expect(action(phone, name)).to_have_text(label, timeout=1000)


@pytest.mark.browser
def test_typed_answer_survives_reload_as_local_draft(open_phone: Callable[[], Page], respondent_link: Callable[..., str]) -> None:
    link = respondent_link()
    phone = open_phone()
    start(phone, link)
    answer_page1(phone)
    action(phone, "next").click()
    expect(phone).to_have_url(re.compile(r"/p/2$"))

    comments = phone.get_by_role("textbox", name=EN["comments"])
    comments.press_sequentially("Half a thought")  # typed, never sent to the server
    phone.reload()
    expect(comments).to_have_value("Half a thought")

    # a new tab of the same browser, so not the browser's own form restore: the draft is in local storage
    tab = phone.context.new_page()
    tab.goto(link)
    expect(tab).to_have_url(re.compile(r"/p/2$"))
    expect(tab.get_by_role("textbox", name=EN["comments"])).to_have_value("Half a thought")

    # and only there: another device resumes at the same page without it
    other = open_phone()
    other.goto(link)
    expect(other).to_have_url(re.compile(r"/p/2$"))
    expect(other.get_by_role("textbox", name=EN["comments"])).to_have_value("")


@pytest.mark.browser
def test_show_if_on_the_same_page(phone: Page, respondent_link: Callable[..., str]) -> None:
    start(phone, respondent_link(audience="staff"))
    option(phone, "Peers know their tasks.", "Not observed").check()  # the staff wording and scale
    option(phone, EN["valued"], "Agree").check()
    action(phone, "next").click()
    expect(phone).to_have_url(re.compile(r"/p/2$"))

    which = phone.get_by_role("textbox", name="Which role?")
    expect(question(phone, "Your role")).to_be_visible()
    expect(which).to_be_hidden()
    option(phone, "Your role", "Nurse").check()
    expect(which).to_be_hidden()
    option(phone, "Your role", "Other").check()
    expect(which).to_be_visible()
    option(phone, "Your role", "Nurse").check()
    expect(which).to_be_hidden()
    option(phone, "Your role", "Other").check()
    which.fill("Coordinator")
    assert_fits_width(phone)
    action(phone, "next").click()

    expect(phone).to_have_url(re.compile(r"/review$"))
    expect(review_answer(phone, "Your role")).to_have_text("Other")
    expect(review_answer(phone, "Which role?")).to_have_text("Coordinator")
