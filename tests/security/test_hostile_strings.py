"""Finding 10: hostile text in every field that staff or respondents can write is shown inert, in Chromium.

Each payload tries three ways out: close a <script> block and open another, an <img onerror>, and a
<meta http-equiv=refresh> (which no CSP stops: it redirected every manager when an audience label closed
the dashboard chart's script block). The pages are loaded in a real browser and must show each payload as
text, with no navigation, no script run (``window.__pwned`` stays undefined), no dialog and no injected
element.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from surveyapp.services.accounts import create_user
from surveyapp.services.demo import add_synthetic_responses
from surveyapp.services.importing import import_responses
from surveyapp.services.invitations import issue_invitations
from surveyapp.services.surveys import create_survey, set_status
from tests.browser.chromium import open_context
from tests.conftest import FIXTURES, MINI_SPEC

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "tangerine-ocelot-quarry-58"


def payload(tag: str) -> str:
    return (
        f"{tag} </script><script>window.__pwned='{tag}'</script>"
        f'<img src=x onerror="window.__pwned=\'{tag}\'"><meta http-equiv="refresh" content="0;url=/pwned-{tag}"> \'&"'
    )


TITLE, PEER, STAFF, ITEM, OPTION, INSTRUMENT, SUBSCALE, COMMENT = (
    payload(tag) for tag in ("title", "peer", "staff", "item", "option", "instrument", "subscale", "comment")
)
EMAIL = "\"><img/src=x/onerror=window.__pwned='email'>@example.org"
# what must not be in any page's DOM, whichever payload got through
INJECTED = "meta[http-equiv], img[src='x'], script:not([src]):not([type='application/json'])"


def hostile_instrument(folder: Path) -> Path:
    definition = yaml.safe_load((FIXTURES / "mini.yaml").read_text(encoding="utf-8"))
    definition["title"] = {"en": INSTRUMENT, "he": INSTRUMENT}
    items = {item["id"]: item for item in definition["items"]}
    items["clear"]["text"]["peer"] = {"en": ITEM, "he": ITEM}
    items["comments"]["text"] = {"en": ITEM + " comments", "he": ITEM}
    definition["scales"]["agree5"]["options"][3]["label"] = {"en": OPTION, "he": OPTION}
    definition["subscales"][0]["label"] = {"en": SUBSCALE, "he": SUBSCALE}
    folder.mkdir()
    (folder / "mini.yaml").write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture
def hostile(app: Flask, tmp_path: Path) -> dict[str, str]:
    """A survey whose every text is hostile, with answers, comments and an admin whose e-mail is hostile."""
    folder = hostile_instrument(tmp_path / "instruments")
    app.config["INSTRUMENTS_DIR"] = str(folder)
    spec = yaml.safe_load(MINI_SPEC)
    spec["title"] = {"en": TITLE, "he": TITLE}
    spec["audience_labels"] = {"peer": {"en": PEER, "he": PEER}, "staff": {"en": STAFF, "he": STAFF}}
    survey = create_survey(yaml.safe_dump(spec, allow_unicode=True), "spec.yaml", folder, NOW, None)
    set_status(survey.slug, "open", NOW, None)
    add_synthetic_responses(survey, 60, NOW)
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["audience", "mini.comments"])
    writer.writerows([audience, COMMENT] for audience in ("peer", "staff") for _ in range(10))
    assert import_responses(survey, rows.getvalue(), NOW, None).ok
    create_user(EMAIL, PASSWORD, "admin", NOW, None)
    (token,) = issue_invitations(survey.slug, "peer", 1, NOW, None)
    return {"slug": survey.slug, "token": token}


@pytest.fixture
def browser_page(chromium: Browser, live_server: str) -> Iterator[Page]:
    context = open_context(chromium, live_server, "en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.events = {"dialogs": [], "requests": [], "errors": []}  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: (page.events["dialogs"].append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]
    page.on("request", lambda request: page.events["requests"].append(request.url))  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.events["errors"].append(str(error)))  # type: ignore[attr-defined]
    yield page
    context.close()


def strings(data: object) -> Iterator[str]:
    """Every string in a parsed JSON document."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)


def sign_in(page: Page) -> None:
    """The hostile address is not a valid <input type=email>, so the form is posted directly."""
    response = page.request.post("/login", form={"email": EMAIL, "password": PASSWORD}, max_redirects=0)
    assert response.status == 302


