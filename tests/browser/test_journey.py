"""A respondent's whole journey in a real browser: link -> language -> consent -> pages -> review -> thank you."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from .helpers import (
    TEXT,
    action,
    answer_page1,
    assert_fits_width,
    assert_stacked,
    option,
    question,
    review_answer,
    screenshot,
    start,
)

EN = TEXT["en"]
HE = TEXT["he"]


def tab_to(page: Page, target: Locator, limit: int = 15) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with {limit} presses of Tab")


@pytest.mark.browser
def test_english_journey_by_keyboard(phone: Page, respondent_link: Callable[..., str]) -> None:
    link = respondent_link()
    start(phone, link, "en")
    expect(phone.get_by_text("Page 1 of 2")).to_be_visible()

    # Page 1 with the keyboard only: each likert question is one tab stop; arrows move the choice, Space picks.
    tab_to(phone, option(phone, EN["clear"], "Strongly disagree"))
    for _ in range(3):
        phone.keyboard.press("ArrowDown")
    expect(option(phone, EN["clear"], "Agree")).to_be_checked()
    expect(option(phone, EN["clear"], "Agree")).to_be_focused()

    phone.keyboard.press("Tab")
    expect(option(phone, EN["unclear"], "Strongly disagree")).to_be_focused()
    expect(option(phone, EN["unclear"], "Strongly disagree")).not_to_be_checked()
    phone.keyboard.press("Space")
    expect(option(phone, EN["unclear"], "Strongly disagree")).to_be_checked()

    phone.keyboard.press("Tab")
    for _ in range(4):
        phone.keyboard.press("ArrowDown")
    expect(option(phone, EN["valued"], "Strongly agree")).to_be_checked()
    expect(option(phone, EN["clear"], "Agree")).to_be_checked()  # arrows in one group leave the others alone

    phone.keyboard.press("Tab")
    expect(phone.get_by_role("button", name="Next")).to_be_focused()
    phone.keyboard.press("Enter")

    expect(phone).to_have_url(re.compile(r"/p/2$"))
    expect(phone.get_by_text("Page 2 of 2")).to_be_visible()
    phone.get_by_role("textbox", name=EN["years"]).fill("3")
    option(phone, EN["tasks"], "Groups").check()
    option(phone, EN["tasks"], "Advocacy").check()
    phone.get_by_role("textbox", name=EN["comments"]).fill("Thanks for asking.")
    phone.get_by_role("button", name="Review answers").click()

    expect(phone).to_have_url(re.compile(r"/review$"))
    expect(phone.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(review_answer(phone, EN["clear"])).to_have_text("Agree")
    expect(review_answer(phone, EN["unclear"])).to_have_text("Strongly disagree")
    expect(review_answer(phone, EN["valued"])).to_have_text("Strongly agree")
    expect(review_answer(phone, EN["years"])).to_have_text("3")
    expect(review_answer(phone, EN["tasks"])).to_have_text("Groups; Advocacy")
    expect(review_answer(phone, EN["comments"])).to_have_text("Thanks for asking.")
    phone.get_by_role("button", name="Send my answers").first.click()  # at the top of the review; the same at the bottom

    expect(phone).to_have_url(re.compile(r"/done$"))
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(phone.get_by_role("region", name="Support")).to_contain_text(EN["support"])

    phone.goto(link)
    expect(phone.get_by_role("heading", name="Already sent")).to_be_visible()
    expect(phone.locator("form")).to_have_count(0)


@pytest.mark.browser
def test_hebrew_phone_journey_resumes_on_another_device(
    open_phone: Callable[[], Page], respondent_link: Callable[..., str]
) -> None:
    link = respondent_link()
    first = open_phone()
    first.goto(link)
    first.get_by_role("button", name=HE["language"], exact=True).click()
    expect(first.locator("html")).to_have_attribute("lang", "he")
    expect(first.locator("html")).to_have_attribute("dir", "rtl")
    expect(first.get_by_role("heading", name="סקר קטן")).to_be_visible()
    assert_fits_width(first)
    screenshot(first, "he-1-consent")
    first.get_by_role("checkbox").check()
    first.locator("main form").get_by_role("button").click()

    expect(first).to_have_url(re.compile(r"/p/1$"))
    expect(first.locator("html")).to_have_attribute("dir", "rtl")
    expect(question(first, HE["clear"])).to_be_visible()
    assert_stacked(question(first, HE["clear"]).locator("label"))
    assert_fits_width(first)
    screenshot(first, "he-2-page1")
    answer_page1(first, "he", clear=4, unclear=2, valued=5)
    action(first, "next").click()
    expect(first).to_have_url(re.compile(r"/p/2$"))
    first.context.close()  # abandoned: the tab, cookies and local storage are gone

    second = open_phone()  # another device, same link
    second.goto(link)
    expect(second).to_have_url(re.compile(r"/p/2$"))
    expect(second.locator("html")).to_have_attribute("lang", "he")
    expect(second.get_by_role("heading", name=HE["page2"])).to_be_visible()
    assert_stacked(question(second, HE["tasks"]).locator("label"))
    assert_fits_width(second)
    forward, back = action(second, "next").bounding_box(), action(second, "back").bounding_box()
    assert forward["y"] < back["y"]  # stacked on a phone, the way forward comes first
    action(second, "back").click()

    expect(second).to_have_url(re.compile(r"/p/1$"))
    expect(option(second, HE["clear"], HE["agree5"][4])).to_be_checked()
    expect(option(second, HE["unclear"], HE["agree5"][2])).to_be_checked()
    expect(option(second, HE["valued"], HE["agree5"][5])).to_be_checked()
    action(second, "next").click()

    expect(second).to_have_url(re.compile(r"/p/2$"))
    second.get_by_role("textbox", name=HE["years"]).fill("7")
    option(second, HE["tasks"], HE["task"][2]).check()
    action(second, "next").click()

    expect(second).to_have_url(re.compile(r"/review$"))
    expect(review_answer(second, HE["clear"])).to_have_text(HE["agree5"][4])
    expect(review_answer(second, HE["years"])).to_have_text("7")
    expect(review_answer(second, HE["tasks"])).to_have_text(HE["task"][2])
    assert_fits_width(second)
    screenshot(second, "he-4-review")
    second.locator("form.submit-form").get_by_role("button").click()

    expect(second).to_have_url(re.compile(r"/done$"))
    expect(second.get_by_role("region").locator(".support-text")).not_to_be_empty()
    assert_fits_width(second)
    screenshot(second, "he-6-thanks-on-another-device")  # its language: test_thank_you_keeps_the_language_on_another_device


@pytest.mark.browser
def test_hebrew_thank_you_and_already_sent(phone: Page, respondent_link: Callable[..., str]) -> None:
    """On one device the chosen language lasts past the end, when the link no longer leads to the response."""
    link = respondent_link()
    start(phone, link, "he")
    answer_page1(phone, "he")
    action(phone, "next").click()
    expect(phone).to_have_url(re.compile(r"/p/2$"))
    action(phone, "next").click()
    expect(phone).to_have_url(re.compile(r"/review$"))
    phone.locator("form.submit-form").get_by_role("button").click()

    expect(phone).to_have_url(re.compile(r"/done$"))
    expect(phone.locator("html")).to_have_attribute("lang", "he")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.get_by_role("region").locator(".support-text")).to_have_text(HE["support"])
    assert_fits_width(phone)
    screenshot(phone, "he-5-thanks")

    phone.goto(link)
    expect(phone.locator("html")).to_have_attribute("lang", "he")
    expect(phone.get_by_role("region").locator(".support-text")).to_have_text(HE["support"])
    expect(phone.locator("form")).to_have_count(0)


@pytest.mark.browser
def test_thank_you_keeps_the_language_on_another_device(
    open_phone: Callable[[], Page], respondent_link: Callable[..., str]
) -> None:
    link = respondent_link()
    first = open_phone()
    start(first, link, "he")
    answer_page1(first, "he")
    action(first, "next").click()
    expect(first).to_have_url(re.compile(r"/p/2$"))
    action(first, "next").click()
    expect(first).to_have_url(re.compile(r"/review$"))
    first.context.close()

    second = open_phone()
    second.goto(link)
    expect(second).to_have_url(re.compile(r"/review$"))
    expect(second.locator("html")).to_have_attribute("lang", "he")  # the response remembers Hebrew...
    second.locator("form.submit-form").get_by_role("button").click()
    expect(second).to_have_url(re.compile(r"/done$"))
    expect(second.locator("html")).to_have_attribute("lang", "he", timeout=1000)  # ...the thank-you page does not
    expect(second.get_by_role("region").locator(".support-text")).to_have_text(HE["support"], timeout=1000)
