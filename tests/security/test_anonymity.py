"""Finding 1 of issue 9: a database reader holding the invitation list cannot link anonymous responses to
their invitations better than chance.

Thirty respondents answer through the app (Flask test client) in a known order with a controlled clock:
the order is a shuffle of the order their links were issued in, each starts 40 minutes after the one
before (ten a day), takes 5 to 24 minutes, and writes "respondent <k>" in the comment box, which is how
the test (not the attacker) knows the truth. Then the test plays a reader of the database who holds the
invitation list: it pairs responses with invitations by every join it can make and counts the pairs
that are right.

The bound. A join that uses nothing tied to who answered pairs the 30 responses with the 30 invitations
in an order unrelated to the truth: the number of right pairs is then the number of fixed points of a
random permutation, about Poisson(1): 1 on average, 8 or more with probability 1.0e-5 (per join; under
2e-4 for all the joins here). So a join that recovers more than MAX_LINKS = 7 of 30 does better than
chance; the old code recovered 30 of 30 (time equality, and the key order against the time order).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import struct
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from surveyapp.db import db
from surveyapp.services.invitations import issue_invitations
from surveyapp.services.tokens import hash_token

N = 30
MAX_LINKS = 7
ISSUED = dt.datetime(2026, 11, 24, 8, 30, tzinfo=dt.UTC)
FIRST_START = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
PAGE1 = {"mini.clear": "4", "mini.unclear": "2", "mini.valued": "5", "action": "next"}


class Clock:
    def __init__(self) -> None:
        self.at = FIRST_START

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("surveyapp.web.respond.views.now", clock)
    return clock


def answer_in_order(client: FlaskClient, clock: Clock, tokens: Sequence[str], order: Sequence[int]) -> list[dt.datetime]:
    """Respondent ``order[p]`` (an index into ``tokens``) is the p-th to start and to submit; returns submission times."""
    client.set_cookie("ps_lang", "en")
    submitted = []
    for position, k in enumerate(order):
        token = tokens[k]
        start = FIRST_START + dt.timedelta(days=position // 10, minutes=40 * (position % 10))
        clock.at = start
        assert client.post(f"/r/{token}/consent", data={"consent": "yes"}).status_code == 302
        clock.at = start + dt.timedelta(minutes=2)
        assert client.post(f"/r/{token}/p/1", data=PAGE1).status_code == 302
        clock.at = start + dt.timedelta(minutes=4)
        page2 = {"mini.years": str(k % 7), "mini.tasks": ["1"], "mini.comments": f"respondent {k}", "action": "next"}
        assert client.post(f"/r/{token}/p/2", data=page2).status_code == 302
        clock.at = start + dt.timedelta(minutes=5 + (position * 7) % 20, seconds=position)
        assert client.post(f"/r/{token}/submit").headers["Location"].endswith("/done")
        submitted.append(clock.at)
    return submitted


def rows(sql: str) -> list[Any]:
    return list(db.session.execute(text(sql)).all())


def rank_join(invitations: Sequence[tuple[int, Any]], responses: Sequence[tuple[Any, Any]]) -> dict[Any, int]:
    """Pair the i-th invitation with the i-th response, each sorted by its key (None last; ties as given)."""

    def order(pairs: Sequence[tuple[Any, Any]]) -> list[Any]:
        indexed = list(enumerate(pairs))  # keys of one column are of one type
        present = sorted((p for p in indexed if p[1][1] is not None), key=lambda p: (p[1][1], p[0]))
        indexed = present + [p for p in indexed if p[1][1] is None]
        return [pair[0] for _, pair in indexed]

    return dict(zip(order([(r, key) for r, key in responses]), order(invitations), strict=False))


def equal_join(invitations: Sequence[tuple[int, Any]], responses: Sequence[tuple[Any, Any]]) -> dict[Any, int]:
    """Pair each response with the first invitation whose key equals its key."""
    by_key: dict[str, int] = {}
    for invitation, key in invitations:
        if key is not None:
            by_key.setdefault(str(key), invitation)
    return {r: by_key[str(key)] for r, key in responses if key is not None and str(key) in by_key}


def first_seen(values: Iterator[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


#: row order against the order of submission is judged by Spearman's rho, not by exact positions (one row
#: out of place shifts every position after it): for 30 rows in an order unrelated to submission rho is
#: about normal with SD 1/sqrt(29) = 0.19, so |rho| > 0.75 (four SDs) has probability under 1e-4
MAX_RHO = 0.75


def order_rho(submission_positions: Sequence[int]) -> float:
    """Spearman's rho between the order rows come back in and the order they were submitted in."""
    return float(np.corrcoef(np.arange(len(submission_positions)), submission_positions)[0, 1])


