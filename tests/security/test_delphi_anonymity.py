"""Anonymity across Delphi rounds: a database reader holding the invitation list (with the token hashes)
cannot join round-1 responses, round-2 responses, invitations and the carried answers better than chance.

Thirty peers answer round 1 through the app in one shuffled order and round 2 in another, with a
controlled clock (ten a day, 40 minutes apart, each taking 5 to 24 minutes), writing "respondent <k>"
in a task comment: that is how the test, not the attacker, knows who is who. Then the test reads the
tables as the attacker would and pairs rows of every two kinds (round-1 responses, round-2 responses,
round-1 and round-2 invitations, carried answers of each round) by every column they have: keys, ids,
times, durations, sizes, the stored order of rows and answers; and by equal times.

The bound: a join that carries no information pairs 30 with 30 in an order unrelated to the truth; the
right pairs are the fixed points of a random permutation, about Poisson(1). About 300 joins are tried;
P(one of them reaches 9 by chance) is about 3e-4, so MAX_LINKS is 8.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Sequence
from typing import Any

import pytest
from flask import Flask

from surveyapp.db import Survey, db
from surveyapp.services.delphi_carry import carry_lookup, open_answers
from surveyapp.services.delphi_rounds import next_round
from surveyapp.services.invitations import issue_invitations
from surveyapp.services.tokens import hash_token
from tests.security.test_anonymity import Clock, equal_join, first_seen, rank_join, rows

N = 30
MAX_LINKS = 8
SECRET = "test-secret"  # the app fixture's SECRET_KEY
ISSUED = dt.datetime(2026, 11, 24, 8, 30, tzinfo=dt.UTC)
ROUND_ONE = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
ROUND_TWO = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
SPEC = {
    "slug": "role-delphi",
    "instruments": ["tasks-mini"],
    "audiences": ["peer"],
    "delphi": {"max_rounds": 3, "settled": "confirm"},
}
COMMENT = "tasks-mini.listen_note"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("surveyapp.web.respond.views.now", clock)
    return clock


def answer_round(app: Flask, clock: Clock, first: dt.datetime, tokens: Sequence[str], order: Sequence[int], seed: int) -> None:
    """Respondent ``order[p]`` is the p-th to start and submit; ratings drawn at random, the comment names them."""
    rng = random.Random(seed)
    for position, k in enumerate(order):
        client = app.test_client()
        client.set_cookie("ps_lang", "en")
        token = tokens[k]
        start = first + dt.timedelta(days=position // 10, minutes=40 * (position % 10))
        clock.at = start
        assert client.post(f"/r/{token}/consent", data={"consent": "yes"}).status_code == 302
        number = 1
        while True:
            clock.at += dt.timedelta(minutes=1)
            html = client.get(f"/r/{token}/p/{number}").text
            data: dict[str, str] = {"action": "next"}
            for name in set(re.findall(r'name="(tasks-mini\.[a-z_]+)"', html)):
                if name == COMMENT:
                    data[name] = f"respondent {k}"
                elif name.endswith("_now"):
                    data[name] = str(rng.randint(1, 5))
                elif not name.endswith(("_note", ".missing")):
                    data[name] = str(rng.choice([1, 2, 3, 4, 9]))
            moved = client.post(f"/r/{token}/p/{number}", data=data)
            assert moved.status_code == 302, moved.text
            if moved.headers["Location"].endswith("/review"):
                break
            number += 1
        clock.at = start + dt.timedelta(minutes=5 + (position * 7) % 20, seconds=position)
        assert client.post(f"/r/{token}/submit").headers["Location"].endswith("/done")


def _respondent(tokens: Sequence[str]) -> dict[str, int]:
    return {hash_token(t): k for k, t in enumerate(tokens)}


def entity_columns(tokens: Sequence[str], first: Survey, second: Survey) -> dict[str, dict[str, list[tuple[int, Any]]]]:
    """Per kind of row, per column the attacker can read: (who it truly is, value) in the order rows come back."""
    by_hash = _respondent(tokens)
    comment_of = {
        pk: int(re.fullmatch(r"respondent (\d+)", text_).group(1))
        for pk, text_ in rows(
            "SELECT a.response_pk, a.value_text FROM answer AS a JOIN item_key AS k ON k.id = a.item_key_id "
            f"WHERE k.key = '{COMMENT}'"
        )
    }
    answer_order = first_seen(r[0] for r in rows("SELECT response_pk FROM answer"))
    kinds: dict[str, dict[str, list[tuple[int, Any]]]] = {}
    for name, survey in (("R1", first), ("R2", second)):
        table = rows(f"SELECT pk, id, started_at, updated_at, submitted_at, minutes FROM response WHERE survey_id = {survey.id}")
        columns: dict[str, list[tuple[int, Any]]] = {
            column: [(comment_of[r[0]], r[index]) for r in table]
            for index, column in enumerate(("pk", "id", "started_at", "updated_at", "submitted_at", "minutes"))
        }
        columns["row order"] = [(comment_of[r[0]], n) for n, r in enumerate(table)]
        mine = [pk for pk in answer_order if pk in {r[0] for r in table}]
        columns["answer row order"] = [(comment_of[pk], n) for n, pk in enumerate(mine)]
        kinds[name] = columns
    for name, survey in (("I1", first), ("I2", second)):
        table = rows(f"SELECT id, token_hash, issued_at, used_at FROM invitation WHERE survey_id = {survey.id}")
        columns = {
            column: [(by_hash[r[1]], r[index]) for r in table]
            for index, column in enumerate(("id", "token_hash", "issued_at", "used_at"))
        }
        columns["row order"] = [(by_hash[r[1]], n) for n, r in enumerate(table)]
        kinds[name] = columns
    for name, survey in (("C1", first), ("C2", second)):
        lookups = {carry_lookup(t, SECRET, survey.id): k for k, t in enumerate(tokens)}
        table = rows(f"SELECT lookup, sealed FROM carried_answer WHERE survey_id = {survey.id}")
        kinds[name] = {
            "lookup": [(lookups[r[0]], r[0]) for r in table],
            "sealed": [(lookups[r[0]], bytes(r[1])) for r in table],
            "row order": [(lookups[r[0]], n) for n, r in enumerate(table)],
        }
    return kinds


def right_pairs(join: dict[Any, Any]) -> int:
    return sum(left == right for left, right in join.items())


def all_joins(kinds: dict[str, dict[str, list[tuple[int, Any]]]]) -> dict[str, int]:
    """Right pairs recovered by each join between two kinds of rows (round-1 and round-2 invitations share
    their token hashes by design: the attacker holds that list anyway, so that pair is not tried)."""
    names = sorted(kinds)
    out: dict[str, int] = {}
    for a_index, a in enumerate(names):
        for b in names[a_index + 1 :]:
            if {a, b} == {"I1", "I2"}:
                continue
            for a_column, a_values in kinds[a].items():
                for b_column, b_values in kinds[b].items():
                    label = f"{a}.{a_column} ~ {b}.{b_column}"
                    out[f"order of {label}"] = right_pairs(rank_join(b_values, a_values))
                    if "_at" in a_column and "_at" in b_column:
                        out[f"equal {label}"] = right_pairs(equal_join(b_values, a_values))
    return out


#: a submission writes its response and its carried answers in one transaction, and PostgreSQL stores rows in
#: the order they were written: there, the row order of a round's carried answers follows that round's
#: submissions (their order, hence their days), as the response and answer rows already do with each other
#: (docs/security-anonymity.md, "Row order on PostgreSQL"). It pairs a sealed value with a response of the
#: same round, which the reader can already see in the response itself; it joins nothing to an invitation or
#: to the other round (every other join here checks that).
SAME_TRANSACTION = ("order of C1.row order ~ R1.", "order of C2.row order ~ R2.")


def test_a_database_reader_cannot_join_rounds_invitations_or_carried_answers(app: Flask, clock: Clock, make_survey) -> None:
    first = make_survey(**SPEC)
    tokens = issue_invitations("role-delphi", "peer", N, ISSUED, None)
    answer_round(app, clock, ROUND_ONE, tokens, random.Random(1).sample(range(N), N), seed=11)
    second = next_round(first, None, ROUND_TWO - dt.timedelta(hours=1), SECRET)
    answer_round(app, clock, ROUND_TWO, tokens, random.Random(2).sample(range(N), N), seed=12)

    kinds = entity_columns(tokens, first, second)
    assert {name: len(next(iter(columns.values()))) for name, columns in kinds.items()} == dict.fromkeys(kinds, N)
    assert len({len(sealed) for _, sealed in kinds["C1"]["sealed"] + kinds["C2"]["sealed"]}) == 1  # one size for all

    recovered = all_joins(kinds)
    print("joins tried:", len(recovered), "most right pairs:", sorted(recovered.items(), key=lambda kv: -kv[1])[:8])
    over = {name: n for name, n in recovered.items() if n > MAX_LINKS}
    if db.engine.dialect.name == "postgresql":
        over = {name: n for name, n in over.items() if not name.startswith(SAME_TRANSACTION)}
    assert over == {}


def test_the_token_hash_neither_finds_nor_opens_carried_answers(app: Flask, clock: Clock, make_survey) -> None:
    """Even with the application's secret, the stored token hashes give neither the lookup values nor the key."""
    first = make_survey(**SPEC)
    tokens = issue_invitations("role-delphi", "peer", 5, ISSUED, None)
    answer_round(app, clock, ROUND_ONE, tokens, [3, 0, 4, 1, 2], seed=3)
    hashes = [r[0] for r in rows(f"SELECT token_hash FROM invitation WHERE survey_id = {first.id}")]
    stored = {r[0]: bytes(r[1]) for r in rows("SELECT lookup, sealed FROM carried_answer")}
    assert len(stored) == 5
    assert not {carry_lookup(h, SECRET, first.id) for h in hashes} & set(stored)
    assert not set(hashes) & set(stored)
    tasks = ["tasks-mini.listen", "tasks-mini.rounds", "tasks-mini.records"]
    for h in hashes:
        for sealed in stored.values():
            assert open_answers(h, SECRET, first.id, tasks, sealed) is None
    # the link itself opens its own answers and no one else's
    mine = carry_lookup(tokens[0], SECRET, first.id)
    assert open_answers(tokens[0], SECRET, first.id, tasks, stored[mine])
    assert all(open_answers(tokens[0], SECRET, first.id, tasks, s) is None for lookup, s in stored.items() if lookup != mine)
    # nothing of a carried answer says when it was written
    assert list(rows("SELECT * FROM carried_answer LIMIT 1")[0]._fields) == ["lookup", "survey_id", "sealed"]


def test_stability_is_kept_as_counters_only(app: Flask, clock: Clock, make_survey) -> None:
    first = make_survey(**SPEC)
    tokens = issue_invitations("role-delphi", "peer", 6, ISSUED, None)
    answer_round(app, clock, ROUND_ONE, tokens, [5, 2, 0, 3, 1, 4], seed=4)
    second = next_round(first, None, ROUND_TWO - dt.timedelta(hours=1), SECRET)
    before = rows(f"SELECT * FROM round_change WHERE survey_id = {second.id} ORDER BY task_key")
    answer_round(app, clock, ROUND_TWO, tokens, [0, 1, 2, 3, 4, 5], seed=5)
    after = rows(f"SELECT * FROM round_change WHERE survey_id = {second.id} ORDER BY task_key")
    assert len(after) == len(before) == 3  # one row per task and audience, made with the round: none per response
    assert all(row.pairs <= 6 for row in after)
    assert sum(row.pairs for row in after) > 0
