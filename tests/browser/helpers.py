"""Steps and checks shared by the browser tests.

Buttons on survey pages are found by the action they send (`next`, `back`, `later`), not by their label,
so the same steps work in every language; questions and options are found by their accessible names.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

from babel.messages.pofile import read_po
from playwright.sync_api import Locator, Page, expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TRANSLATIONS = Path(__file__).resolve().parents[2] / "surveyapp" / "translations"

# What a peer sees of tests/fixtures/mini.yaml and MINI_SPEC (tests/conftest.py), per language.
TEXT = {
    "en": {
        "language": "English",
        "clear": "I know my tasks.",
        "unclear": "My tasks change from day to day.",
        "valued": "My knowledge is valued.",
        "years": "Years in role",
        "tasks": "Tasks you do",
        "comments": "Anything else?",
        "page2": "Second page",
        "support": "Call the support line.",
        "agree5": {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree"},
        "task": {1: "Groups", 2: "One to one", 3: "Advocacy"},
    },
    "he": {
        "language": "עברית",
        "clear": "אני יודע/ת מה המשימות שלי.",
        "unclear": "המשימות שלי משתנות מיום ליום.",
        "valued": "הידע שלי מוערך.",
        "years": "שנים בתפקיד",
        "tasks": "משימות שאת/ה עושה",
        "comments": "משהו נוסף?",
        "page2": "עמוד שני",
        "support": "התקשרו לקו התמיכה.",
        "agree5": {1: "מאוד לא מסכים/ה", 2: "לא מסכים/ה", 3: "ניטרלי", 4: "מסכים/ה", 5: "מאוד מסכים/ה"},
        "task": {1: "קבוצות", 2: "אישי", 3: "סנגור"},
    },
}


def ui_text(msgid: str, language: str) -> re.Pattern[str]:
    """What the UI may show for ``msgid``: its translation in the .po file (read now, as the translations are
    being filled in), else the English; a fuzzy translation may be compiled in (`make`) or not (tests/conftest.py)."""
    shown = {msgid}
    po = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if po.exists():
        with po.open("rb") as source:
            message = read_po(source).get(msgid)
        if message is not None and message.string:
            shown = {message.string, msgid} if message.fuzzy else {message.string}
    return re.compile("^(" + "|".join(re.escape(text) for text in sorted(shown)) + ")$")


def start(page: Page, link: str, language: str = "en") -> None:
    """Open a new link, choose the language, tick consent and start: ends on page 1."""
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/language$"))
    page.get_by_role("button", name=TEXT[language]["language"], exact=True).click()
    give_consent(page)


def give_consent(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/consent$"))
    page.get_by_role("checkbox").check()
    page.locator("main form").get_by_role("button").click()  # the form's only button: Start
    expect(page).to_have_url(re.compile(r"/p/1$"))


def question(page: Page, text: str) -> Locator:
    """A question: a fieldset, i.e. a group named by its legend (which may add "(required)")."""
    return page.get_by_role("group", name=text)


def option(page: Page, question_text: str, label: str) -> Locator:
    """A radio button or checkbox of a question, by its label."""
    group = question(page, question_text)
    return group.get_by_role("radio", name=label, exact=True).or_(group.get_by_role("checkbox", name=label, exact=True))


def action(page: Page, name: str) -> Locator:
    """The survey page's button that sends ``action=name``: next (or review), back, later."""
    return page.locator(f'form.survey-page button[name="action"][value="{name}"]')


def answer_page1(page: Page, language: str = "en", clear: int = 4, unclear: int = 2, valued: int | None = 5) -> None:
    """Tick the likert answers on page 1 (as a peer); ``valued=None`` leaves the required question empty."""
    text = TEXT[language]
    for key, code in (("clear", clear), ("unclear", unclear), ("valued", valued)):
        if code is not None:
            option(page, text[key], text["agree5"][code]).check()


def review_answer(page: Page, question_text: str) -> Locator:
    """On the review page: the answer (<dd>) shown for a question (<dt>)."""
    term = page.locator("dt").filter(has_text=re.compile(rf"^\s*{re.escape(question_text)}\s*$"))
    return term.locator("xpath=following-sibling::dd[1]")


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot to test-artifacts/ (gitignored) for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def assert_fits_width(page: Page) -> None:
    """Nothing scrolls sideways: the document is no wider than the screen."""
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide on a {width}px screen"


def assert_stacked(boxes: Locator) -> None:
    """The elements form one column: same left edge and width, each below the previous without overlapping."""
    rects = [box.bounding_box() for box in boxes.all()]
    assert len(rects) > 1, "nothing to compare"
    assert all(rect is not None for rect in rects), "an element is not displayed"
    first = rects[0]
    for above, below in pairwise(rects):
        assert abs(below["x"] - first["x"]) < 1, f"not in one column: {rects}"
        assert abs(below["width"] - first["width"]) < 1, f"not in one column: {rects}"
        assert below["y"] >= above["y"] + above["height"], f"not one per line: {rects}"