def reader_joins() -> dict[str, Callable[[], dict[Any, int]]]:
    """Every join of a database reader: response pk -> the invitation id it guesses."""
    inv = {c: rows(f"SELECT id, {c} FROM invitation ORDER BY id") for c in ("id", "issued_at", "used_at")}
    resp = {c: rows(f"SELECT pk, {c} FROM response") for c in ("pk", "id", "started_at", "updated_at", "submitted_at")}
    physical_invitations = [(i, n) for n, (i,) in enumerate(rows("SELECT id FROM invitation"))]
    physical_responses = [(pk, n) for n, (pk,) in enumerate(rows("SELECT pk FROM response"))]
    physical_answers = [(pk, n) for n, pk in enumerate(first_seen(r[0] for r in rows("SELECT response_pk FROM answer")))]
    joins: dict[str, Callable[[], dict[Any, int]]] = {
        "used_at = submitted_at": lambda: equal_join(inv["used_at"], resp["submitted_at"]),
        "used_at = updated_at": lambda: equal_join(inv["used_at"], resp["updated_at"]),
        "issued_at = started_at": lambda: equal_join(inv["issued_at"], resp["started_at"]),
    }
    for inv_key in ("id", "issued_at", "used_at"):
        for resp_key in ("pk", "id", "started_at", "updated_at", "submitted_at"):
            joins[f"order of invitation.{inv_key} ~ order of response.{resp_key}"] = lambda i=inv_key, r=resp_key: rank_join(
                inv[i], resp[r]
            )
    joins["order of used_at ~ order of answer rows"] = lambda: rank_join(inv["used_at"], physical_answers)
    joins["row order of invitation ~ row order of response"] = lambda: rank_join(physical_invitations, physical_responses)
    joins["row order of invitation ~ row order of answer"] = lambda: rank_join(physical_invitations, physical_answers)
    return joins


def truth(tokens: Sequence[str]) -> dict[int, int]:
    """What the attacker must not learn: response pk -> invitation id (from the comment each respondent wrote)."""
    invitation_of = {h: i for i, h in rows("SELECT id, token_hash FROM invitation")}
    comments = rows(
        "SELECT a.response_pk, a.value_text FROM answer AS a JOIN item_key AS k ON k.id = a.item_key_id "
        "WHERE k.key = 'mini.comments'"
    )
    out = {}
    for pk, comment in comments:
        k = int(re.fullmatch(r"respondent (\d+)", comment).group(1))
        out[pk] = invitation_of[hash_token(tokens[k])]
    return out


def links_recovered(tokens: Sequence[str]) -> dict[str, int]:
    real = truth(tokens)
    return {name: sum(real.get(r) == i for r, i in join().items()) for name, join in reader_joins().items()}


def test_a_database_reader_links_no_more_than_chance(app: Flask, client: FlaskClient, clock: Clock, make_survey) -> None:
    survey = make_survey()
    assert survey.anonymity == "anonymous"
    tokens = issue_invitations("mini-survey", "peer", N, ISSUED, None)
    order = random.Random(9).sample(range(N), N)  # people answer in their own order, not the list's
    answer_in_order(client, clock, tokens, order)
    assert len(truth(tokens)) == N

    recovered = links_recovered(tokens)
    print("links recovered of", N, recovered)  # the numbers in the report: pytest -s
    assert {name: n for name, n in recovered.items() if n > MAX_LINKS} == {}


def test_nothing_else_names_a_response_or_a_link(app: Flask, client: FlaskClient, clock: Clock, make_survey) -> None:
    """The audit log, the cached dashboards and the used-link marks hold nothing that joins the two."""
    from surveyapp.services.dashboard import survey_dashboard

    survey = make_survey()
    tokens = issue_invitations("mini-survey", "peer", 5, ISSUED, None)
    answer_in_order(client, clock, tokens, [3, 0, 4, 1, 2])
    survey_dashboard(survey, viewer=None)
    identifiers = {r[0] for r in rows("SELECT id FROM response")} | {str(r[0]) for r in rows("SELECT pk FROM response")}
    hashes = {r[0] for r in rows("SELECT token_hash FROM invitation")} | set(tokens)
    audit = " ".join(str(r) for r in rows("SELECT * FROM audit_event"))
    cache = " ".join(str(r) for r in rows("SELECT * FROM dashboard_cache"))
    for text_ in (audit, cache):
        assert not [x for x in identifiers | hashes if len(x) > 8 and x in text_]
    # the cached dashboard's version names no submission instant finer than a day
    assert not re.search(
        r"\d\d:\d\d:\d\d\.\d+|\d\d:(?!00:00)\d\d:\d\d", " ".join(r[0] for r in rows("SELECT data_version FROM dashboard_cache"))
    )
    spent = {r[0] for r in rows("SELECT digest FROM spent_link")}
    assert len(spent) == 5
    assert not spent & hashes  # not the token's plain hash: only the application's secret makes it
    assert (
        rows("SELECT resume_hash, invitation_id FROM response WHERE resume_hash IS NOT NULL OR invitation_id IS NOT NULL") == []
    )


