"""Task proposals: listed for admins without exposing small audiences; accepted tasks become a new instrument version."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from flask import Flask
from sqlalchemy import select

from surveyapp.db import AuditEvent, InstrumentVersion, db
from surveyapp.instruments import load_directory
from surveyapp.services.delphi_proposals import (
    ProposalError,
    accept_proposal,
    instrument_with_added_tasks,
    mark_additions_used,
    pending_task_additions,
    survey_proposals,
)
from surveyapp.services.demo_delphi import DELPHI_SLUG, PROPOSALS, ensure_demo_delphi
from surveyapp.services.instrument_registry import register_instruments, store_instrument
from surveyapp.services.surveys import get_survey, survey_instruments

from ..conftest import ROOT

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def round_1(app: Flask):
    register_instruments(sorted(load_directory(ROOT / "instruments").values(), key=lambda i: i.id), NOW)
    ensure_demo_delphi(ROOT / "instruments", NOW, "test-secret")
    return get_survey(DELPHI_SLUG)


def _texts(words: str) -> dict[str, dict[str, str]]:
    return {a: {lang: f"{words} ({a}, {lang})" for lang in ("en", "he", "ar")} for a in ("peer", "staff", "service_user")}


def test_proposals_name_only_audiences_with_enough_of_them(round_1) -> None:
    listing = survey_proposals(round_1, random.Random(1))
    assert len(listing.proposals) == 12 + 6 + 4
    assert listing.counts == {"Peer specialists": 12, "Staff": None, "Service users": None}
    by_text = {p.text: p.audience for p in listing.proposals}
    assert by_text[PROPOSALS["peer"][0]] == "Peer specialists"
    for text in PROPOSALS["staff"] + PROPOSALS["service_user"]:
        assert by_text[text] is None  # six staff and four service users: their audience is never shown
    other = survey_proposals(round_1, random.Random(2))
    assert [p.text for p in other.proposals] != [p.text for p in listing.proposals]  # a new order each time


def test_an_accepted_task_waits_for_the_next_round_as_a_new_version(round_1) -> None:
    with pytest.raises(ProposalError, match="Choose the task's domain"):
        accept_proposal(round_1, "nowhere", _texts("x"), None, NOW)
    partial = _texts("Visit people at home after discharge")
    partial["staff"]["ar"] = " "
    with pytest.raises(ProposalError, match="missing: staff in ar"):
        accept_proposal(round_1, "one_to_one", partial, None, NOW)
    assert pending_task_additions(round_1) == []

    addition = accept_proposal(round_1, "one_to_one", _texts("Visit people at home after discharge"), None, NOW)
    assert addition.task_id == "proposed_1"
    [pending] = pending_task_additions(round_1)
    assert pending.text["staff"]["en"] == "Visit people at home after discharge (staff, en)"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delphi.accept_proposal"))
    assert event.target == DELPHI_SLUG
    assert event.detail == {"task": "proposed_1", "domain": "one_to_one"}

    [instrument] = [i for i in survey_instruments(round_1) if i.tasks]
    new = instrument_with_added_tasks(instrument, [pending])
    assert (new.id, instrument.version, new.version) == ("peer-role-tasks", "1.0.0", "1.1.0")
    assert new.content_hash != instrument.content_hash
    ids = [t.id for t in new.tasks]
    assert ids.index("proposed_1") == ids.index("restraint_presence") + 1  # after the last task of its domain
    assert new.task("proposed_1").frequency_item == "proposed_1_now"
    stored = store_instrument(new, NOW)
    row = db.session.get(InstrumentVersion, stored.row_id)
    assert (row.key, row.version, row.content_hash) == ("peer-role-tasks", "1.1.0", new.content_hash)

    round_2 = get_survey(f"{DELPHI_SLUG}-r2")
    assert pending_task_additions(round_2) == [pending]  # accepted on round 1 after round 2 began: round 3 asks it
    mark_additions_used([pending], round_2)
    db.session.commit()
    assert pending_task_additions(round_1) == []
    assert pending_task_additions(round_2) == []


def test_a_survey_without_proposals_is_refused(make_survey) -> None:
    from surveyapp.services.surveys import SurveyError

    with pytest.raises(SurveyError, match="asks for no task proposals"):
        survey_proposals(make_survey())


def test_the_next_round_asks_accepted_tasks_through_a_new_version(app: Flask) -> None:
    """next_round pins a new version holding the tasks accepted from round 1's proposals."""
    from surveyapp.db import TaskAddition
    from surveyapp.services.delphi import round_results
    from surveyapp.services.delphi_rounds import next_round
    from surveyapp.services.demo_delphi import DELPHI_SPEC, ROUND_1, add_delphi_responses
    from surveyapp.services.surveys import create_survey

    register_instruments(sorted(load_directory(ROOT / "instruments").values(), key=lambda i: i.id), NOW)
    rounds = []
    for slug in ("delphi-a", "delphi-b"):  # two Delphis each add a task to version 1.0.0
        spec = DELPHI_SPEC.read_text(encoding="utf-8").replace(DELPHI_SLUG, slug)
        first = create_survey(spec, f"{slug}.yaml", ROOT / "instruments", NOW, None)
        first.status = "open"
        db.session.commit()
        add_delphi_responses(first, ROUND_1, {"peer": 12, "staff": 12, "service_user": 12}, NOW, proposals=True)
        accept_proposal(first, "groups", _texts(f"A task proposed in {slug}"), None, NOW)
        second = next_round(first, None, NOW, "test-secret")
        [used] = db.session.scalars(select(TaskAddition).where(TaskAddition.survey_id == first.id)).all()
        assert used.used_in_survey_id == second.id
        rounds.append((first, second))

    (first_a, second_a), (_, second_b) = rounds
    [before] = [i for i in survey_instruments(first_a) if i.tasks]
    [after_a] = [i for i in survey_instruments(second_a) if i.tasks]
    [after_b] = [i for i in survey_instruments(second_b) if i.tasks]
    assert (before.version, after_a.version, after_b.version) == ("1.0.0", "1.1.0", "1.2.0")  # a stored version never changes
    assert after_a.task("proposed_1").text["staff"]["en"] == "A task proposed in delphi-a (staff, en)"
    assert after_b.task("proposed_1").text["staff"]["en"] == "A task proposed in delphi-b (staff, en)"
    assert "proposed_1" not in {t.id for t in before.tasks}  # round 1 keeps what it asked
    assert "proposed_1" in {t.task for t in round_results(second_a).tasks}  # round 2 asks it (with the open tasks)
    assert pending_task_additions(second_a) == []
