"""A researcher tries the demo: the validation report names the planted item, and the gaps carry the verdicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from surveyapp.services.demo import ITEM_SHIFTS, ensure_demo

from .conftest import PHONE, open_context
from .helpers import screenshot

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def sign_in(app, chromium: Browser, live_server: str, tmp_path) -> Iterator[Callable[[dict], Page]]:
    demo = ensure_demo(app.config["INSTRUMENTS_DIR"], tmp_path, None, NOW)  # as `make run` does
    contexts: list[BrowserContext] = []

    def open_page(screen: dict) -> Page:
        context = open_context(chromium, live_server, "en-US", **screen)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("E-mail").fill(demo.admin_email)
        page.get_by_label("Password").fill(demo.admin_password)
        page.get_by_role("button", name="Sign in").click()
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.browser
def test_the_demo_report_and_gaps_name_the_planted_item(sign_in: Callable[[dict], Page]) -> None:
    """On a desktop and on a phone (one demo for both: it takes a few seconds to create)."""
    for name, screen in (("desktop", {"viewport": {"width": 1280, "height": 800}}), ("phone", PHONE)):
        _look(sign_in(screen), name)


def _look(page: Page, name: str) -> None:
    [(_, item_id)] = ITEM_SHIFTS
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto("/dashboard/demo/validation")
    summary = page.locator("#summary")
    expect(summary).to_contain_text("Read with care")
    expect(summary.locator("li.invariance-partly")).to_have_count(1)
    expect(summary.locator("li.invariance-partly")).to_contain_text("staff answer 'I learn from the people I support")
    expect(summary.locator("li.invariance-partly")).to_contain_text(f"({item_id})")
    expect(page.get_by_text("Groups: Peer specialists (160), Staff (400), Service users (240).")).to_be_visible()
    screenshot(page, f"validation-report-{name}")

    page.goto("/dashboard/demo")
    notes = page.locator("#gaps .invariance-notes")
    expect(notes.locator("li.invariance-partly")).to_contain_text("Not measured alike on every question: staff answer")
    expect(notes.locator("li.invariance-yes")).to_contain_text("Measured alike")
    expect(notes.locator("li.invariance-yes")).to_contain_text("Role clarity")
    expect(page.locator("#s-peer-practice-360-connection_mutuality .invariance-note")).to_be_visible()
    page.locator("#gaps").get_by_role("link", name="instrument validation report").click()
    expect(page).to_have_url(f"{page.url.split('/dashboard')[0]}/dashboard/demo/validation")
    page.goto("/dashboard/demo#gaps")
    screenshot(page, f"dashboard-gaps-verdicts-{name}")
    assert problems == []
