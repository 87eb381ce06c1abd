"""The Frictionless data package: a ZIP of datapackage.json and the wide CSV, valid under `frictionless validate`."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from frictionless import validate

from surveyapp.reporting.exports import FORMATS, ExportOptions
from surveyapp.services.export import export_plan, iter_wide_rows

from .conftest import FORMULA, HEBREW, Surveyed


def _export(surveyed: Surveyed, options: ExportOptions | None = None) -> bytes:
    return b"".join(FORMATS["datapackage"].write(export_plan(surveyed.survey), options or ExportOptions()))


def _unzip(data: bytes, target: Path) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        archive.extractall(target)
    return json.loads((target / "datapackage.json").read_text(encoding="utf-8"))


def _fields(descriptor: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}


def test_registered() -> None:
    fmt = FORMATS["datapackage"]
    assert fmt.mimetype == "application/zip"
    assert fmt.filename.format(slug="s") == "s-datapackage.zip"


def test_package_is_valid_under_frictionless(surveyed: Surveyed, tmp_path: Path) -> None:
    descriptor = _unzip(_export(surveyed), tmp_path)
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.stats["tasks"] == 1
    assert report.tasks[0].stats["rows"] == 40
    assert not report.warnings
    resource = descriptor["resources"][0]
    assert resource["path"] == "data/mini-survey-wide.csv"
    assert resource["profile"] == "tabular-data-resource"
    assert (resource["format"], resource["encoding"]) == ("csv", "utf-8")
    assert resource["hash"].startswith("sha256:")


def test_schema_has_every_wide_column_in_order(surveyed: Surveyed, tmp_path: Path) -> None:
    descriptor = _unzip(_export(surveyed), tmp_path)
    plan = export_plan(surveyed.survey)
    schema = descriptor["resources"][0]["schema"]
    assert [f["name"] for f in schema["fields"]] == [v.name for v in plan.variables]
    assert schema["missingValues"] == [""]
    with (tmp_path / "data" / "mini-survey-wide.csv").open(encoding="utf-8", newline="") as source:
        assert next(csv.reader(source)) == [v.name for v in plan.variables]


def test_fields_carry_the_codebook(surveyed: Surveyed, tmp_path: Path) -> None:
    descriptor = _unzip(_export(surveyed), tmp_path)
    fields = _fields(descriptor)
    clear = fields["mini.clear"]
    assert clear["type"] == "integer"
    assert clear["title"] == "I know my tasks."
    assert sorted(clear["constraints"]["enum"]) == [-9, -8, 1, 2, 3, 4, 5, 9]
    assert "[he] אני יודע/ת מה המשימות שלי." in clear["description"]
    assert "Peers know their tasks." in clear["description"]  # the staff wording
    assert clear["peerscope:missing"] == [9, -9, -8]
    assert clear["peerscope:reverseKeyed"] is False
    assert fields["mini.unclear"]["peerscope:reverseKeyed"] is True
    assert {"value": -9, "labels": {"en": "Prefer not to answer", "he": "מעדיף/ה לא לענות"}} in clear["peerscope:values"]
    years = fields["mini.years"]  # a free number: no constraints (-9/-8 lie outside 0-50)
    assert years["type"] == "integer"
    assert "constraints" not in years
    assert years["peerscope:range"] == {"minimum": 0, "maximum": 50}
    assert fields["mini.tasks.2"]["constraints"]["enum"] == [1, 0, -9, -8]
    assert fields["mini.comments"]["type"] == "string"
    assert fields["submitted"]["type"] == "date"
    score = fields["mini.clarity"]
    assert score["type"] == "number"
    assert "mean of 3 items" in score["description"]
    assert "constraints" not in score


def test_package_metadata(surveyed: Surveyed, tmp_path: Path) -> None:
    descriptor = _unzip(_export(surveyed), tmp_path)
    assert descriptor["name"] == "mini-survey"
    assert descriptor["title"] == "Mini survey"
    assert "Anonymity mode: anonymous" in descriptor["description"]
    assert descriptor["created"].endswith("Z")
    assert "licenses" not in descriptor
    [instrument] = descriptor["peerscope:instruments"]
    assert instrument["id"] == "mini"
    assert instrument["version"] == "1.0.0"
    assert len(instrument["contentHash"]) == 64


def test_csv_is_codes_utf8_without_bom_and_neutralised(surveyed: Surveyed, tmp_path: Path) -> None:
    _unzip(_export(surveyed, ExportOptions(labels=True, bom=True)), tmp_path)  # labels and BOM are ignored here
    raw = (tmp_path / "data" / "mini-survey-wide.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = {r["response_id"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8")))}
    assert rows[surveyed.hebrew_response]["mini.comments"] == HEBREW
    assert rows[surveyed.formula_response]["mini.comments"] == "'" + FORMULA
    expected = {row[0]: row for row in iter_wide_rows(export_plan(surveyed.survey))}
    for response_id, row in rows.items():
        assert row["mini.clear"] == ("" if expected[response_id][6] is None else str(expected[response_id][6]))


def test_raw_option_keeps_text_verbatim(surveyed: Surveyed, tmp_path: Path) -> None:
    _unzip(_export(surveyed, ExportOptions(raw=True)), tmp_path)
    with (tmp_path / "data" / "mini-survey-wide.csv").open(encoding="utf-8", newline="") as source:
        rows = {r["response_id"]: r for r in csv.DictReader(source)}
    assert rows[surveyed.formula_response]["mini.comments"] == FORMULA


def test_a_code_outside_the_codebook_fails_validation(surveyed: Surveyed, tmp_path: Path) -> None:
    """The schema is not vacuous: a 7 on a 1-5 scale is reported."""
    descriptor = _unzip(_export(surveyed), tmp_path)
    path = tmp_path / "data" / "mini-survey-wide.csv"
    with path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    rows[1][6] = "7"
    with path.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target, lineterminator="\r\n").writerows(rows)
    resource = descriptor["resources"][0]
    del resource["hash"], resource["bytes"]
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = validate(tmp_path / "datapackage.json")
    assert not report.valid
    assert report.flatten(["rowNumber", "fieldName", "type"]) == [[2, "mini.clear", "constraint-error"]]


def test_identified_survey_has_submission_datetimes(surveyed_identified: Surveyed, tmp_path: Path) -> None:
    descriptor = _unzip(_export(surveyed_identified), tmp_path)
    assert _fields(descriptor)["submitted"]["type"] == "datetime"
    assert "Anonymity mode: identified" in descriptor["description"]
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_export_command_writes_the_zip(surveyed: Surveyed, runner, tmp_path: Path) -> None:
    out = tmp_path / "package.zip"
    result = runner.invoke(args=["export", "mini-survey", "--format", "datapackage", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["data/mini-survey-wide.csv", "datapackage.json"]


def test_stream_starts_before_the_end(surveyed: Surveyed) -> None:
    """The ZIP is yielded as it is built (data descriptors), not assembled whole first."""
    chunks = list(FORMATS["datapackage"].write(export_plan(surveyed.survey), ExportOptions()))
    assert len(chunks) >= 2
    assert chunks[0].startswith(b"PK\x03\x04")


def test_a_survey_without_responses_exports_every_format(make_survey, tmp_path: Path) -> None:
    import pyreadstat

    plan = export_plan(make_survey())
    _unzip(b"".join(FORMATS["datapackage"].write(plan, ExportOptions())), tmp_path)
    assert validate(tmp_path / "datapackage.json").valid
    sav = tmp_path / "empty.sav"
    sav.write_bytes(b"".join(FORMATS["spss"].write(plan, ExportOptions())))
    frame, meta = pyreadstat.read_sav(sav)
    assert len(frame) == 0
    assert meta.column_names_to_labels["mini_clear"] == "mini.clear: [peer] I know my tasks. | [staff] Peers know their tasks."
    assert b"mini.clear" in b"".join(FORMATS["codebook-html"].write(plan, ExportOptions()))
