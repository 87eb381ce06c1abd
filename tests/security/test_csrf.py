"""Cross-site request forgery: with CSRF protection on, every POST route of the URL map refuses a form without
this session's token, and nothing changes (the whole database and the visitor's sign-in are compared).

Each POST route has an ATTACK: an actor allowed to use it and a form that really changes something. The test
sends it three times without a valid token (none, garbage, another session's token) and expects no change, then
once with the session's own token and expects the change, so it proves the form would have worked: a test that
could not fail would prove nothing. A new POST route without an entry here fails with a message.

Respondents' pages refuse as they do today, without losing anything: a question page is shown again with the
typed answers and a request to press the button again; consent and language are shown again (303); a submit
goes back to the review (303).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from flask.testing import FlaskClient

from surveyapp.db import db
from tests.security.conftest import CSRF_TOKEN, PAGE_ANSWERS, PASSWORD, World, survey_spec
from tests.security.routes import ROUTES, address, url
from tests.security.test_authorization_matrix import ALLOW, EXPECTED
from tests.smtp_server import SmtpServer, running_smtp_server

MESSAGES = {f"{part}_{lang}": "Hello {link}" for part in ("subject", "body") for lang in ("en", "he")}
REMINDERS = {f"{part}_{lang}": "Still time: {link}" for part in ("subject", "body") for lang in ("en", "he")}
IMPORT_CSV = "audience,language,mini.clear,mini.valued,mini.comments\r\npeer,en,4,5,fine\r\nstaff,en,2,4,\r\n"


@dataclass(frozen=True)
class Attack:
    actor: str
    data: Callable[[World], dict]  # a form that changes something when its token is valid
    form_page: str  # endpoint of a page where this actor's browser gets a form with a token
    token: str = "started"  # the respondent link the address uses
    refused: int = 400
    prepare: Callable[[World, FlaskClient], None] | None = None
    shows: tuple[str, ...] = field(default=())  # patterns a refused page still shows


def _ready_to_submit(world: World, client: FlaskClient) -> None:
    for number, answers in PAGE_ANSWERS.items():
        assert client.post(f"/r/{world.tokens['started']}/p/{number}", data={**answers, "action": "next"}).status_code == 302


_MAIL: list[SmtpServer] = []


@pytest.fixture(scope="module", autouse=True)
def _mail_server() -> Iterator[None]:
    """A real SMTP server on 127.0.0.1, so the invitation forms' valid posts really send."""
    servers = running_smtp_server()
    _MAIL.append(next(servers))
    yield
    _MAIL.clear()
    next(servers, None)


def _mail_ready(queued: int = 0, sent: bool = False) -> Callable[[World, FlaskClient], None]:
    """Point the app at the test mail server; queue (and send) invitations to ``queued`` addresses first."""

    def prepare(world: World, client: FlaskClient) -> None:
        from surveyapp.services.address_list import Addressee
        from surveyapp.services.mail_messages import default_messages
        from surveyapp.services.mailing import add_addresses, send_batch
        from surveyapp.services.smtp import SmtpSettings

        world.app.config.update(_MAIL[0].config())
        if not queued:
            return
        now = dt.datetime.now(dt.UTC)
        with world.app.app_context():
            people = [Addressee(f"queued{i}@example.org", None, "en") for i in range(queued)]
            secret = world.app.config["SECRET_KEY"]
            add_addresses(world.slug, "peer", people, default_messages("invitation", ["en", "he"]), now, None, secret)
            if sent:
                send_batch(world.slug, SmtpSettings.from_config(world.app.config), "http://h", secret, now, 10)

    return prepare


def _deletable_draft(world: World, client: FlaskClient) -> None:
    """The seeded survey back to a draft nobody answered, so the builder may edit or delete it."""
    from sqlalchemy import delete

    from surveyapp.db import Response, Survey

    with world.app.app_context():
        survey = db.session.scalars(db.select(Survey).where(Survey.slug == world.slug)).one()
        db.session.execute(delete(Response).where(Response.survey_id == survey.id))
        survey.status = "draft"
        db.session.commit()


