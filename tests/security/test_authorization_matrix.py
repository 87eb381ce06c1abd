"""The authorisation matrix: every route of the URL map, every method, every actor.

EXPECTED says, for each endpoint, who may use it and what everyone else gets. A route added to the app
without an entry here fails `test_every_route_has_a_rule`, naming the endpoint to add: nobody ships a page
without deciding who may open it.

Actors: an anonymous visitor; a respondent (whoever holds a respondent link: the token in the address is
their only key, so everyone else tries a token that was never issued); a manager and a researcher with and
without a grant on the seeded survey; an admin (sees every survey); an admin whose account was deactivated
while a browser still holds the session (treated as a stranger).
Outcomes: ALLOW (the view ran: a page, a download, a redirect onwards, or its own validation message),
LOGIN (redirect to sign-in), FORBIDDEN (403: the role may not use this page at all, whatever the survey),
NOT_FOUND (404, also at the end of a redirect chain).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.test import TestResponse

from tests.security.conftest import ACTORS, STAFF, World
from tests.security.routes import ROUTES, address

ALLOW, LOGIN, FORBIDDEN, NOT_FOUND = "allow", "login", "forbidden", "not found"

# Issue 9, finding 11: a signed-in staff member without access to an EXISTING survey gets 403 and an unknown
# slug 404, which tells them which slugs exist. Another branch changes that 403 into 404; the cells that
# expect it are marked xfail(strict) until then. After merging that branch set this to True: the marks go,
# and those cells must pass.
SLUG_ENUMERATION_FIXED = True
PENDING_404 = "issue 9 finding 11: an ungranted survey answers 403 (unknown ones 404) until the slug-enumeration fix is merged"

Expectation = dict[str, str]  # actor -> outcome


def _pending_404(waits: bool) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(strict=True, reason=PENDING_404)] if waits and not SLUG_ENUMERATION_FIXED else []


def public() -> Expectation:
    return dict.fromkeys(ACTORS, ALLOW)


def respondent_link() -> Expectation:
    """Respondent pages: the token is the key; anyone without it sees the unknown-link page."""
    return {actor: ALLOW if actor == "respondent" else NOT_FOUND for actor in ACTORS}


def signed_in() -> Expectation:
    return {actor: ALLOW if actor in STAFF else LOGIN for actor in ACTORS}


def staff(*roles: str) -> Expectation:
    """A staff page not about one survey: the role decides."""
    return {actor: LOGIN if actor not in STAFF else ALLOW if STAFF[actor][0] in roles else FORBIDDEN for actor in ACTORS}


def survey(*roles: str) -> Expectation:
    """A page about one survey: the role, then a grant on that survey (admins need none). Without the grant the
    survey does not exist for you (404, as an unknown slug), so slugs cannot be enumerated."""
    expected = staff(*roles)
    for actor, (role, granted) in STAFF.items():
        if expected[actor] == ALLOW and role != "admin" and not granted:
            expected[actor] = NOT_FOUND
    return expected


RESULTS, EXPORTS = ("admin", "manager", "researcher"), ("admin", "researcher")

# endpoint -> who may use it (every method of the route); add an entry for every new route.
EXPECTED: dict[str, Expectation] = {
    # public pages and assets
    "public.index": public(),
    "health.healthz": public(),
    "health.readyz": public(),
    "static": public(),
    "dashboard.plotly_js": public(),
    "dashboard.plotly_css": public(),
    "auth.login": public(),
    "auth.logout": signed_in(),
    "auth.password": signed_in(),
    "auth.language": public(),  # the staff pages' language: on the account when signed in, else this browser's
    # respondents
    "respond.open_link": respondent_link(),
    "respond.entry": respondent_link(),
    "respond.language": respondent_link(),
    "respond.consent": respondent_link(),
    "respond.page": respondent_link(),
    "respond.review": respondent_link(),
    "respond.submit": respondent_link(),
    "respond.done": respondent_link(),
    # administration
    "admin.index": staff("admin"),
    "admin.new_survey": staff("admin"),
    "admin.set_status": staff("admin"),
    "admin.issue": staff("admin"),
    "admin.open_link": staff("admin"),
    "admin.users": staff("admin"),
    "admin.create_account": staff("admin"),
    "admin.grants": staff("admin"),
    "admin.active": staff("admin"),
    "admin.reset_password": staff("admin"),
    "admin.next_round": staff("admin"),
    # invitations people receive: e-mail, reminders, printed slips and posters (every survey's, for admins only)
    "invitations.page": staff("admin"),
    "invitations.email": staff("admin"),
    "invitations.send": staff("admin"),
    "invitations.remind": staff("admin"),
    "invitations.purge": staff("admin"),
    "invitations.slips": staff("admin"),
    "invitations.poster": staff("admin"),
    # the survey builder (web/builder.py): admins only, like every other survey-changing page
    "builder.create": staff("admin"),
    "builder.edit": staff("admin"),
    "builder.preview": staff("admin"),
    "builder.export_spec": staff("admin"),
    "builder.next_wave": staff("admin"),
    "builder.delete": staff("admin"),
    # results and research data
    "dashboard.index": staff(*RESULTS),
    "dashboard.survey": survey(*RESULTS),
    "dashboard.table_csv": survey(*RESULTS),
    "dashboard.report_pdf": survey(*RESULTS),
    "actions.form": survey("admin", "manager"),
    "actions.download": survey(*RESULTS),
    "training.page": survey(*RESULTS),
    "delphi.view": survey(*RESULTS),
    "delphi.table": survey(*RESULTS),
    "delphi.definition": survey(*RESULTS),
    "delphi.printable": survey(*RESULTS),
    "delphi.proposals": survey("admin"),
    "delphi.accept": survey("admin"),
    "training.download": survey(*RESULTS),
    "validation.report": survey(*EXPORTS),
    "validation.report_csv": survey(*EXPORTS),
    "exports.index": survey(*EXPORTS),
    "exports.download": survey(*EXPORTS),
    "imports.upload": survey(*EXPORTS),
}


def _cells() -> list:
    cells = []
    for endpoint, method, rule in ROUTES:
        for actor, outcome in EXPECTED.get(endpoint, {}).items():
            marks = _pending_404(outcome == NOT_FOUND and actor in STAFF and "<slug>" in rule)
            cells.append(pytest.param(endpoint, method, actor, outcome, id=f"{endpoint}-{method}-{actor}", marks=marks))
    return cells


def test_every_route_has_a_rule() -> None:
    missing = sorted({f"{endpoint} ({rule})" for endpoint, _method, rule in ROUTES if endpoint not in EXPECTED})
    assert not missing, (
        "Routes without an authorisation rule: add each endpoint to EXPECTED in tests/security/test_authorization_matrix.py "
        "(public(), respondent_link(), signed_in(), staff(roles) or survey(roles)): " + ", ".join(missing)
    )
    stale = sorted(set(EXPECTED) - {endpoint for endpoint, _method, _rule in ROUTES})
    assert not stale, f"EXPECTED names endpoints the app no longer has; remove them: {', '.join(stale)}"
    for endpoint, expectation in EXPECTED.items():
        assert set(expectation) == set(ACTORS), f"{endpoint}: say what every actor gets"


def outcome_of(client, response: TestResponse, hops: int = 3) -> str:
    """Follow redirects inside the app (a redirect to sign-in is an outcome of its own) and name the result."""
    while response.status_code in (301, 302, 303, 307, 308) and hops:
        target = urlsplit(response.headers["Location"])
        if target.path == "/login" and "next" in parse_qs(target.query):
            return LOGIN
        response = client.get(target.path + (f"?{target.query}" if target.query else ""))
        response.close()
        hops -= 1
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    return {403: FORBIDDEN, 404: NOT_FOUND}.get(response.status_code, ALLOW)


@pytest.mark.parametrize(("endpoint", "method", "actor", "expected"), _cells())
def test_matrix(shared_world: World, endpoint: str, method: str, actor: str, expected: str) -> None:
    client = shared_world.client(actor) if endpoint == "auth.logout" else shared_world.browser(actor)
    path = address(shared_world, endpoint, actor)
    response = client.open(path, method=method, data={})  # CSRF is off here: tests/security/test_csrf.py covers tokens
    response.get_data()  # a streamed download runs to its end
    response.close()  # files sent by send_file are closed here
    got = outcome_of(client, response)
    assert got == expected, f"{actor} {method} {path}: expected {expected}, got {got} ({response.status_code})"


SURVEY_SCOPED = sorted({(endpoint, method) for endpoint, method, rule in ROUTES if "<slug>" in rule and endpoint in EXPECTED})


def _enumeration_cells() -> list:
    cells = []
    for endpoint, method in SURVEY_SCOPED:
        for actor, (_role, granted) in STAFF.items():
            if granted or actor == "admin":
                continue
            marks = _pending_404(EXPECTED[endpoint][actor] == NOT_FOUND)
            cells.append(pytest.param(endpoint, method, actor, id=f"{endpoint}-{method}-{actor}", marks=marks))
    return cells


@pytest.mark.parametrize(("endpoint", "method", "actor"), _enumeration_cells())
def test_ungranted_survey_looks_like_an_unknown_one(shared_world: World, endpoint: str, method: str, actor: str) -> None:
    """A staff member without a grant learns nothing from a slug: an existing survey answers as an unknown one."""
    client = shared_world.browser(actor)
    existing = address(shared_world, endpoint, actor)
    unknown = address(shared_world, endpoint, actor, slug="no-such-survey")
    with client.open(existing, method=method, data={}) as seen, client.open(unknown, method=method, data={}) as other:
        assert seen.status_code == other.status_code, (
            f"{existing} answers {seen.status_code}, an unknown slug {other.status_code}"
        )
