"""The role-definition view and the draft job definition of the demo's Delphi: verdicts, words, suppression."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from docx import Document
from flask import Flask
from sqlalchemy import select

from surveyapp.db import AuditEvent, db
from surveyapp.instruments import load_directory
from surveyapp.reporting.job_definition import WRITERS
from surveyapp.services.access import grant
from surveyapp.services.accounts import create_user
from surveyapp.services.delphi_definition import DEFAULT_PURPOSE, draft_job_definition, training_source
from surveyapp.services.delphi_view import role_view, view_rows
from surveyapp.services.demo_delphi import DELPHI_SLUG, ROUND_1, add_delphi_responses, ensure_demo_delphi
from surveyapp.services.instrument_registry import register_instruments
from surveyapp.services.surveys import create_survey, get_survey

from ..conftest import ROOT

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def role_delphi(app: Flask):
    instruments = load_directory(ROOT / "instruments")
    register_instruments(sorted(instruments.values(), key=lambda i: i.id), NOW)
    ensure_demo_delphi(ROOT / "instruments", NOW, "test-secret")
    return get_survey(DELPHI_SLUG)


def _tasks(view):
    return {t.id: t for t in view.tasks()}


def test_the_demo_round_reads_as_its_story(role_delphi) -> None:
    view = role_view(role_delphi, 1)
    assert view.responses == {"peer": 40, "staff": 80, "service_user": 50}
    assert view.counts == {"included": 14, "excluded": 2, "open": 14}
    assert [title for _, title, _ in view.domains][:2] == ["One-to-one support", "Groups"]
    tasks = _tasks(view)
    core = tasks["meet_one_to_one"]
    assert core.verdict == "included"
    assert core.round_settled == 1
    assert core.title.startswith("Peer specialists meet service users one to one")  # a full title, never the code
    assert core.agreement == "Peer specialists, staff and service users agree: part of the role."
    assert [round(c.percent) for c in core.cells] == [92, 92, 92]
    assert tasks["restraint_presence"].verdict == "excluded"
    assert tasks["restraint_presence"].verdict_words == "Agreed: not part of the role (settled in round 1)"
    record = tasks["medical_record"]
    assert record.verdict == "open"
    assert record.round_settled is None
    assert (
        record.agreement == "The groups disagree: peer specialists want it in the role; staff do not; service users are divided."
    )
    assert record.gaps[0].startswith("Done but disputed: 70% of peers do this weekly or daily")
    assert tasks["mentor_new_peers"].gaps[0].startswith("Essential but rare")
    # comments: 12 staff wrote one on the medical record, nobody on the other tasks
    assert [g["label"] for g in record.comments] == ["Staff"]
    assert record.comments[0]["n"] == 12
    assert not tasks["ward_rounds"].comments


def test_across_rounds_each_task_is_as_last_asked(role_delphi) -> None:
    view = role_view(role_delphi)
    assert [n for n, _ in view.rounds] == [1, 2]
    assert view.responses == {"peer": 36, "staff": 72, "service_user": 44}  # round 2's
    assert view.counts == {"included": 20, "excluded": 3, "open": 7}
    tasks = _tasks(view)
    core = tasks["meet_one_to_one"]  # settled in round 1 and dropped from round 2
    assert (core.round, core.round_settled, core.history) == (1, 1, [(1, "included"), (2, None)])
    assert core.stability == []
    crisis = tasks["crisis_support"]  # staff converged in round 2
    assert (crisis.verdict, crisis.round, crisis.round_settled) == ("included", 2, 2)
    assert crisis.verdict_words == "Agreed: part of the role (settled in round 2)"
    staff = next(s for s in crisis.stability if s.audience == "staff")
    assert staff.shift == pytest.approx(0.28, abs=0.02)
    assert staff.stable is False  # more than 15% of staff ratings moved
    assert tasks["service_reports"].verdict == "excluded"
    assert tasks["medical_record"].history == [(1, "open"), (2, "open")]
    round_2 = role_view(role_delphi, 2)
    assert len(round_2.tasks()) == 14  # only what round 2 asked
    assert all(t.round == 2 for t in round_2.tasks())


def test_a_viewer_sees_only_the_rounds_granted(role_delphi) -> None:
    manager = create_user("m@example.org", "a long enough passphrase 1", "manager", NOW, None)
    grant("m@example.org", DELPHI_SLUG, NOW, None)
    view = role_view(role_delphi, viewer=manager)
    assert [n for n, _ in view.rounds] == [1]
    assert view.withheld == 1
    assert view.counts == {"included": 14, "excluded": 2, "open": 14}
    grant("m@example.org", f"{DELPHI_SLUG}-r2", NOW, None)
    assert role_view(role_delphi, viewer=manager).withheld == 0


def test_a_small_audience_is_hidden_with_the_reason_everywhere(app: Flask) -> None:
    instruments = load_directory(ROOT / "instruments")
    register_instruments(sorted(instruments.values(), key=lambda i: i.id), NOW)
    spec = (ROOT / "docs" / "examples" / "demo-delphi.yaml").read_text(encoding="utf-8").replace(DELPHI_SLUG, "small-delphi")
    survey = create_survey(spec, "small.yaml", ROOT / "instruments", NOW, None)
    add_delphi_responses(survey, ROUND_1, {"peer": 20, "staff": 20, "service_user": 3}, NOW)
    view = role_view(survey)
    assert view.responses["service_user"] is None
    assert "fewer than 5" in view.note
    for task in view.tasks():
        cell = next(c for c in task.cells if c.key == "service_user")
        assert (cell.percent, cell.n, cell.hidden_reason) == (None, None, "hidden: too few responses")
    rows = [r for r in view_rows(view) if r[6] == "Service users"]
    assert rows
    assert all(r[7] is None and r[8] is None for r in rows)


def test_comments_of_fewer_than_ten_people_are_not_shown(app: Flask) -> None:
    register_instruments(sorted(load_directory(ROOT / "instruments").values(), key=lambda i: i.id), NOW)
    spec = (ROOT / "docs" / "examples" / "demo-delphi.yaml").read_text(encoding="utf-8").replace(DELPHI_SLUG, "few-comments")
    survey = create_survey(spec, "few.yaml", ROOT / "instruments", NOW, None)
    add_delphi_responses(survey, ROUND_1, {"peer": 10, "staff": 9, "service_user": 10}, NOW)  # nine staff comment
    record = _tasks(role_view(survey))["medical_record"]
    assert record.cells[1].n == 9  # staff's ratings are shown (9 >= 5) ...
    assert record.comments == []  # ... their nine comments are not (fewer than 10)


def test_the_word_document_holds_the_consensus(role_delphi) -> None:
    draft = draft_job_definition(role_delphi, None, "en")
    document = Document(io.BytesIO(WRITERS["docx"].write(draft.definition)))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert "The peer specialist uses their own lived experience" in text  # the spec's purpose
    tables = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    for included in draft.definition.domains[0].tasks:
        assert included.text in tables
    assert "Peer specialists meet service users one to one to offer support based on their own experience." in tables
    # boundaries: rejected by every group
    assert "Boundaries: not part of the role" in text
    assert "Peer specialists are present with service users during restraint or seclusion, to support them." in tables
    assert "Peer specialists receive referrals to peer support and arrange first meetings." in tables
    # contested: still open after round 2
    assert "Contested tasks for discussion" in text
    assert "Peer specialists write notes in service users' medical records." in tables
    assert "Peer specialists take part in ward rounds with doctors and nurses." in tables
    assert len(draft.definition.boundaries) == 3
    assert len(draft.definition.contested) == 7
    settled = {t.id: t.round_settled for d in draft.definition.domains for t in d.tasks}
    assert (settled["meet_one_to_one"], settled["team_meetings"]) == (1, 2)
    assert draft.training_survey is None
    assert "does not exist" in draft.training_note


def test_the_hebrew_document_is_right_to_left(role_delphi) -> None:
    draft = draft_job_definition(role_delphi, None, "he")
    assert draft.definition.language == "he"
    assert draft.definition.purpose.startswith("העובד/ת העמית/ה נשען/ת")
    body = zipfile.ZipFile(io.BytesIO(WRITERS["docx"].write(draft.definition))).read("word/document.xml").decode()
    assert "<w:bidi/>" in body
    assert "<w:rtl/>" in body
    assert "ליווי אישי" in body  # the domain's Hebrew title


def test_without_a_purpose_the_default_of_the_language_is_used(app: Flask) -> None:
    instruments = load_directory(ROOT / "instruments")
    register_instruments(sorted(instruments.values(), key=lambda i: i.id), NOW)
    spec = (ROOT / "docs" / "examples" / "role-delphi.yaml").read_text(encoding="utf-8")
    survey = create_survey(spec, "role-delphi.yaml", ROOT / "instruments", NOW, None)
    add_delphi_responses(survey, ROUND_1, {"peer": 10, "staff": 10, "service_user": 10}, NOW)
    assert draft_job_definition(survey, None, "ar").definition.purpose == DEFAULT_PURPOSE["ar"]


def test_the_development_plan_comes_from_a_360_the_viewer_may_see(role_delphi, demo_survey) -> None:
    draft = draft_job_definition(role_delphi, None, "en")
    assert draft.training_survey == "demo"  # named by the spec's delphi.training_survey
    assert draft.definition.development_plan
    assert draft.definition.development_plan[0].status == "need"
    manager = create_user("m@example.org", "a long enough passphrase 1", "manager", NOW, None)
    assert training_source(role_delphi, manager) == (
        None,
        "The development plan is empty: you have no access to the training survey the spec names.",
    )
    grant("m@example.org", "demo", NOW, None)
    assert training_source(role_delphi, manager)[0].slug == "demo"


def test_the_cli_writes_the_definition_and_audits_it(role_delphi, runner, tmp_path) -> None:
    out = tmp_path / "definition.docx"
    result = runner.invoke(args=["delphi", "definition", DELPHI_SLUG, "--format", "docx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "20 tasks in the role, 3 boundaries, 7 contested" in result.output
    assert Document(str(out)).paragraphs
    md = tmp_path / "definition.md"
    result = runner.invoke(args=["delphi", "definition", DELPHI_SLUG, "--format", "md", "--lang", "he", "--out", str(md)])
    assert result.exit_code == 0, result.output
    assert "ליווי אישי" in md.read_text(encoding="utf-8")
    bad = runner.invoke(args=["delphi", "definition", DELPHI_SLUG, "--format", "md", "--lang", "fr", "--out", str(md)])
    assert bad.exit_code != 0
    assert "the survey's languages are en, he, ar" in bad.output
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "download.job_definition")).all()
    assert [e.detail["format"] for e in events] == ["docx", "md"]
