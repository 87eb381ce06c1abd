"""Importing responses from the wide CSV format: all or nothing, every problem named, a faithful round trip."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
import uuid
from collections.abc import Iterator

import numpy as np
import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError

from surveyapp.db import Answer, AuditEvent, Response, db
from surveyapp.db.base import skip_triggers_in_transaction
from surveyapp.instruments import load_file
from surveyapp.instruments.answers import AnswerError, parse_answer
from surveyapp.reporting.exports import FORMATS, ExportOptions
from surveyapp.services import importing
from surveyapp.services.dashboard import survey_dashboard
from surveyapp.services.demo import add_synthetic_responses
from surveyapp.services.export import export_plan
from surveyapp.services.importing import MAX_PROBLEMS, ImportReport, import_responses, judge_column
from surveyapp.services.importing.constants import BAD, EMPTY, MARKED, SKIPPED, VALUE
from surveyapp.services.importing.postgres import _lock_parents
from surveyapp.services.responding import answers_of
from surveyapp.services.survey_data import answer_vector, survey_columns
from tests.conftest import FIXTURES
from tests.stored import stored_answers

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
COLUMNS = [
    "response_id", "audience", "language", "wave", "submitted", "source", "mini.clear", "mini.unclear", "mini.valued",
    "mini.role", "mini.role_other", "mini.years", "mini.tasks.1", "mini.tasks.2", "mini.tasks.3", "mini.comments",
    "mini.clarity",
]  # fmt: skip


def wide_csv(*rows: dict[str, str], columns: list[str] = COLUMNS, line_end: str = "\r\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


def peer(**answers: str) -> dict[str, str]:
    row = {"audience": "peer", "mini.clear": "4", "mini.unclear": "2", "mini.valued": "5", "mini.years": "3"}
    return row | {k.replace("__", "."): v for k, v in answers.items()}


def staff(**answers: str) -> dict[str, str]:
    return peer(**({"audience": "staff", "mini__role": "1"} | answers))


def utc(moment: dt.datetime | None) -> dt.datetime:
    assert moment is not None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def stored_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Response)) or 0


def wide_export(survey) -> bytes:
    data = b"".join(FORMATS["wide"].write(export_plan(survey), ExportOptions(raw=True)))
    db.session.commit()  # the export streams with options that stay on the session's connection until it is released
    return data


def problems_of(report: ImportReport) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.reason) for p in report.problems]


def only_problem(report: ImportReport) -> str:
    assert not report.ok
    assert report.imported == 0
    assert len(report.problems) == 1, report.lines()
    return str(report.problems[0])


# --- all or nothing ---------------------------------------------------------------------------------------------


def test_a_file_with_three_bad_rows_imports_nothing_and_names_all_three(make_survey) -> None:
    survey = make_survey()
    text = wide_csv(
        peer(),
        peer(audience="nurse"),  # row 3
        staff(),
        peer(mini__clear="6"),  # row 5
        staff(mini__years="three"),  # row 6
        peer(),
    )
    report = import_responses(survey, text, NOW, None)
    assert not report.ok
    assert report.imported == 0
    assert stored_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (3, "audience", "nurse"),
        (5, "mini.clear", "6"),
        (6, "mini.years", "three"),
    ]
    assert report.bad_rows == 3
    assert report.rows == 6
    lines = report.lines()
    assert lines[0] == "row 3, column audience: 'nurse' is not an audience of this survey (allowed: peer, staff)"
    assert lines[1] == "row 5, column mini.clear: '6' is not an option (allowed: 1-5, -9 prefer not to answer)"
    assert lines[2] == "row 6, column mini.years: 'three' is not a number (allowed: a whole number from 0 to 50)"
    assert lines[-1] == "nothing was imported: 3 problems in 3 of 6 rows"


def test_imported_answers_point_at_their_responses_and_checks_come_back(make_survey) -> None:
    """The importer writes without SQLite's row-by-row foreign key checks; what it writes must pass them."""
    survey = make_survey()
    add_synthetic_responses(survey, 5, NOW)  # keys already taken: the import's follow them
    assert import_responses(survey, wide_csv(peer(), staff(mini__comments="x"), peer(mini__clear="-9")), NOW, None).ok
    answers = db.session.execute(select(Response.id, Answer.response_pk).join(Response, Response.pk == Answer.response_pk)).all()
    assert len({pk for _, pk in answers}) == 8
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        for _ in range(3):  # whichever pooled connection comes next checks again
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    if db.engine.dialect.name == "postgresql":  # the COPY skipped the triggers; the rest of its transaction did not
        assert db.session.execute(text("SHOW session_replication_role")).scalar() == "origin"
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW session_replication_role").scalar() == "origin"
    imported = db.session.scalars(select(Response.pk).where(Response.source == "import")).all()
    db.session.execute(delete(Response).where(Response.pk.in_(imported)))
    db.session.commit()
    left = db.session.scalars(select(Answer.response_pk).distinct()).all()
    assert len(left) == 5  # deleting a response still takes its answers
    assert not set(left) & set(imported)


