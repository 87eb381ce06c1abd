"""The wide CSV reads into pandas with the right types, and Hebrew free text survives."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from surveyapp.reporting.exports import FORMATS, ExportOptions
from surveyapp.services.export import export_plan

from .conftest import HEBREW, Surveyed


@pytest.mark.parametrize("bom", [False, True])
def test_wide_csv_into_pandas(surveyed: Surveyed, bom: bool) -> None:
    plan = export_plan(surveyed.survey)
    data = b"".join(FORMATS["wide"].write(plan, ExportOptions(bom=bom)))
    assert data.startswith(b"\xef\xbb\xbf") == bom
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig" if bom else "utf-8")
    assert list(frame.columns) == [v.name for v in plan.variables]
    assert len(frame) == 40
    assert pd.api.types.is_string_dtype(frame["response_id"])
    assert frame["response_id"].str.fullmatch(r"[0-9a-f]{32}").all()
    assert frame.set_index("response_id").loc[surveyed.hebrew_response, "mini.comments"] == HEBREW
    assert pd.api.types.is_integer_dtype(frame["wave"])
    numeric = [v.name for v in plan.variables if v.kind in ("item", "option") and v.type == "integer"]
    for name in numeric:
        column = frame[name]
        assert pd.api.types.is_integer_dtype(column) or pd.api.types.is_float_dtype(column), name
        assert (column.dropna() % 1 == 0).all(), name
    assert frame["mini.clear"].isna().any()  # not answered -> NaN, not 0
    assert pd.api.types.is_float_dtype(frame["mini.clear"])
    assert (frame["mini.role"] == -8).sum() == (frame["audience"] == "peer").sum()  # not asked of peers
    assert pd.api.types.is_float_dtype(frame["mini.clarity"])
    assert frame["mini.clarity"].dropna().between(1, 5).all()