def test_no_trace_of_a_link_hash_pairs_with_a_response_key(
    app: Flask, client: FlaskClient, clock: Clock, make_survey, database_url: str
) -> None:
    """A reader of the database, and on SQLite of the files themselves, finds no invitation's hash beside a response.

    Found on a running instance (make run, 19 respondents through gunicorn): the response's resume hash was the
    invitation's plain ``token_hash``. Cleared at submission, it stayed in the files: the unique index on
    ``resume_hash`` stores the hash followed by the response's key (a 4-byte big-endian integer), and the
    write-ahead log keeps the page images from before the submission, so reading ``peerscope.db-wal`` paired
    15 of 19 submitted anonymous responses with their invitations; a response still in progress paired by a
    plain SQL join. The resume hash is now keyed with the application's secret (never in the database).
    """
    make_survey()
    tokens = issue_invitations("mini-survey", "peer", 12, ISSUED, None)
    answer_in_order(client, clock, tokens, [7, 2, 9, 0, 11, 4, 5, 1])  # eight submit
    for token in (tokens[3], tokens[6], tokens[8], tokens[10]):  # four are half-way
        assert client.post(f"/r/{token}/consent", data={"consent": "yes"}).status_code == 302
        assert client.post(f"/r/{token}/p/1", data=PAGE1).status_code == 302
    joined = rows("SELECT r.pk FROM response AS r JOIN invitation AS i ON i.token_hash = r.resume_hash")
    assert joined == []  # in progress: no join by SQL
    if not database_url.startswith("sqlite"):
        return
    keys = {pk for (pk,) in rows("SELECT pk FROM response")}
    path = database_url.removeprefix("sqlite:///")
    files = b"".join(Path(f).read_bytes() for f in (path, path + "-wal") if Path(f).exists())
    linked = set()
    for token in tokens:
        for found in re.finditer(re.escape(hash_token(token).encode()), files):
            (key,) = struct.unpack(">i", files[found.end() : found.end() + 4])
            if key in keys:
                linked.add((token, key))
    assert linked == set()  # 15 of 19 submitted responses paired this way before


def test_used_anonymous_link_still_says_already_sent(client: FlaskClient, clock: Clock, make_survey) -> None:
    make_survey()
    tokens = issue_invitations("mini-survey", "peer", 2, ISSUED, None)
    answer_in_order(client, clock, tokens, [1])
    assert "Already sent" in client.get(f"/r/{tokens[1]}").text
    assert client.post(f"/r/{tokens[1]}/consent", data={"consent": "yes"}).status_code == 200  # no second response
    assert client.get(f"/r/{tokens[0]}/consent").status_code == 200  # the other link is still new
    assert rows("SELECT COUNT(*) FROM response")[0][0] == 1


def test_identified_surveys_keep_exact_times(client: FlaskClient, clock: Clock, make_survey) -> None:
    make_survey(anonymity="identified")
    tokens = issue_invitations("mini-survey", "peer", 1, ISSUED, None)
    (submitted,) = answer_in_order(client, clock, tokens, [0])
    (used_at,) = rows("SELECT used_at FROM invitation")[0]
    (pk, invitation_id) = rows("SELECT pk, invitation_id FROM response")[0]
    assert str(used_at)[:19] == submitted.strftime("%Y-%m-%d %H:%M:%S")
    assert pk > 0
    assert invitation_id is not None


