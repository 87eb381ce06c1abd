"""The results page on a 360 px phone (no cut labels, charts that fit, tables scrolling in their box) and
printed to A4 (no menus or form controls, charts at the page's width). Screenshots: test-artifacts/dashboard-phone-*."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .conftest import PHONE
from .helpers import assert_fits_width
from .test_dashboard import _signed_in

PDFTOTEXT, PDFINFO = shutil.which("pdftotext"), shutil.which("pdfinfo")
PRINT_WIDTH = 700  # static/dashboard.js: A4's printable width in CSS pixels


@pytest.fixture
def phone_page(chromium: Browser, live_server: str, demo_survey) -> Iterator[Page]:
    yield from _signed_in(chromium, live_server, **PHONE)


@pytest.fixture
def desktop_page(chromium: Browser, live_server: str, demo_survey) -> Iterator[Page]:
    yield from _signed_in(chromium, live_server)


@pytest.fixture(params=["en", "he", "ar"])
def phone_reader(request: pytest.FixtureRequest, chromium: Browser, live_server: str, demo_survey) -> Iterator[Page]:
    """An admin on a 360 px phone who reads the staff pages in English, Hebrew or Arabic."""
    from surveyapp.db import User, db
    from surveyapp.services.accounts import set_language

    pages = _signed_in(chromium, live_server, **PHONE)
    page = next(pages)
    set_language(db.session.scalar(db.select(User).where(User.email == "admin@example.org")), request.param)
    page.language = request.param  # type: ignore[attr-defined] - the screenshots' names
    yield page
    pages.close()


def drawn(page: Page, selector: str) -> Locator:
    chart = page.locator(selector).first
    chart.scroll_into_view_if_needed()  # charts are drawn as they come into view
    expect(chart.locator(".main-svg").first).to_be_visible()
    return chart


def labels_outside(chart: Locator, selector: str) -> list[str]:
    """The labels of a drawn chart that reach past its edges (cut off on the screen)."""
    return chart.evaluate(
        """(chart, selector) => {
          const box = chart.getBoundingClientRect();
          return [...chart.querySelectorAll(selector)].filter(label => {
            const r = label.getBoundingClientRect();
            return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1);
          }).map(label => label.textContent);
        }""",
        selector,
    )


@pytest.mark.browser
def test_results_page_fits_a_phone(phone_page: Page) -> None:
    page = phone_page
    page.goto("/dashboard/demo")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_fits_width(page)
    page.screenshot(path=_artifact("dashboard-phone"))  # the first screen (the whole page is too tall to grab quickly)

    heatmap = drawn(page, '[data-figure="gaps"]')
    assert heatmap.bounding_box()["width"] <= 360
    assert labels_outside(heatmap, ".ytick text, .xtick text") == []
    heatmap.screenshot(path=_artifact("dashboard-phone-gaps"))

    subscale = drawn(page, ".subscale [data-figure]")
    assert labels_outside(subscale, ".ytick text") == []
    subscale.screenshot(path=_artifact("dashboard-phone-subscale"))

    items = page.locator("details.items").first
    items.locator("summary").click()
    chart = drawn(page, "details.items [data-figure]")
    assert labels_outside(chart, ".annotation-text, .ytick text") == []
    chart.screenshot(path=_artifact("dashboard-phone-items"))

    wide = page.locator("details.items .table-wrap").first
    sizes = wide.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert sizes[0] > sizes[1], "the question table should scroll inside its box, not squeeze a word per line"
    assert_fits_width(page)  # ... and the page itself never scrolls sideways


def outside_box(chart: Locator, selector: str) -> list[str]:
    """Labels of a drawn chart whose box reaches past the chart's box on any side (cut off, or drawn over the text
    around it)."""
    return chart.evaluate(
        """(chart, selector) => {
          const box = chart.getBoundingClientRect();
          return [...chart.querySelectorAll(selector)].filter(label => {
            const r = label.getBoundingClientRect();
            return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
              || r.bottom > box.bottom + 1);
          }).map(label => label.textContent);
        }""",
        selector,
    )


def overlapping(chart: Locator, selector: str) -> list[list[str]]:
    """Pairs of labels of a drawn chart that are drawn over each other."""
    return chart.evaluate(
        """(chart, selector) => {
          const boxes = [...chart.querySelectorAll(selector)].map(l => [l.textContent, l.getBoundingClientRect()])
            .filter(([, r]) => r.width > 0);
          const pairs = [];
          boxes.forEach(([a, r], i) => boxes.slice(i + 1).forEach(([b, q]) => {
            if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1) {
              pairs.push([a, b]);
            }
          }));
          return pairs;
        }""",
        selector,
    )


@pytest.mark.browser
def test_gap_heatmap_is_readable_on_a_phone(phone_reader: Page) -> None:
    """The perception-gap heatmap at 360 px, in each staff language: every subscale and group label and the colour
    key inside the chart's box, none drawn over another, and no line of a label longer than the chart can hold."""
    page = phone_reader
    page.goto("/dashboard/demo")
    page.locator("#findings").screenshot(path=_artifact(f"dashboard-phone-findings-{page.language}"))
    heatmap = drawn(page, '[data-figure="gaps"]')
    assert heatmap.bounding_box()["width"] <= 360
    labels = ".ytick text, .xtick text, .colorbar text, .cbtitle text"
    assert outside_box(heatmap, labels) == []
    assert overlapping(heatmap, ".ytick text, .xtick text") == []
    plot = heatmap.locator(".nsewdrag").first.bounding_box()
    assert plot["width"] >= 150, f"the cells are squeezed to {plot['width']:.0f} px by their labels"
    heatmap.screenshot(path=_artifact(f"dashboard-phone-gaps-{page.language}"))

    page.goto("/dashboard/demo?by=context.unit")  # one heatmap per audience, the units side by side as columns
    for index in range(page.locator('[data-figure^="gaps-"]').count()):
        chart = drawn(page, f'[data-figure^="gaps-"] >> nth={index}')
        chart.screenshot(path=_artifact(f"dashboard-phone-unit-gaps-{page.language}-{index}"))
        assert outside_box(chart, labels) == []
        assert overlapping(chart, ".ytick text, .xtick text") == []


