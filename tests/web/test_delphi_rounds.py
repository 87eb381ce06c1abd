"""Delphi round 2 through the respondent's pages: the same link, round 1's result, and their own earlier answer."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient

from surveyapp.db import RoundChange, db
from surveyapp.services.delphi_rounds import next_round, round_stability
from surveyapp.services.invitations import create_open_link
from tests.web.test_respond import start

SPEC = {
    "slug": "role-delphi",
    "instruments": ["tasks-mini"],
    "audiences": ["peer", "staff", "service_user"],
    "min_cell_size": 2,
    "delphi": {"max_rounds": 3, "propose_tasks": True},
}
# listen: open (peers split); rounds: everyone in the role (settled, dropped in round 2); records: peers in, staff out
PEERS = {"A": (4, 4, 4), "B": (3, 4, 3), "C": (2, 4, 1)}
STAFF = {"D": (1, 4, 1), "E": (2, 4, 1), "F": (2, 3, 2)}
NAMES = ("listen", "rounds", "records")


def answer(client: FlaskClient, token: str, ratings: dict[str, int], language: str = "en") -> str:
    """Answer every page through the app (role ratings as given, 'monthly' for how often), submit; the last page's HTML."""
    start(client, token, language)
    number, html = 1, ""
    while True:
        page = client.get(f"/r/{token}/p/{number}")
        assert page.status_code == 200, page.text
        html = page.text
        names = set(re.findall(r'name="(tasks-mini\.[a-z_]+)"', html))
        data = {"action": "next"}
        for name in names:
            task = name.split(".", 1)[1]
            if task in ratings:
                data[name] = str(ratings[task])
            elif task.endswith("_now"):
                data[name] = "3"
        moved = client.post(f"/r/{token}/p/{number}", data=data)
        assert moved.status_code == 302, moved.text
        if moved.headers["Location"].endswith("/review"):
            break
        number += 1
    assert client.post(f"/r/{token}/submit").headers["Location"].endswith(f"/r/{token}/done")
    return html


@pytest.fixture
def round_two(app, make_survey, invite):
    """Round 1 answered through the app by three peers and three staff, then round 2 created; tokens by name."""
    survey = make_survey(**SPEC)
    tokens = dict(zip(PEERS, invite("role-delphi", "peer", 3), strict=True))
    tokens |= dict(zip(STAFF, invite("role-delphi", "staff", 3), strict=True))
    tokens["G"] = invite("role-delphi", "peer")  # never answers round 1
    for name, codes in {**PEERS, **STAFF}.items():
        answer(app.test_client(), tokens[name], dict(zip(NAMES, codes, strict=True)))
    second = next_round(survey, None, dt.datetime.now(dt.UTC), app.config["SECRET_KEY"])
    return second, tokens


def test_the_same_link_opens_round_two_with_the_result_and_the_own_answer(round_two, client: FlaskClient) -> None:
    _second, tokens = round_two
    assert client.get(f"/r/{tokens['A']}").status_code == 302  # not "already sent": round 2 is a new round
    start(client, tokens["A"])
    page = client.get(f"/r/{tokens['A']}/p/1").text
    assert "How each group answered in round 1:" in page
    assert '<span class="round-group">Peer specialists</span>' in page
    assert '<span class="round-group">Staff</span>' in page
    assert "Service user" not in page.split("round-bars")[1].split("</ul>")[0]  # no service user answered: not shown
    assert "67% essential or appropriate" in page  # listen: two of three peers
    assert 'role="img" aria-label="Peer specialists: Essential 33%, Appropriate 33%, Not appropriate 33%' in page
    assert "<strong>Your answer in round 1:</strong> Essential · how often: Monthly" in page
    assert re.search(r'opt-previous"><input type="radio" name="tasks-mini.listen" value="4"', page)
    assert re.search(r'opt-previous"><input type="radio" name="tasks-mini.listen_now" value="3"', page)
    assert page.count("opt-previous") == 2
    page2 = client.get(f"/r/{tokens['A']}/p/1")
    assert page2.status_code == 200


def test_another_link_shows_its_own_answer_and_a_new_link_none(round_two, app) -> None:
    _second, tokens = round_two
    b = app.test_client()
    start(b, tokens["B"])
    page = b.get(f"/r/{tokens['B']}/p/1").text
    assert "<strong>Your answer in round 1:</strong> Appropriate" in page
    assert "Your answer in round 1:</strong> Essential" not in page
    g = app.test_client()
    start(g, tokens["G"])
    fresh = g.get(f"/r/{tokens['G']}/p/1").text
    assert "How each group answered in round 1:" in fresh
    assert "Your answer in round 1" not in fresh
    assert "opt-previous" not in fresh


def test_round_two_drops_settled_tasks_and_counts_changes(round_two, app) -> None:
    second, tokens = round_two
    last = answer(app.test_client(), tokens["A"], {"listen": 3, "records": 4})  # changed listen, kept records
    assert "rounds" not in re.findall(r'name="tasks-mini\.([a-z_]+)"', last)
    answer(app.test_client(), tokens["B"], {"listen": 3, "records": 1})  # kept listen, records in -> out
    answer(app.test_client(), tokens["G"], {"listen": 4, "records": 4})  # no round-1 answer: no pair
    counters = {
        (row.task_key, row.audience_id): (row.pairs, row.changed, row.crossed)
        for row in db.session.scalars(db.select(RoundChange).where(RoundChange.survey_id == second.id))
    }
    peer = next(a.id for a in second.audiences if a.key == "peer")
    assert counters[("tasks-mini.listen", peer)] == (2, 1, 0)
    assert counters[("tasks-mini.records", peer)] == (2, 1, 1)
    assert all(key != "tasks-mini.rounds" for key, _ in counters)
    stability = {(f.task, f.audience): f for f in round_stability(second)}
    assert stability[("tasks-mini.listen", "peer")].share_changed == 0.5
    # a link used in round 2 is "already sent" in round 2
    assert "already" in app.test_client().get(f"/r/{tokens['A']}", follow_redirects=True).text.lower()


