"""Accessibility basics of the survey pages, checked on the browser's accessibility tree."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from .helpers import TEXT, action, option, question, start

EN = TEXT["en"]
STAFF_PAGES = {  # the questions a staff member sees, page by page (tests/fixtures/mini.yaml)
    1: ["Peers know their tasks.", "Peers' tasks change from day to day.", EN["valued"]],
    2: ["Your role", "Which role?", EN["years"], EN["tasks"], EN["comments"]],
}
NAMED = re.compile(r"\S")


def check_page(page: Page, number: int) -> None:
    questions = STAFF_PAGES[number]
    expect(page.locator("form.survey-page fieldset")).to_have_count(len(questions))
    expect(page.locator("form.survey-page fieldset > legend")).to_have_count(len(questions))
    for text in questions:
        expect(question(page, text)).to_have_count(1)  # a group named by its legend
    expect(page.locator("progress")).to_have_accessible_name(f"Page {number} of {len(STAFF_PAGES)}")
    controls = page.locator("form.survey-page").locator("input:not([type=hidden]), textarea")
    assert controls.count() > 0
    for control in controls.all():
        expect(control).to_have_accessible_name(NAMED)


@pytest.mark.browser
def test_questions_options_and_progress_are_named(phone: Page, respondent_link: Callable[..., str]) -> None:
    start(phone, respondent_link(audience="staff"))
    check_page(phone, 1)
    radios = phone.get_by_role("radio")
    expect(radios).to_have_count(3 * 6 + 1)  # five options and "not observed" each, "prefer not to answer" on one
    for radio in radios.all():
        expect(radio).to_have_accessible_name(NAMED)
    expect(phone.get_by_label("Agree", exact=True)).to_have_count(3)
    expect(option(phone, EN["valued"], "Agree")).to_have_attribute("value", "4")

    option(phone, EN["valued"], "Agree").check()
    action(phone, "next").click()
    expect(phone).to_have_url(re.compile(r"/p/2$"))
    option(phone, "Your role", "Other").check()  # shows "Which role?", so that every control is displayed
    check_page(phone, 2)