def test_a_role_that_may_not_skip_triggers_imports_with_the_checks(make_survey) -> None:
    """Only a superuser, or a role granted SET on session_replication_role, skips PostgreSQL's row checks."""
    survey = make_survey()
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's roles")
    connection = db.session.connection()
    connection.exec_driver_sql(  # roles belong to the server, not the test's database: it may be there already
        "DO $$ BEGIN CREATE ROLE peerscope_plain_importer; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    connection.exec_driver_sql("GRANT ALL ON ALL TABLES IN SCHEMA public TO peerscope_plain_importer")
    connection.exec_driver_sql("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO peerscope_plain_importer")
    connection.exec_driver_sql("SET LOCAL ROLE peerscope_plain_importer")
    assert not skip_triggers_in_transaction(connection)
    report = import_responses(survey, wide_csv(peer(), staff(mini__comments="x")), NOW, None)
    assert report.ok, report.lines()
    assert stored_count() == 2


def test_an_import_refuses_when_a_row_it_refers_to_is_gone(make_survey) -> None:
    """Without the per-row checks, the importer locks each parent row itself and stops if one is missing."""
    make_survey()
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL COPY path")
    with pytest.raises(IntegrityError, match="item_key row"):
        _lock_parents(db.session.connection(), 1, [], [987654])


def test_a_good_file_is_stored_as_submitted_imported_responses(make_survey) -> None:
    survey = make_survey(status="closed")  # paper answers often arrive after the survey closed
    text = wide_csv(
        peer(response_id="paper-001", language="he", submitted="2026-10-02", source="web", wave="7"),
        staff(mini__clear="9", mini__tasks__1="1", mini__tasks__3="1", mini__tasks__2="0", mini__comments="Fine."),
    )
    report = import_responses(survey, text, NOW, None)
    assert report.ok, report.lines()
    assert report.imported == 2
    assert report.summary() == "imported 2 responses"
    assert ImportReport(1, 1).summary() == "imported 1 response"
    one = ImportReport(1, 0, (importing.ImportProblem(2, "audience", "x", "is not an audience"),), 1, 1)
    assert one.summary() == "nothing was imported: 1 problem in 1 of 1 row"
    first = db.session.scalars(select(Response).where(Response.id == "paper-001")).one()
    assert (first.status, first.source, first.language) == ("submitted", "import", "he")
    assert utc(first.submitted_at) == dt.datetime(2026, 10, 2, tzinfo=dt.UTC)
    assert first.started_at == first.submitted_at
    assert (first.current_page, first.furthest_page) == (0, 0)
    second = db.session.scalar(select(Response).where(Response.id != "paper-001"))
    assert second is not None
    assert len(second.id) == 32
    assert uuid.UUID(hex=second.id).version == 4  # an empty id gets a fresh random one
    assert second.language == "en"  # the survey's first language
    assert utc(second.submitted_at) == NOW  # no date: the time of the import
    answers = answers_of(second)
    assert answers["mini.clear"].num == 9.0  # "not observed" is offered to staff
    assert answers["mini.role"].num == 1.0
    assert json.loads(answers["mini.tasks"].text or "") == [1, 3]
    assert answers["mini.comments"].text == "Fine."
    assert "mini.role_other" not in answers
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "responses.import"))
    assert event is not None
    assert (event.target, event.detail) == (survey.slug, {"responses": 2})


