"""The long export made by the database is byte for byte the file the row-by-row export writes.

The rows of services.export.iter_long_rows, written by the CSV writer with formula neutralising, are the
reference: the database-made lines (services.export_long) must equal them on a routed survey (-8 for pages
routing skipped), with missing and "prefer not to answer" answers, free text a spreadsheet would read as a
formula or that needs quoting, ids starting with a minus sign, Hebrew and Arabic labels, and numbers only
Python prints exactly (not whole, or too large for an integer). Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from surveyapp.db import Answer, ItemKey, Response, db
from surveyapp.reporting.export_format import csv_stream
from surveyapp.reporting.exports import FORMATS, ExportOptions
from surveyapp.services.export import export_plan, iter_long_rows
from surveyapp.services.export_long import _POSTGRES, _SQLITE, _fetched, _literal

COLUMNS = ["response_id", "audience", "item", "value", "label", "skipped"]
TYPED = [
    '=HYPERLINK("http://x","click")',
    "+1 from me",
    "-2 points, really",
    "@channel",
    "\tindented",
    "\rcarriage",
    'a "quoted" word',
    "one, two",
    "line one\nline two",
    "line one\r\nline two",
    "שלום, עולם",
    "مرحبا",
    "",
    "plain",
    "'already quoted",
]


def row_by_row(survey, options: ExportOptions) -> bytes:
    plan = export_plan(survey)
    return b"".join(csv_stream(COLUMNS, iter_long_rows(plan, options.language), options))


def made_by_database(survey, options: ExportOptions) -> bytes:
    return b"".join(FORMATS["long"].write(export_plan(survey), options))


@pytest.fixture
def awkward(demo_survey):
    """The demo survey with text answers of every awkward kind, a minus-sign id and numbers Python must print."""
    plan = export_plan(demo_survey)
    text_key = next(v.name for v in plan.variables if v.kind == "item" and v.type == "string")
    ids = {text_key: db.session.scalar(select(ItemKey.id).where(ItemKey.key == text_key))}
    responses = db.session.scalars(
        select(Response.pk).where(Response.survey_id == demo_survey.id, Response.status == "submitted").order_by(Response.pk)
    ).all()
    db.session.execute(Answer.__table__.delete().where(Answer.item_key_id == ids[text_key]))
    for pk, typed in zip(responses, TYPED, strict=False):
        db.session.add(Answer(response_pk=pk, item_key_id=ids[text_key], value_text=typed, skipped=False))
    for pk, number in zip(responses[20:], (2.5, 1 / 3, 1e16, -0.0, 7.0000001, 12345678.123456789), strict=False):
        item = db.session.scalar(
            select(func.min(Answer.item_key_id)).where(Answer.response_pk == pk, Answer.value_num.is_not(None))
        )
        db.session.execute(update(Answer).where(Answer.response_pk == pk, Answer.item_key_id == item).values(value_num=number))
    db.session.execute(update(Response).where(Response.pk == responses[30]).values(id="-starts-with-minus"))
    db.session.execute(update(Response).where(Response.pk == responses[31]).values(id="=SUM(A1)"))
    db.session.commit()
    return demo_survey


def test_the_dataset_has_what_the_comparison_needs(awkward) -> None:
    lines = row_by_row(awkward, ExportOptions()).decode("utf-8")
    assert ",-9,Prefer not to answer,true\r\n" in lines
    for expected in ("'=HYPERLINK", '"line one\nline two"', ",2.5,,", ",0.333333,,", ",10000000000000000,,"):
        assert expected in lines
    for expected in ("'-starts-with-minus,", "'=SUM(A1),"):
        assert expected in lines
    wide = b"".join(FORMATS["wide"].write(export_plan(awkward), ExportOptions())).decode("utf-8")
    assert ",-8," in wide  # routing skipped pages for some respondents


@pytest.mark.parametrize(
    "options",
    [
        ExportOptions(),
        ExportOptions(raw=True),
        ExportOptions(bom=True, language="he"),
        ExportOptions(language="ar"),
        ExportOptions(raw=True, language="he"),
    ],
    ids=["safe", "raw", "bom-he", "ar", "raw-he"],
)
def test_the_database_made_file_equals_the_row_by_row_file(awkward, options: ExportOptions) -> None:
    old = row_by_row(awkward, options)
    new = made_by_database(awkward, options)
    assert new.count(b"\r\n") > 300 * 10
    assert new == old


def test_keys_that_need_care_are_written_the_same_way(awkward) -> None:
    """An item key that would need quoting or neutralising switches the key cells to the careful expression."""
    db.session.add(ItemKey(key="-odd,key"))
    db.session.commit()
    for options in (ExportOptions(), ExportOptions(raw=True)):
        assert made_by_database(awkward, options) == row_by_row(awkward, options)


@pytest.mark.parametrize("value", ["it's", "back\\slash", "100%", "%(x)s %s", "\\'; DROP TABLE answer; --", "a\r\nb\tc", ""])
def test_constants_in_the_statement_come_back_as_written(app, value: str) -> None:
    """Labels become string constants in the statement: quotes, backslashes and percent signs stay text."""
    connection = db.session.connection()
    sql = _POSTGRES if connection.dialect.name == "postgresql" else _SQLITE
    if sql is _POSTGRES:  # the old setting under which a backslash in a plain '' constant is an escape
        connection.exec_driver_sql("SET LOCAL standard_conforming_strings = off")
    assert [row[0] for rows in _fetched(connection, f"SELECT {_literal(value, sql)}") for row in rows] == [value]


def test_blocks_with_no_number_left_to_python_are_joined_as_fetched(demo_survey) -> None:
    """The demo's answers are all whole numbers and plain text: every block takes the straight join."""
    for options in (ExportOptions(), ExportOptions(raw=True, language="he")):
        assert made_by_database(demo_survey, options) == row_by_row(demo_survey, options)
