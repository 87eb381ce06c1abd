"""Staff pages in Hebrew and Arabic: every staff page an administrator can open, in each language, right to left,
with no English sentence of the catalogue left on it; and a staff member's language choice is remembered.

The pages come from the URL map (tests/security/routes.py), so a new staff page is checked without being listed
here. "English left" means any catalogued sentence (a msgid of three words or more, from the .pot) shown verbatim
in the page's visible text: a string wrapped in _() but not translated, or a view that forgot to translate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT
from tests.security import conftest as security
from tests.security.conftest import PASSWORD, World
from tests.security.routes import ROUTES, address
from tests.security.test_authorization_matrix import ALLOW, EXPECTED

LANGUAGES = ("he", "ar")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The authorisation matrix's seeded world (a survey with answers, a Delphi, an account per role), once."""
    for url in security._database_url(tmp_path_factory.mktemp("languages")):
        app = security._app(url)
        yield security._seed(app)
        security._dispose(app)


NOT_STAFF_PAGES = ("public.", "respond.", "health.", "static", "dashboard.plotly_")
# the printable job definition is a document for HR in the language picked beside its link (?lang=), whatever the
# reader's own: test_the_printable_job_definition_follows_its_own_language
DOCUMENTS = {"delphi.printable"}
STAFF_PAGES = sorted(
    endpoint
    for endpoint, method, _rule in ROUTES
    if method == "GET"
    and not endpoint.startswith(NOT_STAFF_PAGES)
    and endpoint not in DOCUMENTS
    and EXPECTED[endpoint]["admin"] == ALLOW
)


def _catalogued_sentences() -> list[str]:
    """Every msgid of three words or more without a placeholder: what must never be left in English."""
    with (ROOT / "surveyapp" / "translations" / "messages.pot").open("rb") as source:
        catalog = read_po(source)
    sentences = []
    for message in catalog:
        text = message.id if isinstance(message.id, str) else message.id[0]
        if text and "%" not in text and len(text.split()) >= 3:
            sentences.append(text)
    return sentences


SENTENCES = _catalogued_sentences()