def test_vectors_match_the_stored_answers_and_the_dashboard_counts_them(make_survey) -> None:
    survey = make_survey(min_cell_size=3)  # three imported rows are one publication step
    text = wide_csv(
        peer(mini__clear="-9", mini__years="12"),
        staff(mini__clear="9", mini__role="-9", mini__valued=""),
        peer(mini__tasks__2="1", mini__tasks__1="0", mini__tasks__3="0"),
    )
    assert import_responses(survey, text, NOW, None).ok
    columns = survey_columns(survey)
    for response in db.session.scalars(select(Response)):
        assert response.vector == answer_vector(columns, answers_of(response))
    assert survey_dashboard(survey, viewer=None)["overview"]["submitted"] == 3


# --- every reason ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        (peer(audience=""), "audience", "no audience given: every row needs one (peer, staff)"),
        (peer(mini__clear="9"), "mini.clear",
         "'9' is not an option for audience peer (allowed: 1-5, -9 prefer not to answer)"),
        (staff(mini__clear="7"), "mini.clear",
         "'7' is not an option (allowed: 1-5, 9 not observed, -9 prefer not to answer)"),
        (peer(mini__valued="agree"), "mini.valued", "'agree' is not a numeric code (allowed: 1-5)"),
        (peer(mini__valued="4.0"), "mini.valued", "'4.0' is not a numeric code (allowed: 1-5)"),
        (peer(mini__years="51"), "mini.years", "'51' is out of range (allowed: a whole number from 0 to 50)"),
        (peer(mini__years="2.5"), "mini.years", "'2.5' is not a whole number (allowed: a whole number from 0 to 50)"),
        (peer(mini__unclear="-9"), "mini.unclear",
         "'-9' is 'prefer not to answer', which this question does not offer (leave the cell empty if not answered)"),
        (peer(mini__role="1"), "mini.role",
         "'1' is an answer, but this question is not asked of audience peer (leave the cell empty, or -8)"),
        (peer(mini__unclear="-8"), "mini.unclear",
         "'-8' means 'not shown', but this question is shown to audience peer (leave the cell empty if not answered)"),
        (peer(mini__tasks__2="2"), "mini.tasks.2", "'2' is not 1 (chosen) or 0 (not chosen)"),
        (peer(mini__tasks__2="-9", mini__tasks__1="1"), "mini.tasks.1",
         "'1' mixes 'prefer not to answer' (-9) and answers in the options of one question"),
        (peer(language="fr"), "language", "'fr' is not a language of this survey (allowed: en, he)"),
        (peer(submitted="24/11/2026"), "submitted",
         "'24/11/2026' is not a date (use YYYY-MM-DD, or an ISO date and time such as 2026-11-24T09:30:00)"),
        (peer(response_id="not an id!"), "response_id",
         "'not an id!' is not a valid response id (1 to 32 letters, digits, - or _; or leave it empty for a new id)"),
        (peer(mini__comments="x" * 4001), "mini.comments", "is too long: 4001 characters, at most 4000"),
        (staff(mini__role="1", mini__role_other="Peer worker"), "mini.role_other",
         "is an answer, but this question was not shown to this respondent (it is shown only when role = 2)"),
        (staff(mini__role="2", mini__years="-8"), "mini.years",
         "'-8' means 'not shown', but this question is shown to audience staff"),
    ],
)  # fmt: skip
def test_each_problem_is_named_with_row_column_and_reason(make_survey, row, column, expected) -> None:
    survey = make_survey()
    report = import_responses(survey, wide_csv(peer(), row), NOW, None)
    message = only_problem(report)
    assert message.startswith(f"row 3, column {column}: ")
    assert expected in message
    assert stored_count() == 0


