"""The real demo survey (every shipped instrument): the data package validates and SPSS names are legal."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pyreadstat
import pytest
from frictionless import validate

from surveyapp.reporting.exports import FORMATS, ExportOptions
from surveyapp.services.demo import DEMO_SPEC, add_synthetic_responses
from surveyapp.services.export import ExportPlan, export_plan
from surveyapp.services.surveys import create_survey

from ..conftest import ROOT
from .conftest import NOW


@pytest.fixture
def demo_plan(app) -> ExportPlan:
    survey = create_survey(DEMO_SPEC.read_text(encoding="utf-8"), DEMO_SPEC.name, ROOT / "instruments", NOW, None)
    add_synthetic_responses(survey, 120, NOW)
    return export_plan(survey)


def test_demo_data_package_is_valid(demo_plan: ExportPlan, tmp_path: Path) -> None:
    data = b"".join(FORMATS["datapackage"].write(demo_plan, ExportOptions()))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    assert report.tasks[0].stats["rows"] == 120


def test_demo_sav_has_legal_names_and_every_label(demo_plan: ExportPlan, tmp_path: Path) -> None:
    path = tmp_path / "demo.sav"
    path.write_bytes(b"".join(FORMATS["spss"].write(demo_plan, ExportOptions())))
    frame, meta = pyreadstat.read_sav(path, user_missing=True)
    assert len(frame) == 120
    assert len(meta.column_names) == len(demo_plan.variables)
    for name in meta.column_names:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", name), name
    assert len({n.lower() for n in meta.column_names}) == len(meta.column_names)
    for name, variable in zip(meta.column_names, demo_plan.variables, strict=True):
        label = meta.column_names_to_labels[name]
        assert label, name
        assert len(label.encode()) <= 256
        if variable.values:
            assert set(meta.variable_value_labels[name]) == {float(c) for c, _ in variable.values}


def test_demo_codebook_page_lists_every_instrument(demo_plan: ExportPlan) -> None:
    page = b"".join(FORMATS["codebook-html"].write(demo_plan, ExportOptions())).decode("utf-8")
    for instrument in demo_plan.instruments:
        assert f'id="instrument-{instrument.id}"' in page
        assert instrument.content_hash in page
