"""The report's static SVG charts: numbers only (words stay in the HTML), the scale starting where the reader starts."""

from __future__ import annotations

import re

from surveyapp.reporting.report_charts import gap_bar, likert_bar, scale_axis, score_bar

GROUP = {"mean": 4.2, "ci_low": 3.9, "ci_high": 4.5, "median": 4.0, "q1": 3.2, "q3": 5.0, "p5": 2.0, "p95": 6.4}


def _rects(svg: str) -> list[tuple[float, str]]:
    return [(float(x), fill) for x, fill in re.findall(r'<rect x="([\d.]+)"[^>]*fill="(#[0-9a-f]+)"', svg)]


def test_likert_bar_starts_where_the_reader_starts() -> None:
    shares = [10.0, 20.0, 40.0, 20.0, 10.0]
    ltr, rtl = _rects(likert_bar(shares)), _rects(likert_bar(shares, rtl=True))
    assert [fill for _, fill in ltr] == [fill for _, fill in rtl]  # the same answers, in scale order
    assert ltr[0][0] < ltr[-1][0]  # "strongly disagree" at the left in English...
    assert rtl[0][0] > rtl[-1][0]  # ... and at the right in Hebrew and Arabic, like the key above it
    assert "40%" in likert_bar(shares)


def test_charts_hold_no_words_only_numbers() -> None:
    svg = str(score_bar(GROUP, 1, 7)) + str(gap_bar({"diff": -0.6, "ci_low": -0.9, "ci_high": -0.3}, 1.0))
    assert "<text" not in svg
    assert re.findall(r">([^<]+)</text>", str(scale_axis(1, 7))) == ["1", "2", "3", "4", "5", "6", "7"]