@pytest.mark.browser
@pytest.mark.skipif(PDFTOTEXT is None, reason="poppler-utils is not installed: `make test` installs it")
def test_results_page_prints_without_controls_and_charts_fit_a4(desktop_page: Page, tmp_path) -> None:
    page = desktop_page
    page.goto("/dashboard/demo")
    drawn(page, '[data-figure="daily"]')
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # as printing does: every chart drawn to A4's width
    widths = page.evaluate("[...document.querySelectorAll('[data-figure] svg.main-svg')].map(svg => svg.width.baseVal.value)")
    pdf = page.pdf(format="A4", print_background=False)
    path = tmp_path / "results.pdf"
    path.write_bytes(pdf)
    text = " ".join(subprocess.run([PDFTOTEXT, str(path), "-"], capture_output=True, check=True, text=True).stdout.split())
    info = subprocess.run([PDFINFO, str(path)], capture_output=True, check=True, text=True).stdout
    pages = re.search(r"Pages:\s+(\d+)", info)[1]
    print(f"results page printed on {pages} pages")  # the figure docs/dashboards.md gives
    assert "(A4)" in info
    assert "Perception gaps" in text
    assert "Role clarity" in text
    for control in ("Sign out", "Change password", "Compare by", "Download CSV", "Download report (PDF)"):
        assert control not in text, f"{control!r} printed"
    assert widths
    assert max(widths) <= PRINT_WIDTH + 1, f"a chart wider than A4: {max(widths)} px"


def _artifact(name: str) -> str:
    from .helpers import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")
