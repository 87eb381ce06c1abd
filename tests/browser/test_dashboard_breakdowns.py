"""Compared by unit in a real browser: the perception gaps stay, one heatmap per audience with the units side by side."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from .helpers import ARTIFACTS
from .test_dashboard import _signed_in


@pytest.fixture
def demo_page(chromium: Browser, live_server: str, demo_survey) -> Iterator[Page]:
    yield from _signed_in(chromium, live_server)


@pytest.mark.browser
def test_compare_by_unit_draws_the_gaps_within_each_unit(demo_page: Page) -> None:
    page = demo_page
    problems: list[str] = []
    # script errors only: plotly's heatmaps ask for an inline style the CSP refuses, and our stylesheet gives the same
    # rule (tests/browser/test_dashboard.py::test_the_gap_heatmap_stays_sharp_under_the_strict_style_policy)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/dashboard/demo")
    page.get_by_label("Compare by").select_option("context.unit")
    page.get_by_role("button", name="Show").click()
    section = page.locator("#gaps")
    expect(section.get_by_role("heading", name="Perception gaps within each group")).to_be_visible()
    for audience, name in (
        ("staff", "Staff against peer specialists"),
        ("service_user", "Service users against peer specialists"),
    ):
        expect(section.get_by_role("heading", name=name)).to_be_visible()
        chart = section.locator(f'[data-figure="gaps-{audience}"]')
        chart.scroll_into_view_if_needed()  # drawn as it comes into view
        expect(chart.locator(".heatmaplayer image").first).to_be_visible()
        expect(chart.locator(".xtick text").first).to_be_visible()  # units side by side, as many as can be shown
        if audience == "staff":
            expect(chart.locator(".xtick text").filter(has_text="Day hospital")).to_have_count(1)
    expect(section.locator(".suppression-note")).to_contain_text("No perception gaps for")
    ARTIFACTS.mkdir(exist_ok=True)
    section.screenshot(path=ARTIFACTS / "dashboard-unit-gaps.png")
    assert problems == [], problems