def assert_inert(page: Page, path: str, *texts: str) -> None:
    """Open ``path``: each of ``texts`` shows as text; nothing ran, navigated, popped up or got injected."""
    page.goto(path)
    page.wait_for_load_state("networkidle")  # a refresh of delay 0 would have fired by now
    assert page.url.endswith(path), f"navigated away from {path} to {page.url}"
    events = page.events  # type: ignore[attr-defined]
    assert not [url for url in events["requests"] if "pwned" in url or url.endswith("/x")], events["requests"]
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert events["dialogs"] == []
    assert page.locator(INJECTED).count() == 0
    # the page's text, folded <details> included, without the JSON data blocks (escaped, never shown)
    shown = page.evaluate(
        "(() => { const c = document.body.cloneNode(true);"
        " c.querySelectorAll('script').forEach(s => s.remove()); return c.textContent; })()"
    )
    for text in texts:
        assert text in shown, f"{text[:20]}... is not shown as text on {path}"


@pytest.mark.browser
def test_dashboard_shows_hostile_labels_titles_and_comments_as_text(browser_page: Page, hostile) -> None:
    sign_in(browser_page)
    path = f"/dashboard/{hostile['slug']}"
    assert_inert(browser_page, path, TITLE, COMMENT, SUBSCALE, EMAIL)
    scores = browser_page.locator(".subscale [data-figure]").first
    scores.scroll_into_view_if_needed()
    expect(scores.locator(".main-svg").first).to_be_visible()
    drawn = scores.locator(".main-svg text").all_text_contents()
    assert any(text.startswith("peer </script>") for text in drawn), drawn  # the label, drawn as SVG text
    figures = browser_page.evaluate("[...document.querySelectorAll('script[type=\"application/json\"]')].map(s => s.textContent)")
    assert PEER in {value for text in figures for value in strings(json.loads(text))}  # the label round-trips exactly
    items = browser_page.locator("details.items").first
    items.locator("summary").click()
    expect(items.locator("[data-figure] .main-svg").first).to_be_visible()
    assert browser_page.evaluate("typeof window.__pwned") == "undefined"
    assert browser_page.events["errors"] == []  # type: ignore[attr-defined]


@pytest.mark.browser
def test_admin_and_listing_pages_show_hostile_text_inert(browser_page: Page, hostile) -> None:
    sign_in(browser_page)
    assert_inert(browser_page, "/dashboard/", TITLE)
    assert_inert(browser_page, "/admin/", TITLE)
    assert_inert(browser_page, "/admin/users", EMAIL)
    assert_inert(browser_page, f"/dashboard/{hostile['slug']}/export", TITLE)
    assert_inert(browser_page, f"/admin/surveys/{hostile['slug']}/import", EMAIL)  # shows the slug, not the title


@pytest.mark.browser
def test_respondent_pages_and_review_show_hostile_text_inert(browser_page: Page, hostile, live_server: str) -> None:
    token = hostile["token"]
    browser_page.context.add_cookies([{"name": "ps_lang", "value": "en", "url": live_server}])
    browser_page.goto(f"/r/{token}")
    browser_page.wait_for_load_state("networkidle")
    assert_inert(browser_page, f"/r/{token}/consent", TITLE)
    browser_page.get_by_role("checkbox").check()
    browser_page.locator("main form").get_by_role("button").click()
    expect(browser_page).to_have_url(f"{live_server}/r/{token}/p/1")
    assert_inert(browser_page, f"/r/{token}/p/1", ITEM, OPTION, INSTRUMENT)
    browser_page.locator('input[name="mini.clear"][value="4"]').check()  # the hostile option
    browser_page.locator('input[name="mini.valued"][value="5"]').check()
    browser_page.locator('button[name="action"][value="next"]').click()
    expect(browser_page.locator('textarea[name="mini.comments"]')).to_be_visible()
    browser_page.locator('textarea[name="mini.comments"]').fill(COMMENT)
    browser_page.locator('button[name="action"][value="next"]').click()
    expect(browser_page).to_have_url(f"{live_server}/r/{token}/review")
    assert_inert(browser_page, f"/r/{token}/review", COMMENT, OPTION, ITEM)
