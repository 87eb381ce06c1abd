"""Role tasks in every research export: wide, long, codebook (CSV and HTML), data package, SPSS, and back in by import."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pyreadstat
import pytest

from surveyapp.reporting.exports import FORMATS, ExportOptions
from surveyapp.services.demo import add_synthetic_responses
from surveyapp.services.export import export_plan
from surveyapp.services.importing import import_responses

from .conftest import NOW


@pytest.fixture
def task_survey(make_survey):
    survey = make_survey(slug="role-tasks", instruments=["tasks-mini"], audiences=["peer", "staff", "service_user"])
    add_synthetic_responses(survey, 30, NOW)
    return survey


def _bytes(survey, fmt: str, **options: object) -> bytes:
    return b"".join(FORMATS[fmt].write(export_plan(survey), ExportOptions(**options)))


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))


def test_wide_has_a_column_per_question_and_not_shown_for_staff_frequency(task_survey) -> None:
    table = _rows(_bytes(task_survey, "wide"))
    columns = list(table[0])
    assert columns[6:] == [
        "tasks-mini.listen",
        "tasks-mini.listen_now",
        "tasks-mini.listen_note",
        "tasks-mini.rounds",
        "tasks-mini.rounds_now",
        "tasks-mini.rounds_note",
        "tasks-mini.records",
        "tasks-mini.records_now",
        "tasks-mini.missing",
    ]  # no subscale scores: tasks are not scored
    staff = [r for r in table if r["audience"] == "staff"]
    assert staff
    assert all(r["tasks-mini.listen_now"] == "-8" for r in staff)
    users = [r for r in table if r["audience"] == "service_user"]
    assert users
    assert all(r["tasks-mini.records"] == "-8" for r in users)
    assert {r["tasks-mini.listen"] for r in table} <= {"1", "2", "3", "4", "9", ""}


def test_codebook_names_task_part_and_domain(task_survey) -> None:
    codebook = {r["name"]: r for r in _rows(_bytes(task_survey, "codebook"))}
    rating = codebook["tasks-mini.listen"]
    assert (rating["task"], rating["task_part"], rating["domain"]) == ("listen", "role", "one_to_one")
    expected = "1=Should not be done by peers; 2=Not appropriate; 3=Appropriate; 4=Essential; 9=Don't know"
    assert rating["values"].startswith(expected)
    assert json.loads(rating["missing_codes"]) == [9, -9, -8]
    assert rating["subscales"] == ""
    assert codebook["tasks-mini.rounds_now"]["task_part"] == "frequency"
    assert codebook["tasks-mini.rounds_note"]["task_part"] == "comment"
    assert codebook["response_id"]["task"] == ""


def test_long_holds_every_task_answer(task_survey) -> None:
    long_rows = _rows(_bytes(task_survey, "long"))
    now = [r for r in long_rows if r["item"] == "tasks-mini.listen_now"]
    assert now
    assert {r["audience"] for r in now} == {"peer"}
    labels = {r["value"]: r["label"] for r in long_rows if r["item"] == "tasks-mini.listen"}
    assert labels.get("9", "Don't know") == "Don't know"
    assert labels.get("4", "Essential") == "Essential"


def test_data_package_and_html_codebook_describe_tasks(task_survey, tmp_path: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(_bytes(task_survey, "datapackage"))) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
    fields = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    listen = fields["tasks-mini.listen"]
    assert listen["peerscope:task"] == {
        "id": "listen",
        "part": "role",
        "domain": "one_to_one",
        "domainTitle": {"en": "One-to-one support", "he": "ליווי אישי"},
    }
    assert "Role task listen, domain one_to_one (One-to-one support)" in listen["description"]
    assert sorted(listen["constraints"]["enum"]) == [-9, -8, 1, 2, 3, 4, 9]
    page = _bytes(task_survey, "codebook-html").decode("utf-8")
    assert "role task listen (One-to-one support): frequency" in page


def test_spss_labels_task_columns(task_survey, tmp_path: Path) -> None:
    path = tmp_path / "tasks.sav"
    path.write_bytes(_bytes(task_survey, "spss"))
    _, meta = pyreadstat.read_sav(str(path))
    name = "tasks_mini_listen"
    assert name in meta.column_names
    assert meta.variable_value_labels[name][4.0] == "Essential"
    assert meta.variable_value_labels[name][9.0] == "Don't know"
    assert meta.variable_measure[name] == "ordinal"
    assert any("Role tasks:" in note for note in meta.notes)


def test_an_exported_file_imports_back(task_survey, make_survey) -> None:
    again = make_survey(slug="role-tasks-copy", instruments=["tasks-mini"], audiences=["peer", "staff", "service_user"])
    table = _rows(_bytes(task_survey, "wide"))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(table[0]))
    writer.writeheader()
    writer.writerows({**row, "response_id": ""} for row in table)  # into another survey: new ids
    wide = out.getvalue()
    report = import_responses(again, wide, NOW, None)
    assert report.ok, report
    copied = _rows(_bytes(again, "wide"))
    assert len(copied) == 30
    key = ["tasks-mini.listen", "tasks-mini.listen_now", "tasks-mini.rounds_note"]
    assert sorted(tuple(r[k] for k in key) for r in copied) == sorted(tuple(r[k] for k in key) for r in table)