def test_show_if_decides_where_not_shown_belongs(make_survey) -> None:
    survey = make_survey()
    text = wide_csv(
        staff(mini__role="2", mini__role_other="Peer worker"),  # shown and answered
        staff(mini__role="1"),  # hidden and left empty
        staff(mini__role="-9"),  # "prefer not to answer" hides it too
        peer(mini__role="-8", mini__role_other=""),  # not asked of peers at all
    )
    report = import_responses(survey, text, NOW, None)
    assert report.ok, report.lines()
    assert stored_answers("mini.role_other")[0].value_text == "Peer worker"


def test_an_unknown_column_is_one_file_problem_however_many_rows(make_survey) -> None:
    survey = make_survey()
    columns = [*COLUMNS, "mini.favourite_colour"]
    report = import_responses(survey, wide_csv(*[peer(mini__favourite_colour="blue")] * 5, columns=columns), NOW, None)
    assert only_problem(report) == (
        "file, column mini.favourite_colour: is not a column of this survey's wide format (see its codebook)"
    )


def test_a_missing_audience_column_stops_the_check(make_survey) -> None:
    survey = make_survey()
    columns = [c for c in COLUMNS if c != "audience"]
    report = import_responses(survey, wide_csv(peer(), columns=columns), NOW, None)
    assert "column audience: is missing" in only_problem(report)


def test_item_columns_may_be_left_out(make_survey) -> None:
    survey = make_survey()
    report = import_responses(survey, "audience,mini.valued\npeer,4\nstaff,\n", NOW, None)
    assert report.ok
    assert report.imported == 2


def test_duplicate_response_ids_in_the_file_and_in_the_database(make_survey) -> None:
    survey = make_survey()
    assert import_responses(survey, wide_csv(peer(response_id="p-1")), NOW, None).ok
    report = import_responses(survey, wide_csv(peer(response_id="p-2"), peer(response_id="p-2"), peer(response_id="p-1")),
                              NOW, None)  # fmt: skip
    assert [str(p) for p in report.problems] == [
        "row 3, column response_id: 'p-2' appears twice in the file (first in row 2)",
        "row 4, column response_id: 'p-1' is already in the database (this response was imported or collected before)",
    ]
    assert stored_count() == 1


def test_a_file_imported_again_gets_one_line_about_its_ids_and_its_other_problems_stay_visible(make_survey) -> None:
    survey = make_survey()
    first = [peer(response_id=f"p-{k}") for k in range(8)]
    assert import_responses(survey, wide_csv(*first), NOW, None).ok
    again = wide_csv(*first[:4], peer(response_id="p-4", audience="visitor"), *first[5:])
    report = import_responses(survey, again, NOW, None)
    assert [str(p) for p in report.problems] == [
        "file, column response_id: 8 rows (from row 2) have a response id that is already in the database: these "
        "responses were imported or collected before. To import them into another survey, empty the response_id "
        "column and new ids are made.",
        "row 6, column audience: 'visitor' is not an audience of this survey (allowed: peer, staff)",
    ]
    assert report.summary() == "nothing was imported: 9 problems in 8 of 8 rows"
    assert stored_count() == 8


def test_a_clash_only_the_database_notices_still_stores_nothing(make_survey, monkeypatch) -> None:
    survey = make_survey()
    assert import_responses(survey, wide_csv(peer(response_id="p-1")), NOW, None).ok
    monkeypatch.setattr(importing.checks, "_existing_ids", lambda ids: set())  # as if another import won the race
    report = import_responses(survey, wide_csv(peer(response_id="p-0"), peer(response_id="p-1")), NOW, None)
    assert "the database refused the import, so nothing was stored" in only_problem(report)
    assert stored_count() == 1
    assert db.session.scalar(select(Response).where(Response.id == "p-0")) is None


