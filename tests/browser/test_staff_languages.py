"""The results page in Hebrew and Arabic, in Chromium: signing in from a Hebrew browser, switching to Arabic from
the header's language menu, the page right to left on a desktop and on a 360 px phone. Screenshots go to
test-artifacts/ (results-he-desktop-top.png, results-ar-phone-gaps.png, ...) for a person to look at."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from surveyapp.services.accounts import create_user

from .conftest import PHONE, open_context
from .helpers import ARTIFACTS

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def contexts(chromium: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _hebrew_browser(chromium: Browser, live_server: str, contexts: list[BrowserContext], screen: dict) -> Page:
    context = open_context(chromium, live_server, "he-IL", **screen)
    contexts.append(context)
    return context.new_page()


def _sign_in_in_hebrew(page: Page) -> None:
    """The sign-in page follows the browser's language before anyone has chosen one."""
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("כניסה")
    page.get_by_label("דוא״ל").fill("manager@example.org")
    page.get_by_label("סיסמה").fill(PASSWORD)
    page.get_by_role("button", name="כניסה").click()
    expect(page.locator("h1")).to_have_text("תוצאות הסקרים")


def _results_drawn(page: Page) -> None:
    first_chart = page.locator("[data-figure]").first
    first_chart.scroll_into_view_if_needed()
    expect(first_chart.locator(".main-svg").first).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")


def _screenshots(page: Page, name: str, check_labels: bool) -> None:
    """What the reader sees first, and the perception gaps (chart and table): screen-sized, since the whole
    results page is too tall to photograph in one piece on a phone."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}-top.png")
    gaps = page.locator('[data-figure="gaps"]')
    gaps.scroll_into_view_if_needed()
    expect(gaps.locator(".main-svg").first).to_be_visible()
    # plotly measures its labels for the margins in an element of its own: right to left, it measured them wrong
    # and cut the subscale names at the chart's left edge
    cut = gaps.evaluate(
        """chart => {
            const left = chart.getBoundingClientRect().left;
            return [...chart.querySelectorAll('.ytick text')].filter(t => t.getBoundingClientRect().left < left - 1).length;
        }"""
    )
    assert cut == 0 or not check_labels, f"{name}: {cut} labels of the gap chart are cut at its edge"
    page.screenshot(path=ARTIFACTS / f"{name}-gaps.png")
    page.locator("#gaps .table-wrap").first.scroll_into_view_if_needed()
    # a negative gap keeps its minus sign in front ("-1.25", not "1.25-" as a right-to-left cell would draw it)
    minus_first = (
        page.locator("#gaps td")
        .filter(has_text="-0.")
        .first.evaluate(
            """cell => {
            const text = cell.firstChild, range = document.createRange();
            range.setStart(text, 0); range.setEnd(text, 1);
            const minus = range.getBoundingClientRect().left;
            range.setStart(text, text.length - 1); range.setEnd(text, text.length);
            return minus < range.getBoundingClientRect().left;
        }"""
        )
    )
    assert minus_first, f"{name}: a negative number is drawn with its minus sign after the digits"
    page.screenshot(path=ARTIFACTS / f"{name}-gap-table.png")
    page.evaluate("window.scrollTo(0, 0)")


def _switch_to_arabic(page: Page) -> None:
    page.locator(".language-menu summary").click()
    page.get_by_role("button", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("lang", "ar")


@pytest.mark.browser
@pytest.mark.parametrize(("screen", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_results_page_in_hebrew_and_arabic(
    chromium: Browser, live_server: str, demo_survey, contexts: list[BrowserContext], screen: dict, name: str
) -> None:
    from surveyapp.services.access import grant

    create_user("manager@example.org", PASSWORD, "manager", NOW, None)
    grant("manager@example.org", "demo", NOW, None)
    page = _hebrew_browser(chromium, live_server, contexts, screen)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    _sign_in_in_hebrew(page)

    page.goto("/dashboard/demo")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.locator("#overview h2")).to_have_text("סקירה כללית")
    # right to left: the heading starts at the right edge of the page
    box = page.locator("#overview h2").bounding_box()
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert box is not None
    assert box["x"] + box["width"] > width * 0.6
    _results_drawn(page)
    _screenshots(page, f"results-he-{name}", check_labels=name == "desktop")  # phones: the 360 px work

    _switch_to_arabic(page)
    expect(page).to_have_url(f"{page.url.split('/dashboard')[0]}/dashboard/demo")  # back on the same page
    expect(page.locator("#overview h2")).to_have_text("نظرة عامة")
    _results_drawn(page)
    _screenshots(page, f"results-ar-{name}", check_labels=name == "desktop")

    # a new device: the account's choice, not the browser's Hebrew
    other = _hebrew_browser(chromium, live_server, contexts, screen)
    other.goto("/login")
    other.locator("#email").fill("manager@example.org")
    other.locator("#password").fill(PASSWORD)
    other.locator("form.stack button[type=submit]").click()
    expect(other.locator("html")).to_have_attribute("lang", "ar")
    assert problems == []
