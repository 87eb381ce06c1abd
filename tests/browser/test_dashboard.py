"""A manager's dashboard in a real browser: charts draw from the self-hosted plotly, as they come into view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from surveyapp.services.accounts import create_user
from surveyapp.services.demo import add_synthetic_responses

from .conftest import open_context
from .helpers import screenshot

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def _signed_in(chromium: Browser, live_server: str, **device: object) -> Iterator[Page]:
    """An admin's browser (a desktop unless ``device`` says otherwise), signed in."""
    create_user("admin@example.org", "correct horse battery", "admin", NOW, None)
    device = device or {"viewport": {"width": 1280, "height": 800}}
    context = open_context(chromium, live_server, "en-US", **device)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill("admin@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    yield page
    context.close()


@pytest.fixture
def manager_page(chromium: Browser, live_server: str, make_survey) -> Iterator[Page]:
    add_synthetic_responses(make_survey(), 60, NOW)
    yield from _signed_in(chromium, live_server)


@pytest.fixture
def demo_page(chromium: Browser, live_server: str, demo_survey) -> Iterator[Page]:
    yield from _signed_in(chromium, live_server)


@pytest.mark.browser
def test_charts_draw_as_they_come_into_view(manager_page: Page) -> None:
    problems: list[str] = []
    manager_page.on("pageerror", lambda error: problems.append(str(error)))
    manager_page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    manager_page.goto("/dashboard/mini-survey")

    charts = manager_page.locator("[data-figure]")
    expect(charts.first.locator(".main-svg").first).to_be_visible()  # plotly served by us, allowed by the CSP
    expect(manager_page.locator('[data-figure="gaps"]')).to_have_count(0)  # no subscale gap here: no empty heatmap
    total = charts.count()
    drawn = manager_page.locator("[data-figure][data-drawn]").count()
    assert 0 < drawn < total  # the ones near the screen, not every chart of the page at once
    last = manager_page.locator(".subscale [data-figure]").last
    last.scroll_into_view_if_needed()
    expect(last.locator(".main-svg").first).to_be_visible()
    screenshot(manager_page, "dashboard-desktop")
    items = manager_page.locator("details.items").first
    expect(items.locator("[data-figure]")).not_to_have_attribute("data-drawn", "1")  # folded away: not drawn
    items.locator("summary").click()
    expect(items.locator("[data-figure] .main-svg").first).to_be_visible()
    assert problems == []


@pytest.mark.browser
def test_the_gap_heatmap_stays_sharp_under_the_strict_style_policy(demo_page: Page) -> None:
    """Plotly asks for crisp heatmap cells through a style attribute, which style-src 'self' blocks; our stylesheet
    gives the same rule, so the cells are not blurred into each other (as they were before that rule)."""
    page = demo_page
    # the first view of a publication state takes the suppression decision (docs/architecture.md): allow for it
    page.goto("/dashboard/demo", timeout=90_000)
    chart = page.locator('[data-figure="gaps"]')
    chart.scroll_into_view_if_needed()  # charts are drawn as they come into view
    heatmap = chart.locator(".heatmaplayer image").first
    expect(heatmap).to_be_visible()
    assert heatmap.evaluate("image => getComputedStyle(image).imageRendering") == "pixelated"
    screenshot(page, "dashboard-gap-heatmap")