@pytest.fixture
def small_blocks(monkeypatch) -> None:
    """PostgreSQL's streamed import, two rows a block: what one block cannot see, the next must not miss."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL streamed import")
    monkeypatch.setattr(importing.streaming, "BLOCK", 2)


def careful_path_taken(monkeypatch) -> list[int]:
    """Counts the careful path's reads (the streamed import reads the file itself, and stores nothing if it gives up)."""
    calls: list[int] = []
    read = importing.read_rows

    def counted(*args, **kwargs):
        calls.append(1)
        return read(*args, **kwargs)

    monkeypatch.setattr(importing, "read_rows", counted)
    return calls


def test_a_clean_file_is_streamed_block_by_block_and_stored_whole(make_survey, small_blocks, monkeypatch) -> None:
    survey = make_survey()
    careful = careful_path_taken(monkeypatch)
    rows = [peer(response_id=f"p-{k}", mini__years=str(k)) for k in range(4)]
    rows += [staff(mini__role="2", mini__role_other='Peer\tworker, "senior"\nline two'), peer(mini__clear="-9")]
    data = wide_csv(*rows[:2], {}, *rows[2:])  # a blank row between blocks is skipped, as everywhere
    report = import_responses(survey, data, NOW, None)
    assert report.ok, report.lines()
    assert report.imported == 6
    assert careful == []  # stored by the stream, not by the careful path
    columns = survey_columns(survey)
    stored = db.session.scalars(select(Response)).all()
    assert len(stored) == 6
    assert len({r.pk for r in stored}) == 6
    for response in stored:
        assert response.vector == answer_vector(columns, answers_of(response))
    years = {r.id: answers_of(r)["mini.years"].num for r in stored if r.id.startswith("p-")}
    assert years == {f"p-{k}": float(k) for k in range(4)}
    other = next(r for r in stored if "mini.role_other" in answers_of(r))
    assert answers_of(other)["mini.role_other"].text == 'Peer\tworker, "senior"\nline two'
    assert db.session.execute(text("SHOW session_replication_role")).scalar() == "origin"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "responses.import"))
    assert event is not None
    assert event.detail == {"responses": 6}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([peer(), peer(), peer(), peer(), peer(mini__clear="7")],  # a problem in the third block
         "row 6, column mini.clear: '7' is not an option (allowed: 1-5, -9 prefer not to answer)"),
        ([peer(response_id="p-1"), peer(), peer(), peer(response_id="p-1")],  # the same id in two blocks
         "row 5, column response_id: 'p-1' appears twice in the file (first in row 2)"),
        ([peer(), peer(), peer(), peer(response_id="taken")],  # an id the database holds, in the second block
         "row 5, column response_id: 'taken' is already in the database (this response was imported or collected "
         "before)"),
    ],
)  # fmt: skip
def test_a_problem_in_a_later_block_stores_nothing_and_is_reported_as_ever(
    make_survey, small_blocks, monkeypatch, rows, expected
) -> None:
    survey = make_survey()
    assert import_responses(survey, wide_csv(peer(response_id="taken")), NOW, None).ok
    careful = careful_path_taken(monkeypatch)
    report = import_responses(survey, wide_csv(*rows), NOW, None)
    assert [str(p) for p in report.problems] == [expected]
    assert report.imported == 0
    assert careful == [1]  # the careful path read the whole file and wrote the report
    assert stored_count() == 1
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 4  # the first import's answers only


def test_rows_with_the_wrong_number_of_cells_and_blank_rows(make_survey) -> None:
    survey = make_survey()
    good = wide_csv(peer())
    text = good + "\r\n" + ",,,,,,,,,,,,,,,,\r\n" + "x,peer,en\r\n"
    report = import_responses(survey, text, NOW, None)
    assert only_problem(report) == "row 5: has 3 cells, but the header has 17"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        (",,,\r\n", "the file is empty"),
        ("audience,mini.valued\r\n", "the file has no responses"),
    ],
)
def test_empty_files(make_survey, text: str, expected: str) -> None:
    assert expected in only_problem(import_responses(make_survey(), text, NOW, None))