BUILT = {
    "languages": ["en", "he"],
    "title.en": "Built in the form",
    "title.he": "נבנה בטופס",
    "consent.en": "Please agree.",
    "consent.he": "נא להסכים.",
    "audiences": ["peer", "staff"],
    "instruments": ["mini"],
    "action": "save",
}
ADMIN_PAGE = "admin.users"
ATTACKS: dict[str, Attack] = {
    "auth.login": Attack("anonymous", lambda w: {"email": w.emails["admin"], "password": PASSWORD}, "auth.login"),
    "auth.logout": Attack("admin", lambda w: {}, ADMIN_PAGE),
    "admin.active": Attack("admin", lambda w: {"active": "0"}, ADMIN_PAGE),
    "admin.reset_password": Attack("admin", lambda w: {}, ADMIN_PAGE),
    "admin.next_round": Attack("admin", lambda w: {}, ADMIN_PAGE),
    "delphi.accept": Attack(
        "admin",
        lambda w: {
            "domain": "team",
            **{
                f"text-{a}-{lang}": f"A proposed task ({a}, {lang})"
                for a in ("peer", "staff", "service_user")
                for lang in ("en", "he")
            },
        },
        "delphi.proposals",
    ),
    "auth.password": Attack(
        "manager_granted",
        lambda w: {"current": PASSWORD, "new": "a quiet harbour at dawn 7", "repeated": "a quiet harbour at dawn 7"},
        "auth.password",
    ),
    "auth.language": Attack("manager_granted", lambda w: {"language": "ar"}, "dashboard.index"),
    "admin.create_account": Attack(
        "admin", lambda w: {"email": "new.person@example.org", "password": PASSWORD, "role": "manager"}, ADMIN_PAGE
    ),
    "admin.grants": Attack("admin", lambda w: {"survey": w.slug}, ADMIN_PAGE),
    "actions.form": Attack(
        "manager_granted", lambda w: {"what": "Describe the peer role together", "who": "The service manager"}, "actions.form"
    ),
    "admin.issue": Attack("admin", lambda w: {"audience": "peer", "count": "2"}, ADMIN_PAGE),
    "admin.new_survey": Attack("admin", lambda w: {"spec": survey_spec("another-survey")}, ADMIN_PAGE),
    "admin.open_link": Attack("admin", lambda w: {"audience": "peer"}, ADMIN_PAGE),
    "admin.set_status": Attack("admin", lambda w: {"status": "closed"}, ADMIN_PAGE),
    "invitations.email": Attack(
        "admin",
        lambda w: {"audience": "peer", "addresses": "someone@example.org", **MESSAGES},
        ADMIN_PAGE,
        prepare=_mail_ready(),
    ),
    "invitations.send": Attack("admin", lambda w: {}, ADMIN_PAGE, prepare=_mail_ready(queued=1)),
    "invitations.remind": Attack("admin", lambda w: REMINDERS, ADMIN_PAGE, prepare=_mail_ready(queued=1, sent=True)),
    "invitations.purge": Attack("admin", lambda w: {}, ADMIN_PAGE, prepare=_mail_ready(queued=1)),
    "invitations.slips": Attack("admin", lambda w: {"audience": "peer", "count": "1"}, ADMIN_PAGE),
    "invitations.poster": Attack("admin", lambda w: {"audience": "peer"}, ADMIN_PAGE),
    "builder.create": Attack("admin", lambda w: BUILT, ADMIN_PAGE),
    "builder.edit": Attack("admin", lambda w: {**BUILT, "min_cell_size": "9"}, ADMIN_PAGE, prepare=_deletable_draft),
    "builder.next_wave": Attack("admin", lambda w: {"opens_at": "2027-01-01"}, ADMIN_PAGE),
    "builder.delete": Attack("admin", lambda w: {"confirm": w.slug}, ADMIN_PAGE, prepare=_deletable_draft),
    "imports.upload": Attack(
        "researcher_granted", lambda w: {"file": (io.BytesIO(IMPORT_CSV.encode()), "paper.csv")}, "imports.upload"
    ),
    "respond.consent": Attack("respondent", lambda w: {"consent": "yes"}, "respond.consent", token="fresh", refused=303),
    "respond.language": Attack("respondent", lambda w: {"language": "he"}, "respond.language", refused=303),
    "respond.page": Attack(
        "respondent",
        lambda w: {**PAGE_ANSWERS[1], "mini.clear": "2", "action": "next"},
        "respond.page",
        shows=("was not saved", r'name="mini.clear" value="2"\s+checked'),  # the typed answer is kept
    ),
    "respond.submit": Attack("respondent", lambda w: {}, "respond.review", refused=303, prepare=_ready_to_submit),
}
POST_ROUTES = sorted({endpoint for endpoint, method, _rule in ROUTES if method == "POST"})


