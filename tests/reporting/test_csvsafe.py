"""CSV writing: rows of numbers go to the writer as they are, and every row is written as cell by cell."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from surveyapp.reporting.csvsafe import FORMULA_PREFIXES, _cell, csv_chunks

cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.sampled_from([f"{p}1+2" for p in FORMULA_PREFIXES]),
)


def cell_by_cell(rows: list[list[object]], raw: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["a", "b", "c"])
    for row in rows:
        writer.writerow([_cell(v, raw) for v in row])
    return buffer.getvalue()


@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), max_size=8), raw=st.booleans())
def test_rows_are_written_as_each_cell_would_be(rows: list[list[object]], raw: bool) -> None:
    assert "".join(csv_chunks(["a", "b", "c"], rows, raw=raw, rows_per_chunk=3)) == cell_by_cell(rows, raw)


def test_formula_text_among_numbers_is_still_neutralised() -> None:
    text = "".join(csv_chunks(["id", "x", "y"], [["r1", 1, "=cmd|' /C calc'!A0"], ["r2", 2, None]]))
    assert "'=cmd" in text
    assert "r2,2,\r\n" in text