def test_not_utf8(make_survey) -> None:
    report = import_responses(make_survey(), "audience,mini.comments\npeer,café\n".encode("latin-1"), NOW, None)
    assert "not UTF-8 text (line 2 has a character in another encoding)" in only_problem(report)
    for slug, start, kind in [("spss", b"$FL2\x00\xff", "an SPSS data file (.sav)"), ("zip", b"PK\x03\x04\x14", "a ZIP file")]:
        report = import_responses(make_survey(slug=f"{slug}-upload"), start + b"\xff" * 40, NOW, None)
        assert only_problem(report).startswith(f"file: this is {kind}")
        assert "not a CSV file" in only_problem(report)


def test_not_csv(make_survey) -> None:
    text = "audience,mini.comments\npeer," + '"' + "x" * 200_000 + '"\n'
    previous = csv.field_size_limit(131_072)  # the default, which some libraries raise process-wide
    try:
        report = import_responses(make_survey(), text, NOW, None)
    finally:
        csv.field_size_limit(previous)
    assert "not valid CSV (line 2: field larger than field limit" in only_problem(report)


def test_the_report_lists_the_first_problems_and_counts_them_all(make_survey) -> None:
    survey = make_survey()
    rows = [peer(mini__clear="6", mini__years="99")] * (MAX_PROBLEMS // 2 + 100)
    report = import_responses(survey, wide_csv(*rows), NOW, None)
    assert report.problem_count == 2 * len(rows)
    assert len(report.problems) == MAX_PROBLEMS
    assert report.truncated
    assert [p.row for p in report.problems[:4]] == [2, 2, 3, 3]  # file order: row, then column
    assert report.summary().endswith(f"(the first {MAX_PROBLEMS} are listed)")


def test_a_hopeless_file_keeps_only_what_the_report_shows(make_survey) -> None:
    survey = make_survey()
    rows = [staff(mini__role="1", mini__role_other="x", mini__comments="y" * 4001)] * (MAX_PROBLEMS + 50)
    report = import_responses(survey, wide_csv(*rows), NOW, None)
    assert report.problem_count == 2 * len(rows)
    assert len(report.problems) == MAX_PROBLEMS
    assert {p.column for p in report.problems} == {"mini.role_other", "mini.comments"}


# --- encodings ------------------------------------------------------------------------------------------------


def test_byte_order_mark_and_crlf_line_ends(make_survey) -> None:
    survey = make_survey()
    text = "\ufeff" + wide_csv(peer(mini__comments="two\r\nlines"), staff(), line_end="\r\n")
    report = import_responses(survey, io.BytesIO(text.encode("utf-8")), NOW, None)
    assert report.ok, report.lines()
    assert import_responses(survey, "\ufeff" + wide_csv(peer(), line_end="\n"), NOW, None).ok
    assert import_responses(survey, wide_csv(peer(), staff(), peer(), line_end="\r"), NOW, None).ok  # old Mac
    assert stored_answers("mini.comments")[0].value_text == "two\r\nlines"
    assert stored_count() == 6


def test_ids_of_every_length_and_exact_times_are_stored_as_the_file_gives_them(make_survey) -> None:
    """PostgreSQL's writer lays out one binary record per response, a layout per id and language length."""
    survey = make_survey()
    rows = {
        "a": peer(response_id="a", language="he", submitted="2026-10-02T09:30:00.123456+02:00"),
        "paper-001": staff(response_id="paper-001", submitted="2026-10-02"),
        "x" * 32: peer(response_id="x" * 32, mini__clear="-9"),
        "": staff(language="he", mini__comments="tab\there, a line\nbreak and a back\\slash"),
    }
    assert import_responses(survey, wide_csv(*rows.values()), NOW, None).ok
    columns = survey_columns(survey)
    stored = {r.id if r.id in rows else "": r for r in db.session.scalars(select(Response))}
    assert set(stored) == set(rows)
    for key, row in rows.items():
        response = stored[key]
        assert response.language == (row.get("language") or "en")
        assert (response.status, response.source) == ("submitted", "import")
        assert utc(response.updated_at) == NOW
        assert response.started_at == response.submitted_at
        assert response.vector == answer_vector(columns, answers_of(response))
    assert utc(stored["a"].submitted_at) == dt.datetime(2026, 10, 2, 7, 30, 0, 123456, tzinfo=dt.UTC)
    assert utc(stored["paper-001"].submitted_at) == dt.datetime(2026, 10, 2, tzinfo=dt.UTC)
    assert utc(stored["x" * 32].submitted_at) == NOW
    assert answers_of(stored[""])["mini.comments"].text == "tab\there, a line\nbreak and a back\\slash"


@pytest.mark.parametrize(
    ("cells", "plain"),
    [
        (["p-1", "p_2", "X" * 32], True),
        (["p-1", "p-1"], False),  # twice
        (["p-1", " p-2"], False),  # a space the slow path strips
        (["p-1", ""], False),  # empty: a fresh id
        (["p-1\np-2", "p-3"], False),  # a line break inside a quoted cell
        (["X" * 33], False),
        (["p-1", "p 2"], False),
        ([], False),
    ],
)
def test_the_fast_id_check_takes_only_columns_the_row_by_row_check_would_pass_unchanged(cells, plain) -> None:
    assert importing.checks._plain_and_distinct(cells) is plain


def test_hebrew_text_survives_import_and_export(make_survey) -> None:
    survey = make_survey()
    comment = 'הידע שלי מוערך, "מאוד" — תודה'
    assert import_responses(survey, wide_csv(peer(language="he", mini__comments=comment)).encode("utf-8"), NOW, None).ok
    assert stored_answers("mini.comments")[0].value_text == comment
    [row] = list(csv.DictReader(io.StringIO(wide_export(survey).decode("utf-8"))))
    assert row["mini.comments"] == comment
    assert row["language"] == "he"


# --- the round trip -------------------------------------------------------------------------------------------


def test_export_import_export_gives_the_same_data(make_survey) -> None:
    original = make_survey()
    add_synthetic_responses(original, 120, NOW)
    extra = wide_csv(
        staff(mini__role="2", mini__role_other='=HYPERLINK("x")', mini__comments='שלום, "עולם"\nשורה 2', language="he"),
        peer(mini__clear="-9", mini__years="", mini__tasks__1="0", mini__tasks__2="1", mini__tasks__3="1"),
        staff(mini__clear="9", mini__valued="", mini__role="-9", mini__comments="-leading dash"),
    )
    assert import_responses(original, extra, NOW, None).ok  # text, skips and show_if the demo does not make
    first = wide_export(original)
    ids = [r.pk for r in db.session.scalars(select(Response).where(Response.survey_id == original.id))]
    db.session.execute(delete(Answer).where(Answer.response_pk.in_(ids)))
    db.session.execute(delete(Response).where(Response.pk.in_(ids)))  # response ids are unique database-wide
    db.session.commit()

    fresh = make_survey(slug="other")
    report = import_responses(fresh, first, NOW, None)
    assert report.ok, report.lines()
    assert report.imported == 123
    second = wide_export(fresh)

    before = list(csv.reader(io.StringIO(first.decode("utf-8"), newline="")))
    after = list(csv.reader(io.StringIO(second.decode("utf-8"), newline="")))
    source = before[0].index("source")
    assert before[0] == after[0]
    assert {r[source] for r in before[1:]} == {"demo", "import"}
    assert {r[source] for r in after[1:]} == {"import"}
    assert [r[:source] + r[source + 1 :] for r in before] == [r[:source] + r[source + 1 :] for r in after]
    assert first.replace(b",demo,", b",import,") == second  # byte for byte, but for the source column


# --- the fast path is parse_answer ----------------------------------------------------------------------------

MINI = load_file(FIXTURES / "mini.yaml")
AUDIENCES = ["peer", "staff"]
TRICKY = ["", " ", "1", " 3 ", "+3", "03", "3.0", "3.5", "1e0", "-9", " -9 ", "-09", "-8", "9", "0", "6", "x",
          "٣", "1_0", "nan", "inf", "-0", "50", "50.0", "51", "2,5", "-1", "5\t", "１"]  # fmt: skip


def reference(item, audience: str | None, raw: str) -> tuple[int, float]:
    """The verdict, cell by cell, straight from parse_answer."""
    if audience is None or not raw.strip():
        return EMPTY, np.nan
    if raw.strip() == "-8":
        if not item.asked_of(audience):
            return EMPTY, np.nan
        return (MARKED if item.show_if is not None else BAD), np.nan
    if not item.asked_of(audience):
        return BAD, np.nan
    try:
        stored = parse_answer(item, audience, raw)
    except AnswerError:
        return BAD, np.nan
    assert stored is not None
    return (SKIPPED, np.nan) if stored.skipped else (VALUE, stored.num if stored.num is not None else np.nan)


def check_column(item_id: str, cells: list[str], audience_index: list[int]) -> None:
    item = MINI.item(item_id)
    verdict = judge_column(item, cells, np.array(audience_index), AUDIENCES)
    state, num = verdict.state, verdict.num
    for k, (raw, a) in enumerate(zip(cells, audience_index, strict=True)):
        expected_state, expected_num = reference(item, AUDIENCES[a] if a < len(AUDIENCES) else None, raw)
        assert state[k] == expected_state, (item_id, raw, a)
        assert (np.isnan(num[k]) and np.isnan(expected_num)) or num[k] == expected_num, (item_id, raw, a)


@pytest.mark.parametrize("item_id", ["clear", "unclear", "valued", "role", "years"])
def test_judging_a_column_equals_parse_answer_on_tricky_values(item_id: str) -> None:
    cells = TRICKY * 3
    check_column(item_id, cells, [k % 3 for k in range(len(cells))])  # peer, staff, and an unknown audience


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["clear", "unclear", "role", "years"]),
    st.lists(st.tuples(st.text(alphabet="0123456789-+.e ,٣", max_size=4), st.integers(0, 2)), min_size=1, max_size=40),
)
def test_judging_a_column_equals_parse_answer_on_any_values(item_id: str, cells: list[tuple[str, int]]) -> None:
    check_column(item_id, [c for c, _ in cells], [a for _, a in cells])


