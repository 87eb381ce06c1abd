"""The answer grid of 5-, 6- and 7-point scales at every screen width, in English, Hebrew and Arabic.

From 1024 px every point of a scale sits on one row with its whole label readable; at 360 px the points
stack one per line; no label is ever cut; "don't know" and "prefer not to answer" look different from each
other and from the points, and stand apart from the scale. Screenshots go to test-artifacts/ (likert-*.png),
and axe-core finds no serious or critical violation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect

from .helpers import assert_fits_width, assert_stacked, give_consent, screenshot

LANGUAGES = {"en": "English", "he": "עברית", "ar": "العربية"}
QUESTIONS = {  # tests/fixtures/scales.yaml: points of each scale, question per language
    5: {"en": "My tasks are clear to me.", "he": "המשימות שלי ברורות לי.", "ar": "مهامي واضحة لي."},
    6: {"en": "My colleagues ask for my view.", "he": "עמיתיי שואלים לדעתי.", "ar": "يسألني زملائي عن رأيي."},
    7: {"en": "My experience is valued here.", "he": "הניסיון שלי מוערך כאן.", "ar": "تُقدَّر خبرتي هنا."},
}
WIDTHS = (1280, 1024, 768, 360)
SPEC = {
    "slug": "scales-survey",
    "title": {"en": "Answer scales", "he": "סולמות תשובה", "ar": "مقاييس الإجابة"},
    "instruments": ["scales"],
    "languages": ["en", "he", "ar"],
    "consent": {"en": "Please agree.", "he": "נא להסכים.", "ar": "يرجى الموافقة."},
    "support": {"en": "Call the support line.", "he": "התקשרו לקו התמיכה.", "ar": "اتصل بخط الدعم."},
}
SERIOUS = {"serious", "critical"}


@pytest.fixture
def scales_link(make_survey, invite) -> Callable[[], str]:
    make_survey(**SPEC)
    return lambda: f"/r/{invite(slug='scales-survey')}"


@pytest.fixture
def open_page(chromium: Browser, live_server: str) -> Iterator[Callable[[int], Page]]:
    contexts = []

    def open_at(width: int) -> Page:
        context = chromium.new_context(base_url=live_server, viewport={"width": width, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_at
    for context in contexts:
        context.close()


def points(group: Locator) -> Locator:
    return group.locator(".opt:not(.opt-missing):not(.opt-skip)")


def assert_no_label_cut(page: Page, group: Locator) -> None:
    """Every option's words are inside its box, and every box inside the question's box."""
    cut = group.evaluate(
        """fieldset => [...fieldset.querySelectorAll('.opt')].flatMap(opt => {
          const span = opt.querySelector('span'), box = opt.getBoundingClientRect(), outer = fieldset.getBoundingClientRect();
          const words = span.getBoundingClientRect(), problems = [];
          if (span.scrollWidth > span.clientWidth + 1) problems.push(`${span.textContent} overflows its line`);
          if (words.left < box.left - 1 || words.right > box.right + 1) problems.push(`${span.textContent} sticks out`);
          if (box.left < outer.left - 1 || box.right > outer.right + 1) problems.push(`${span.textContent} leaves the question`);
          return problems;
        })"""
    )
    assert not cut, cut


def check_question(page: Page, n: int, language: str, width: int) -> None:
    group = page.get_by_role("group", name=re.compile(re.escape(QUESTIONS[n][language])))
    expect(group).to_have_count(1)
    scale = points(group)
    expect(scale).to_have_count(n)
    boxes = [box.bounding_box() for box in scale.all()]
    extras = [group.locator(".opt-missing"), group.locator(".opt-skip")]
    dont_know, prefer_not = (extra.bounding_box() for extra in extras)
    if width >= 1024:
        assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < 1, f"{n} points not on one row at {width}px"
    if width >= 768:  # the two non-answers on their own row, at opposite ends
        bottom = max(b["y"] + b["height"] for b in boxes)
        assert dont_know["y"] >= bottom
        assert prefer_not["y"] >= bottom
        left, right = sorted((dont_know, prefer_not), key=lambda b: b["x"])
        assert right["x"] - (left["x"] + left["width"]) > 20, "don't know and prefer not to answer side by side"
    if width == 360:
        assert_stacked(group.locator(".opt"))
    styles = [
        extra.evaluate("el => { const s = getComputedStyle(el); return [s.borderStyle, s.backgroundColor]; }")
        for extra in (*extras, scale.first)
    ]
    assert len({tuple(s) for s in styles}) == 3, f"don't know, prefer not and a point look alike: {styles}"
    assert_no_label_cut(page, group)


@pytest.mark.browser
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_answer_grid_at_every_width(open_page: Callable[[int], Page], scales_link: Callable[[], str], language: str) -> None:
    page = open_page(WIDTHS[0])
    page.goto(scales_link())
    page.get_by_role("button", name=LANGUAGES[language], exact=True).click()
    give_consent(page)
    expect(page.locator("html")).to_have_attribute("dir", "ltr" if language == "en" else "rtl")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for n in QUESTIONS:
            check_question(page, n, language, width)
        assert_fits_width(page)
        screenshot(page, f"likert-{language}-{width}")
        if width in (1280, 360):
            violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in SERIOUS]
            assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]
