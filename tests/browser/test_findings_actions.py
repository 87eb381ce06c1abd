"""A manager reads the findings, plans an action on one, and the next wave shows whether it moved."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from surveyapp.services.access import grant
from surveyapp.services.accounts import create_user
from surveyapp.services.demo import add_synthetic_responses

from .conftest import PHONE, open_context
from .helpers import assert_fits_width, screenshot

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


def _sign_in(chromium: Browser, live_server: str, **device: object) -> Page:
    context = open_context(chromium, live_server, "en-US", **device)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill("manager@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


@pytest.mark.browser
def test_a_manager_plans_an_action_and_wave_2_shows_the_gap_moved(chromium: Browser, live_server: str, make_survey) -> None:
    first = make_survey(series="mini-series", wave=1)
    add_synthetic_responses(first, 120, NOW, shifts={("mini", "clarity"): {"peer": -2.0, "staff": 1.0}})
    second = make_survey(slug="mini-wave-2", series="mini-series", wave=2)
    add_synthetic_responses(second, 120, NOW, seed=7, shifts={("mini", "clarity"): {"peer": 0.0, "staff": 0.0}})
    create_user("manager@example.org", PASSWORD, "manager", NOW, None)
    for slug in ("mini-survey", "mini-wave-2"):
        grant("manager@example.org", slug, NOW, None)
    problems: list[str] = []

    page = _sign_in(chromium, live_server, viewport={"width": 1280, "height": 800})
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/dashboard/mini-survey")
    findings = page.locator("#findings")
    sentence = findings.locator(".finding-sentence").first
    expect(sentence).to_have_text(
        re.compile(r"^Staff rate clarity higher than peer specialists do: .* \(\d+ staff, \d+ peer specialists\)\.$")
    )
    assert findings.bounding_box()["y"] < page.locator("#overview").bounding_box()["y"]
    findings.get_by_text("How to read this").click()
    expect(findings.get_by_text("Games-Howell", exact=False)).to_be_visible()
    screenshot(page, "findings-desktop")

    findings.get_by_role("link", name="Plan an action on this").first.click()
    expect(page.get_by_label("The finding it answers")).to_have_value("diff|mini.clarity|peer|staff")
    page.get_by_label("What will be done").fill("Agree the peer role's tasks with the peer team")
    page.get_by_label("Who will do it").fill("Ward manager")
    page.get_by_label("By when").fill("2027-03-31")
    page.get_by_role("button", name="Save the action").click()
    plan = page.locator("#actions")
    expect(plan.get_by_text("Agree the peer role's tasks with the peer team")).to_be_visible()

    page.goto("/dashboard/mini-wave-2")
    action = page.locator("#actions .action").first
    expect(action.locator(".movement-verdict")).to_have_text(
        re.compile(r"It narrowed by \d\.\d\d points between wave 1 and wave 2: a clear change\.")
    )
    expect(action.locator("table.movement tbody tr")).to_have_count(2)
    screenshot(page, "actions-wave-2-desktop")
    page.locator("#trends summary").first.click()  # one fold per instrument
    trend = page.locator('#trends [data-figure="trend-mini-clarity"]')
    trend.scroll_into_view_if_needed()
    expect(trend.locator(".main-svg").first).to_be_visible()
    screenshot(page, "trends-desktop")
    assert problems == []
    page.context.close()

    phone = _sign_in(chromium, live_server, **PHONE)
    phone.goto("/dashboard/mini-wave-2")
    expect(phone.locator("#actions .movement-verdict").first).to_be_visible()
    assert_fits_width(phone)
    screenshot(phone, "findings-phone")
    phone.locator("#actions").scroll_into_view_if_needed()
    screenshot(phone, "actions-phone")
    phone.context.close()