# --- the command line ---------------------------------------------------------


def test_cli_import_prints_the_report_and_exits_1(app: Flask, make_survey, tmp_path) -> None:
    make_survey()
    bad = tmp_path / "bad.csv"
    bad.write_text(wide_csv(peer(), peer(mini__clear="8")), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["responses", "import", "mini-survey", str(bad)])
    assert result.exit_code == 1
    assert "row 3, column mini.clear: '8' is not an option (allowed: 1-5, -9 prefer not to answer)" in result.output
    assert stored_count() == 0
    good = tmp_path / "good.csv"
    good.write_bytes(("\ufeff" + wide_csv(peer(), staff())).encode("utf-8"))
    result = app.test_cli_runner().invoke(args=["responses", "import", "mini-survey", str(good)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "imported 2 responses"


def test_json_documents_made_ahead_arrive_in_order_and_stop_with_the_caller() -> None:
    from surveyapp.services.importing.prepared import _made_ahead

    threads = threading.active_count()
    assert list(_made_ahead(iter(range(50)))) == list(range(50))

    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("row 7 is bad")

    with pytest.raises(ValueError, match="row 7 is bad"):
        list(_made_ahead(broken()))
    stopped = _made_ahead(iter(range(1000)), depth=1)
    assert next(stopped) == 0
    stopped.close()  # the caller gives up (a database error): the maker must not wait forever
    assert threading.active_count() == threads