class _VisibleText(HTMLParser):
    """The text a reader sees (and a screen reader reads): no scripts, no styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name == "aria-label" and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _VisibleText()
    parser.feed(page)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


#: staff pages that show the respondent's pages in the language chosen on them (the builder's preview)
RESPONDENT_VIEWS = {"builder.preview"}


def choose(client, language: str) -> None:
    with client.post("/language", data={"language": language, "next": "/dashboard/"}) as chosen:
        assert chosen.status_code == 302


def assert_translated(page: str, language: str, where: str) -> None:
    assert f'<html lang="{language}" dir="rtl">' in page, f"{where}: not marked as {language}, right to left"
    text = visible_text(page)
    left = [sentence for sentence in SENTENCES if sentence in text]
    assert not left, f"{where} in {language} still shows English: {left}"


def test_every_staff_page_is_checked() -> None:
    """The list comes from the URL map: the pages this helper's issue names are all in it."""
    for endpoint in ("auth.password", "dashboard.index", "dashboard.survey", "admin.index", "admin.users",
                     "exports.index", "imports.upload", "validation.report", "delphi.view", "delphi.proposals",
                     "training.page"):  # fmt: skip
        assert endpoint in STAFF_PAGES


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("endpoint", STAFF_PAGES)
def test_staff_page_in_language(world: World, endpoint: str, language: str) -> None:
    if endpoint in RESPONDENT_VIEWS:
        pytest.skip(f"{endpoint} shows the survey as a respondent sees it, in the language chosen on the page")
    client = world.browser("admin")
    choose(client, language)
    path = address(world, endpoint, "admin")
    with client.get(path) as response:
        if response.status_code in (301, 302, 303):  # a page that sends the reader on (e.g. the round picked)
            with client.get(response.headers["Location"]) as response:
                status, kind = response.status_code, response.mimetype
                page = response.text if kind == "text/html" else ""
        else:
            status, kind = response.status_code, response.mimetype
            page = response.text if kind == "text/html" else ""
    assert status == 200, f"{path}: {status}"
    if kind != "text/html" or "<html" not in page:
        pytest.skip(f"{endpoint} is a download ({kind}), not a page")
    assert_translated(page, language, path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_in_and_error_pages_in_language(world: World, language: str) -> None:
    """Before signing in the browser's Accept-Language decides; error pages follow the account's choice."""
    stranger = world.app.test_client()
    with stranger.get("/login", headers={"Accept-Language": f"{language},en;q=0.5"}) as page:
        assert_translated(page.text, language, "/login")
    client = world.browser("admin")
    choose(client, language)
    with client.get("/dashboard/no-such-survey") as missing:
        assert missing.status_code == 404
        assert_translated(missing.text, language, "the 404 page")


def test_a_choice_on_the_sign_in_page_is_kept(world: World) -> None:
    stranger = world.app.test_client()
    with stranger.post("/language", data={"language": "ar", "next": "/login"}) as chosen:
        assert chosen.headers["Location"] == "/login"
    with stranger.get("/login", headers={"Accept-Language": "he"}) as page:
        assert '<html lang="ar" dir="rtl">' in page.text  # the choice, over the browser's preference


def test_the_printable_job_definition_follows_its_own_language(world: World) -> None:
    client = world.browser("admin")
    choose(client, "ar")
    path = address(world, "delphi.printable", "admin")
    with client.get(f"{path}?lang=he") as page:
        assert '<html lang="he" dir="rtl">' in page.text
    with client.get(f"{path}?lang=en") as page:
        assert '<html lang="en" dir="ltr">' in page.text


def test_an_unknown_language_is_refused(world: World) -> None:
    client = world.browser("manager_granted")
    with client.post("/language", data={"language": "fr"}) as refused:
        assert refused.status_code == 400


def test_the_choice_is_remembered_across_sessions_and_devices(world: World) -> None:
    """Chosen once on one device, the language follows the account: a new sign-in elsewhere, with a browser that
    prefers another language, still gets it; and the sign-in page after signing out stays in it."""
    email = world.emails["researcher_granted"]
    first = world.client("researcher_granted")
    choose(first, "he")
    with first.get("/dashboard/") as page:
        assert '<html lang="he" dir="rtl">' in page.text

    other_device = world.app.test_client()
    with other_device.post("/login", data={"email": email, "password": PASSWORD}) as signed_in:
        assert signed_in.status_code == 302
    with other_device.get("/dashboard/", headers={"Accept-Language": "en"}) as page:
        assert '<html lang="he" dir="rtl">' in page.text
        assert "תוצאות הסקרים" in page.text  # "Survey results"

    with other_device.post("/logout") as signed_out:
        assert signed_out.status_code == 302
    with other_device.get("/login", headers={"Accept-Language": "en"}) as page:
        assert '<html lang="he" dir="rtl">' in page.text

    again = world.client("researcher_granted")  # signing out ended every session: a new one
    choose(again, "en")  # back to English: the account follows on the next sign-in anywhere
    third = world.app.test_client()
    with third.post("/login", data={"email": email, "password": PASSWORD}) as signed_in:
        assert signed_in.status_code == 302
    with third.get("/dashboard/", headers={"Accept-Language": "ar"}) as page:
        assert '<html lang="en" dir="ltr">' in page.text


def test_without_a_choice_the_browser_decides(world: World) -> None:
    client = world.client("manager_granted")
    with client.get("/dashboard/", headers={"Accept-Language": "ar-IL,ar;q=0.9,en;q=0.5"}) as page:
        assert '<html lang="ar" dir="rtl">' in page.text
    with client.get("/dashboard/", headers={"Accept-Language": "fr"}) as page:
        assert '<html lang="en" dir="ltr">' in page.text