def test_row_order_does_not_follow_submission_order(
    app: Flask, client: FlaskClient, clock: Clock, make_survey, request: pytest.FixtureRequest
) -> None:
    """A reader who knows from elsewhere the order people answered in (who used the ward's tablet when) reads
    the rows in the order the database returns them: that order must not be the order of submission.

    On PostgreSQL it is (an updated row is written anew at the table's end, and the submission is a
    response's last update): a known limit, documented with its remedy in docs/security.md.
    """
    if db.engine.dialect.name == "postgresql":
        reason = "PostgreSQL returns rows in the order they were last written (docs/security.md)"
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    make_survey()
    tokens = issue_invitations("mini-survey", "peer", N, ISSUED, None)
    order = random.Random(9).sample(range(N), N)
    answer_in_order(client, clock, tokens, order)
    real = truth(tokens)
    position_of = {real_invitation: p for p, real_invitation in enumerate(_invitation_ids(tokens, order))}
    physical = [pk for (pk,) in rows("SELECT pk FROM response")]
    answers = first_seen(r[0] for r in rows("SELECT response_pk FROM answer"))
    for seen in (physical, answers):
        assert abs(order_rho([position_of[real[pk]] for pk in seen])) <= MAX_RHO


def _invitation_ids(tokens: Sequence[str], order: Sequence[int]) -> list[int]:
    invitation_of = {h: i for i, h in rows("SELECT id, token_hash FROM invitation")}
    return [invitation_of[hash_token(tokens[k])] for k in order]


def test_dashboard_still_counts_days_and_minutes(app: Flask, client: FlaskClient, clock: Clock, make_survey) -> None:
    """The overview's per-day chart and median completion time come from the days and whole minutes kept."""
    from surveyapp.services.dashboard import survey_dashboard

    survey = make_survey(min_cell_size=2)
    tokens = issue_invitations("mini-survey", "peer", 12, ISSUED, None)
    submitted = answer_in_order(client, clock, tokens, range(12))
    overview = survey_dashboard(survey, use_cache=False, viewer=None)["overview"]
    assert [(d["date"], d["submitted"]) for d in overview["by_day"]] == [("2026-11-25", 10), ("2026-11-26", 2)]
    minutes = sorted(5 + (p * 7) % 20 for p in range(12))  # whole minutes, as answer_in_order takes them
    assert overview["median_minutes"] == (minutes[5] + minutes[6]) / 2
    assert len(submitted) == 12


def test_open_link_visitors_get_no_arrival_time(app: Flask, client: FlaskClient, clock: Clock, make_survey) -> None:
    from surveyapp.services.invitations import create_open_link

    make_survey()
    token = create_open_link("mini-survey", "peer", ISSUED, None)
    clock.at = FIRST_START + dt.timedelta(hours=3, minutes=17)
    assert client.get(f"/o/{token}").status_code == 302
    (issued,) = rows("SELECT issued_at FROM invitation WHERE via_open_link")[0]
    assert str(issued).startswith("2026-11-24 00:00:00")  # the survey's creation day, for every visitor


def test_migration_coarsens_existing_anonymous_data(database_url: str) -> None:
    """Data stored before this revision: an anonymous response whose submission equals its invitation's use."""
    from flask_migrate import upgrade

    from surveyapp import create_app
    from tests.conftest import ROOT

    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "INSTRUMENTS_DIR": str(ROOT / "instruments")}
    )
    migrations = str(ROOT / "migrations")
    with app.app_context():
        upgrade(directory=migrations, revision="f12f60f3418a")
        with db.engine.begin() as conn:
            for survey_id, anonymity in ((1, "anonymous"), (2, "identified")):
                conn.execute(
                    text(
                        "INSERT INTO survey (id, slug, title, spec, texts, languages, anonymity, status, min_cell_size, "
                        "created_at) VALUES (:s, :slug, '{}', '{}', '{}', '[\"en\"]', :a, 'open', 5, '2026-11-20 10:11:12')"
                    ),
                    {"s": survey_id, "slug": f"s{survey_id}", "a": anonymity},
                )
                conn.execute(text("INSERT INTO audience (id, survey_id, key) VALUES (:s, :s, 'peer')"), {"s": survey_id})
                conn.execute(
                    text(
                        "INSERT INTO invitation (id, survey_id, audience_id, token_hash, via_open_link, issued_at, used_at) "
                        "VALUES (:s, :s, :s, :h, false, '2026-11-24 08:30:05', '2026-11-25 10:17:42.123456')"
                    ),
                    {"s": survey_id, "h": f"{survey_id:064d}"},
                )
                conn.execute(
                    text(
                        "INSERT INTO response (pk, id, survey_id, audience_id, language, status, source, started_at, "
                        "updated_at, submitted_at, current_page, furthest_page) VALUES (:s, :id, :s, :s, 'en', 'submitted', "
                        "'web', '2026-11-25 10:03:00', '2026-11-25 10:17:42.123456', '2026-11-25 10:17:42.123456', 3, 3)"
                    ),
                    {"s": survey_id, "id": f"r{survey_id}"},
                )
                conn.execute(text("INSERT INTO item_key (id, key) VALUES (:s, :k)"), {"s": survey_id, "k": f"x.{survey_id}"})
                conn.execute(
                    text("INSERT INTO answer (response_pk, item_key_id, value_num, skipped) VALUES (:s, :s, 4, false)"),
                    {"s": survey_id},
                )
        upgrade(directory=migrations)
        with db.engine.connect() as conn:
            got = {
                r.id: r
                for r in conn.execute(
                    text(
                        "SELECT r.id, r.pk, r.started_at, r.submitted_at, r.minutes, i.issued_at, i.used_at, a.value_num "
                        "FROM response AS r JOIN invitation AS i ON i.survey_id = r.survey_id "
                        "JOIN answer AS a ON a.response_pk = r.pk"
                    )
                )
            }
        db.engine.dispose()
    anonymous, identified = got["r1"], got["r2"]
    assert anonymous.pk < 0
    assert anonymous.value_num == 4  # the answer moved with its response
    assert anonymous.minutes == identified.minutes == 14
    for moment in (anonymous.started_at, anonymous.submitted_at):
        assert str(moment).startswith("2026-11-25 00:00:00")
    assert str(anonymous.issued_at).startswith("2026-11-24 00:00:00")
    assert str(anonymous.used_at) == str(anonymous.issued_at)  # "used", and no more
    assert identified.pk == 2
    assert str(identified.submitted_at).startswith("2026-11-25 10:17:42")
    assert str(identified.used_at).startswith("2026-11-25 10:17:42")


