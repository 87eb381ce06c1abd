"""Round n+1 from round n: what it asks, what it shows, what it refuses."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from flask.testing import FlaskCliRunner

from surveyapp.db import Invitation, RoundChange, Survey, db
from surveyapp.services.delphi_rounds import DelphiRoundError, next_round, round_stability
from surveyapp.services.importing import import_responses
from surveyapp.services.surveys import list_surveys, pages_for

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
SECRET = "test-secret"
COLUMNS = ["audience", "tasks-mini.listen", "tasks-mini.listen_now", "tasks-mini.rounds", "tasks-mini.records"]


def _rows() -> list[list[object]]:
    # listen: peers in, staff out (open); rounds: everyone essential (included); records: peers in, staff out (open)
    peers = [["peer", listen, 4, 4, records] for listen, records in zip([4, 4, 4, 4, 3, 3], [4, 4, 3, 3, 4, 9], strict=True)]
    staff = [["staff", listen, "-8", 4, 1] for listen in [1, 1, 2, 2, 2, 9]]
    users: list[list[object]] = []  # no service users: hiding a small audience would hide a second one too
    return peers + staff + users


def _import(survey) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(_rows())
    assert import_responses(survey, out.getvalue(), NOW, None).ok


@pytest.fixture
def round_one(make_survey):
    def make(**delphi):
        survey = make_survey(
            slug="role-delphi",
            instruments=["tasks-mini"],
            audiences=["peer", "staff", "service_user"],
            delphi={"max_rounds": 3, "propose_tasks": True, **delphi},
        )
        _import(survey)
        return survey

    return make


def _keys(survey, audience="peer") -> set[str]:
    return {key for page in pages_for(survey, audience) for key in page.answer_keys()}


def test_round_two_drops_settled_tasks_and_asks_no_proposal(round_one, invite) -> None:
    first = round_one()
    tokens = invite("role-delphi", "peer", 3)
    assert "tasks-mini.missing" in _keys(first)  # round 1 asks for proposals
    second = next_round(first, None, NOW, SECRET)
    assert (second.slug, second.round, second.parent_round_id, second.status) == ("role-delphi-r2", 2, first.id, "open")
    assert first.status == "closed"
    assert [a.key for a in second.audiences] == ["peer", "staff", "service_user"]
    assert (second.anonymity, second.languages, second.min_cell_size) == (first.anonymity, first.languages, 5)
    assert [i.instrument_version_id for i in second.instruments] == [i.instrument_version_id for i in first.instruments]
    keys = _keys(second)
    assert "tasks-mini.rounds" not in keys
    assert "tasks-mini.rounds_now" not in keys
    assert {"tasks-mini.listen", "tasks-mini.records"} <= keys
    assert "tasks-mini.missing" not in keys  # proposals: round 1 only
    feedback = second.round_feedback
    assert feedback["dropped"] == ["tasks-mini.rounds"]
    assert feedback["confirm"] == []
    listen = feedback["tasks"]["tasks-mini.listen"]
    assert set(listen["audiences"]) == {"peer", "staff"}  # three service users: hidden
    assert listen["audiences"]["peer"]["share_in_role"] == 1.0
    assert listen["audiences"]["peer"]["bar"] == {"4": 4 / 6, "3": 2 / 6, "2": 0.0, "1": 0.0, "dont_know": 0.0}
    assert listen["audiences"]["staff"]["median"] == 2.0
    # the same links: one invitation per round with the same hash
    hashes = db.session.scalars(db.select(Invitation.token_hash).where(Invitation.survey_id == second.id)).all()
    assert len(hashes) == len(tokens) == 3
    assert db.session.scalar(db.select(db.func.count()).select_from(RoundChange).where(RoundChange.survey_id == second.id))


def test_confirm_keeps_settled_tasks_with_their_result(round_one) -> None:
    second = next_round(round_one(settled="confirm"), None, NOW, SECRET)
    assert "tasks-mini.rounds" in _keys(second)
    assert second.round_feedback["confirm"] == ["tasks-mini.rounds"]
    assert second.round_feedback["tasks"]["tasks-mini.rounds"]["verdict"] == "included"


def test_refusals(round_one, make_survey) -> None:
    plain = make_survey(slug="plain-survey")
    with pytest.raises(DelphiRoundError, match="is not a Delphi"):
        next_round(plain, None, NOW, SECRET)
    empty = make_survey(slug="empty-delphi", instruments=["tasks-mini"], audiences=["peer", "staff"], delphi={})
    with pytest.raises(DelphiRoundError, match="round 1 \\('empty-delphi'\\) is still open with no submitted responses"):
        next_round(empty, None, NOW, SECRET)
    first = round_one(max_rounds=2)
    second = next_round(first, None, NOW, SECRET)
    with pytest.raises(DelphiRoundError, match="already exists: 'role-delphi-r2'"):
        next_round(first, None, NOW, SECRET)
    _import(second)
    with pytest.raises(DelphiRoundError, match="allows 2 rounds"):
        next_round(second, None, NOW, SECRET)


def test_round_three_keeps_dropping_and_lists_rounds(round_one) -> None:
    second = next_round(round_one(), None, NOW, SECRET)
    _import(second)
    third = next_round(second, None, NOW, SECRET)
    assert third.slug == "role-delphi-r3"
    assert third.round == 3
    assert "tasks-mini.rounds" in third.round_feedback["dropped"]
    rounds = {s.slug: (s.round, s.status) for s in list_surveys()}
    assert rounds["role-delphi"] == (1, "closed")
    assert rounds["role-delphi-r2"] == (2, "closed")
    assert rounds["role-delphi-r3"] == (3, "open")
    stability = {(f.task, f.audience): f for f in round_stability(second)}
    listen = stability[("tasks-mini.listen", "peer")]
    assert listen.shift == 0.0
    assert listen.stable is True
    assert listen.pairs is None  # imported responses carry nothing: no pairs (and 0 is below the minimum cell)


def test_cli_next_round(round_one, runner: FlaskCliRunner) -> None:
    round_one()
    result = runner.invoke(args=["delphi", "next-round", "role-delphi"])
    assert result.exit_code == 0, result.output
    assert "created role-delphi-r2 (round 2, open)" in result.output
    assert "1 settled and dropped" in result.output
    listing = runner.invoke(args=["survey", "list"])
    assert "role-delphi-r2\topen\tround 2" in listing.output
    again = runner.invoke(args=["delphi", "next-round", "role-delphi"])
    assert again.exit_code != 0
    assert "already exists" in again.output
    assert db.session.get(Survey, 1) is not None


def test_results_json_gives_the_round_and_its_stability(round_one, runner: FlaskCliRunner) -> None:
    import json

    second = next_round(round_one(), None, NOW, SECRET)
    _import(second)
    out = json.loads(runner.invoke(args=["delphi", "results", "role-delphi-r2"]).output)
    assert out["round"] == 2
    assert [t["task"] for t in out["tasks"]] == ["listen", "records"]  # "rounds" was dropped: not judged again
    listen = next(s for s in out["stability"] if s["task"] == "tasks-mini.listen" and s["audience"] == "peer")
    assert listen["shift"] == 0.0
    assert listen["pairs"] is None


def test_the_feedback_is_a_snapshot(round_one, monkeypatch: pytest.MonkeyPatch) -> None:
    """Later answers to round 1 do not change what round 2 shows."""
    first = round_one()
    second = next_round(first, None, NOW, SECRET)
    before = json_copy(second.round_feedback)
    _import(first)  # twice as many answers in round 1 now
    db.session.expire_all()
    assert db.session.get(Survey, second.id).round_feedback == before


def json_copy(value):
    import json

    return json.loads(json.dumps(value))


def test_migration_makes_delphi_surveys_round_one_and_keeps_identified_links(database_url: str) -> None:
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from surveyapp import create_app
    from tests.conftest import ROOT

    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "INSTRUMENTS_DIR": str(ROOT / "instruments")}
    )
    migrations = str(ROOT / "migrations")
    with app.app_context():
        upgrade(directory=migrations, revision="a9e1an0nym17")
        with db.engine.begin() as conn:
            for survey_id, spec in ((1, '{"delphi": {"max_rounds": 2}}'), (2, "{}")):
                conn.execute(
                    text(
                        "INSERT INTO survey (id, slug, title, spec, texts, languages, anonymity, status, min_cell_size, "
                        "created_at) VALUES (:id, :slug, '{}', :spec, '{}', '[\"en\"]', 'identified', 'open', 5, '2026-11-24')"
                    ),
                    {"id": survey_id, "slug": f"s{survey_id}", "spec": spec},
                )
            conn.execute(text("INSERT INTO audience (id, survey_id, key) VALUES (1, 1, 'peer')"))
            conn.execute(
                text(
                    "INSERT INTO invitation (id, survey_id, audience_id, token_hash, via_open_link, issued_at) "
                    "VALUES (7, 1, 1, 'h', false, '2026-11-24')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO response (pk, id, survey_id, audience_id, language, status, source, started_at, updated_at, "
                    "submitted_at, invitation_id, current_page, furthest_page) VALUES (1, 'r', 1, 1, 'en', 'submitted', "
                    "'web', '2026-11-24', '2026-11-24', '2026-11-24', 7, 1, 1)"
                )
            )
        upgrade(directory=migrations)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id, round FROM survey ORDER BY id")).all() == [(1, 1), (2, None)]
            assert conn.execute(text("SELECT invitation_id FROM response")).scalar() == 7
        downgrade(directory=migrations, revision="a9e1an0nym17")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT invitation_id FROM response")).scalar() == 7
            assert conn.execute(text("SELECT count(*) FROM survey")).scalar() == 2
        db.engine.dispose()