def test_hebrew_round_two_page_is_translated_and_right_to_left(round_two, client: FlaskClient) -> None:
    from flask_babel import refresh

    _second, tokens = round_two
    start(client, tokens["C"], "he")
    refresh()  # the test's app context outlives requests; Babel would keep the first request's language
    page = client.get(f"/r/{tokens['C']}/p/1").text
    assert 'dir="rtl"' in page
    assert "כך ענתה כל קבוצה בסבב 1:" in page
    assert "<strong>התשובה שלך בסבב 1:</strong> לא מתאים" in page


def test_the_open_link_leads_the_same_visitor_to_round_two(app, make_survey) -> None:
    survey = make_survey(**SPEC)
    now = dt.datetime.now(dt.UTC)
    open_token = create_open_link("role-delphi", "peer", now, None)
    visitor = app.test_client()
    personal = visitor.get(f"/o/{open_token}").headers["Location"].rsplit("/", 1)[1]
    answer(visitor, personal, {"listen": 4, "rounds": 4, "records": 4})
    for codes in [*STAFF.values(), (4, 4, 3)]:  # enough answers for a result
        other = app.test_client()
        token = other.get(f"/o/{open_token}").headers["Location"].rsplit("/", 1)[1]
        answer(other, token, dict(zip(NAMES, codes, strict=True)))
    next_round(survey, None, now, app.config["SECRET_KEY"])
    again = visitor.get(f"/o/{open_token}")
    assert again.headers["Location"].endswith(f"/r/{personal}")  # the same personal link: their answers come along
    start(visitor, personal)
    assert "<strong>Your answer in round 1:</strong> Essential" in visitor.get(f"/r/{personal}/p/1").text


def test_round_pages_read_the_snapshot_and_run_no_statistics(round_two, app, monkeypatch: pytest.MonkeyPatch) -> None:
    _second, tokens = round_two

    def refuse(*_args, **_kwargs):
        raise AssertionError("a respondent's page computed statistics")

    monkeypatch.setattr("surveyapp.services.delphi.round_results", refuse)
    monkeypatch.setattr("surveyapp.services.delphi_rounds.round_results", refuse)
    monkeypatch.setattr("surveyapp.services.delphi_rounds.load_survey_data", refuse)
    answer(app.test_client(), tokens["D"], {"listen": 1, "records": 1})


def test_confirm_mode_says_what_round_one_agreed_in_arabic(app, make_survey, invite) -> None:
    from flask_babel import refresh

    survey = make_survey(**{**SPEC, "languages": ["en", "he"], "delphi": {**SPEC["delphi"], "settled": "confirm"}})
    tokens = dict(zip(PEERS, invite("role-delphi", "peer", 3), strict=True))
    tokens |= dict(zip(STAFF, invite("role-delphi", "staff", 3), strict=True))
    for name, codes in {**PEERS, **STAFF}.items():
        answer(app.test_client(), tokens[name], dict(zip(NAMES, codes, strict=True)))
    next_round(survey, None, dt.datetime.now(dt.UTC), app.config["SECRET_KEY"])
    client = app.test_client()
    start(client, tokens["A"])
    client.post(f"/r/{tokens['A']}/p/1", data={"tasks-mini.listen": "4", "action": "next"})
    page = client.get(f"/r/{tokens['A']}/p/2").text  # "ward rounds": agreed in round 1, asked to confirm
    assert "Agreed in round 1: part of the peer specialist's role." in page
    assert "Rate it again to confirm, or choose another answer to reconsider." in page
    assert re.search(r'opt-previous"><input type="radio" name="tasks-mini.rounds" value="4"', page)
    with app.test_request_context(headers={"Accept-Language": "ar"}):
        from flask_babel import force_locale, gettext

        refresh()
        with force_locale("ar"):
            assert gettext("How each group answered in round %(number)s:", number=1) == "كيف أجابت كل مجموعة في الجولة 1:"


def test_admin_starts_the_next_round_from_the_survey_page(round_two, app, make_survey, client: FlaskClient) -> None:
    from surveyapp.db import AuditEvent
    from surveyapp.services.accounts import create_user

    create_user("admin@example.org", "correct horse battery", "admin", dt.datetime.now(dt.UTC), None)
    assert client.post("/login", data={"email": "admin@example.org", "password": "correct horse battery"}).status_code == 302
    listing = client.get("/admin/").text
    assert "role-delphi-r2, Delphi round 2" in listing
    assert "Start Delphi round 3" in listing
    refused = client.post("/admin/surveys/role-delphi-r2/next-round", follow_redirects=True)
    assert "round 2 (&#39;role-delphi-r2&#39;) is still open with no submitted responses" in refused.text
    _second, tokens = round_two
    for name, code in (("A", 4), ("B", 4), ("D", 1), ("E", 1)):  # peers for, staff against: both tasks stay open
        answer(app.test_client(), tokens[name], {"listen": code, "records": code})
    done = client.post("/admin/surveys/role-delphi-r2/next-round", follow_redirects=True)
    assert "Round 3 (&#39;role-delphi-r3&#39;) is open and &#39;role-delphi-r2&#39; is closed." in done.text
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "delphi.next_round")).all()
    assert [e.target for e in events][-1] == "role-delphi-r3"