def test_every_post_route_has_an_attack() -> None:
    missing = sorted(set(POST_ROUTES) - set(ATTACKS))
    assert not missing, (
        "POST routes without a CSRF attack: add each to ATTACKS in tests/security/test_csrf.py (an allowed actor and a "
        "form that changes something): " + ", ".join(missing)
    )
    assert not set(ATTACKS) - set(POST_ROUTES), "ATTACKS names POST routes the app no longer has"


def rows(world: World) -> dict[str, list[str]]:
    with world.app.app_context():
        return {
            table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables
        }


def state(world: World, client: FlaskClient) -> tuple[dict[str, list[str]], bool]:
    """Every row of every table, and whether this browser is signed in."""
    with client.get("/dashboard/") as page:
        return rows(world), page.status_code == 200


def changes(before: tuple[dict[str, list[str]], bool], after: tuple[dict[str, list[str]], bool]) -> list[str]:
    changed = [name for name in before[0] if before[0][name] != after[0][name]]
    return changed + (["signed-in state"] if before[1] != after[1] else [])


def fresh_token(world: World, client: FlaskClient, attack: Attack) -> str:
    with client.get(url(world, attack.form_page, world.tokens[attack.token])) as page:
        found = CSRF_TOKEN.search(page.text)
    assert found, f"no form with a CSRF token on {attack.form_page}"
    return found.group(1)


@pytest.mark.parametrize("endpoint", [e for e in POST_ROUTES if e in ATTACKS])
def test_a_post_without_a_valid_token_changes_nothing(world: World, endpoint: str) -> None:
    attack = ATTACKS[endpoint]
    client = world.client(attack.actor)
    if attack.prepare:
        attack.prepare(world, client)
    path = url(world, endpoint, world.tokens[attack.token])
    world.app.config["WTF_CSRF_ENABLED"] = True
    other_session = fresh_token(world, world.client(attack.actor), attack)  # valid, but for someone else's browser
    before = state(world, client)
    for token in (None, "forged-token", other_session):
        form = attack.data(world) | ({"csrf_token": token} if token else {})
        with client.post(path, data=form) as refused:
            assert refused.status_code == attack.refused, f"{endpoint} with token {token!r}: {refused.status_code}"
            for pattern in attack.shows:
                assert re.search(pattern, refused.text), f"{endpoint}: the refused page should still show {pattern!r}"
        assert not changes(before, state(world, client)), (
            f"{endpoint} with token {token!r} changed {changes(before, state(world, client))}"
        )

    form = attack.data(world) | {"csrf_token": fresh_token(world, client, attack)}
    with client.post(path, data=form) as accepted:
        assert accepted.status_code < 400, f"{endpoint} refused its own session's token ({accepted.status_code})"
    assert changes(before, state(world, client)), f"{endpoint}: the attack's form changes nothing even with a valid token"


# GETs carry no token, so a forged GET (an image on another site) must change nothing that matters: a GET may
# write the audit log (downloads and views are audited) and the results cache, and nothing else but these.
GET_MAY_WRITE = {"audit_event", "dashboard_cache"}
GET_WRITES = {
    "respond.open_link": {"invitation"},  # each visitor of an open link gets a personal link to resume
    # a results view publishes waiting responses once a full step of min_cell_size has arrived (services.publication):
    # derived state that any viewer would bring about, never a choice a forged request could make
    "dashboard.survey": {"response"},
    "dashboard.table_csv": {"response"},
    "dashboard.report_pdf": {"response"},
    "actions.form": {"response"},
    "actions.download": {"response"},
    "training.page": {"response"},
    "training.download": {"response"},
    "delphi.view": {"response"},
    "delphi.table": {"response"},
    "delphi.definition": {"response"},
    "delphi.printable": {"response"},
}
GET_ROUTES = sorted({endpoint for endpoint, method, _rule in ROUTES if method == "GET" and endpoint in EXPECTED})


@pytest.mark.parametrize("endpoint", GET_ROUTES)
def test_a_get_changes_nothing_but_logs_and_caches(shared_world: World, endpoint: str) -> None:
    actor = next(actor for actor, outcome in EXPECTED[endpoint].items() if outcome == ALLOW)
    client = shared_world.browser(actor)
    before = rows(shared_world)
    with client.get(address(shared_world, endpoint, actor)) as response:
        response.get_data()
        assert response.status_code < 500
    after = rows(shared_world)
    changed = {name for name in before if before[name] != after[name]} - GET_MAY_WRITE - GET_WRITES.get(endpoint, set())
    assert not changed, f"GET {endpoint} as {actor} changed {sorted(changed)}: a state change belongs behind a POST with a token"