def test_postgresql_remedy_for_row_order(
    app: Flask, client: FlaskClient, clock: Clock, make_survey, request: pytest.FixtureRequest
) -> None:
    """The maintenance step docs/security.md gives for PostgreSQL, once a survey closes: one update of
    its responses (one transaction id, xmin, for all) and CLUSTER by the random keys. Afterwards neither the row
    order nor xmin follows the order of submission."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps rows in the order of their (random) keys already")
    survey = make_survey()
    tokens = issue_invitations("mini-survey", "peer", N, ISSUED, None)
    order = random.Random(9).sample(range(N), N)
    answer_in_order(client, clock, tokens, order)
    real = truth(tokens)
    position_of = {invitation: p for p, invitation in enumerate(_invitation_ids(tokens, order))}

    def rho(sql: str) -> float:
        return order_rho([position_of[real[pk]] for pk in first_seen(r[0] for r in rows(sql))])

    def xmin_rho() -> float:
        by_xmin = sorted(rows("SELECT pk, xmin::text::bigint FROM response"), key=lambda r: (r[1], r[0]))
        return order_rho([position_of[real[pk]] for pk, _ in by_xmin])

    # the limit, as it stands before the step
    assert min(rho("SELECT pk FROM response"), rho("SELECT response_pk FROM answer"), xmin_rho()) > MAX_RHO
    db.session.execute(text("UPDATE response SET updated_at = updated_at WHERE survey_id = :s"), {"s": survey.id})
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CLUSTER response USING pk_response"))
        conn.execute(text("CLUSTER answer USING pk_answer"))
    assert abs(rho("SELECT pk FROM response")) <= MAX_RHO
    assert abs(rho("SELECT response_pk FROM answer")) <= MAX_RHO
    assert len({r[0] for r in rows("SELECT xmin::text FROM response")}) == 1


def test_import_and_random_keys_live_together(app: Flask, client: FlaskClient, clock: Clock, make_survey) -> None:
    """The importer numbers its responses after the largest key (SQLite) or from the sequence (PostgreSQL):
    the random keys of web responses, all negative, are never in its way."""
    from surveyapp.services.importing import import_responses

    survey = make_survey()
    tokens = issue_invitations("mini-survey", "peer", 5, ISSUED, None)
    answer_in_order(client, clock, tokens, range(5))
    csv = "audience,mini.clear,mini.unclear,mini.valued\r\n" + "peer,4,2,5\r\n" * 50
    report = import_responses(survey, csv, FIRST_START, None)
    assert report.ok, report.lines()
    web = [pk for (pk,) in rows("SELECT pk FROM response WHERE source = 'web'")]
    imported = [pk for (pk,) in rows("SELECT pk FROM response WHERE source = 'import'")]
    assert len(set(web + imported)) == 55
    assert max(web) < 0
    assert min(imported) > max(web)
    assert rows("SELECT COUNT(*) FROM answer")[0][0] == 5 * 6 + 50 * 3
