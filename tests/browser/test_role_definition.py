"""The role-definition view in Chromium on a phone (360 px) and a desktop (1280 px): readable, no console errors,
nothing wider than the screen, and the printable job definition without navigation under its own CSP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from surveyapp.instruments import load_directory
from surveyapp.services.accounts import create_user
from surveyapp.services.demo_delphi import DELPHI_SLUG, ensure_demo_delphi
from surveyapp.services.instrument_registry import register_instruments

from ..conftest import ROOT
from .conftest import PHONE, open_context
from .helpers import assert_fits_width, screenshot

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def signed_in(chromium: Browser, live_server: str, app) -> Iterator:
    register_instruments(sorted(load_directory(ROOT / "instruments").values(), key=lambda i: i.id), NOW)
    ensure_demo_delphi(ROOT / "instruments", NOW, app.config["SECRET_KEY"])
    create_user("admin@example.org", "correct horse battery", "admin", NOW, None)
    contexts = []

    def open_as(screen: dict) -> Page:
        context = open_context(chromium, live_server, "en-US", **screen)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("E-mail").fill("admin@example.org")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Sign in").click()
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize(("name", "screen"), [("phone", PHONE), ("desktop", {"viewport": {"width": 1280, "height": 900}})])
def test_the_view_reads_on_a_phone_and_a_desktop(signed_in, name: str, screen: dict) -> None:
    page = signed_in(screen)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"/delphi/{DELPHI_SLUG}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Role definition")
    expect(page.get_by_text("20 tasks agreed as part of the role")).to_be_visible()
    row = page.locator("tr", has_text="Write in the service user's medical record").first
    if not row.count():
        row = page.locator("tr.verdict-open").first
    expect(row.locator("meter").first).to_be_visible()
    assert_fits_width(page)
    screenshot(page, f"role-definition-{name}")
    page.locator("#d-clinical_team").scroll_into_view_if_needed()
    screenshot(page, f"role-definition-{name}-clinical-team")
    assert problems == []


@pytest.mark.browser
def test_the_printable_definition_loads_its_style_under_its_policy(signed_in) -> None:
    page = signed_in({"viewport": {"width": 1280, "height": 900}})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(f"/delphi/{DELPHI_SLUG}/definition?lang=he")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.locator("nav").count() == 0
    assert page.evaluate("getComputedStyle(document.querySelector('h2')).borderBottomStyle") == "solid"  # the style applied
    screenshot(page, "job-definition-print-he")
    assert problems == []  # no CSP violation
