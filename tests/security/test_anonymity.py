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
from collections.abc import Callable, Iterator, Sequence
from typing import Any

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
    survey_dashboard(survey)
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
    response's last update): a known limit, documented with its remedy in docs/security-anonymity.md.
    """
    if db.engine.dialect.name == "postgresql":
        reason = "PostgreSQL returns rows in the order they were last written (docs/security-anonymity.md)"
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
        assert sum(position_of[real[pk]] == n for n, pk in enumerate(seen)) <= MAX_LINKS


def _invitation_ids(tokens: Sequence[str], order: Sequence[int]) -> list[int]:
    invitation_of = {h: i for i, h in rows("SELECT id, token_hash FROM invitation")}
    return [invitation_of[hash_token(tokens[k])] for k in order]
