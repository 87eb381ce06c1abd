"""describe(): worked against the standard library, plus the edge cases a dashboard meets."""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from surveyapp.analysis import describe
from tests.analysis.dataset import scores


def test_matches_the_standard_library() -> None:
    values = scores()["staff"]
    clean = [float(v) for v in values if not math.isnan(v)]
    result = describe(values)
    n = len(clean)
    mean, sd = statistics.fmean(clean), statistics.stdev(clean)
    q1, _, q3 = statistics.quantiles(clean, n=4, method="inclusive")  # R type 7, numpy's default
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    assert result.n == n
    assert result.mean == pytest.approx(mean, rel=1e-12)
    assert result.sd == pytest.approx(sd, rel=1e-12)
    assert result.median == pytest.approx(statistics.median(clean), rel=1e-12)
    assert (result.q1, result.q3) == (pytest.approx(q1, rel=1e-12), pytest.approx(q3, rel=1e-12))
    assert (result.ci_low, result.ci_high) == (pytest.approx(mean - half, rel=1e-12), pytest.approx(mean + half, rel=1e-12))
    assert (result.minimum, result.maximum) == (min(clean), max(clean))


def test_missing_values_are_dropped_not_zero() -> None:
    result = describe([1.0, np.nan, 3.0, None, np.inf])
    assert result.n == 2
    assert result.mean == 2.0
    assert result.minimum == 1.0


def test_wider_confidence_gives_a_wider_interval() -> None:
    narrow, wide = describe([1, 2, 3, 4, 5], 0.90), describe([1, 2, 3, 4, 5], 0.99)
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high  # type: ignore[operator]


def test_single_value_has_no_spread() -> None:
    result = describe([4])
    assert (result.n, result.mean, result.median, result.minimum, result.maximum) == (1, 4.0, 4.0, 4.0, 4.0)
    assert (result.sd, result.ci_low, result.ci_high) == (None, None, None)


def test_no_values() -> None:
    result = describe([np.nan, np.nan])
    assert result.n == 0
    assert all(v is None for k, v in asdict(result).items() if k != "n")


def test_unanimous_answers_give_a_zero_width_interval() -> None:
    result = describe([3, 3, 3])
    assert (result.sd, result.ci_low, result.ci_high) == (0.0, 3.0, 3.0)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95])
def test_confidence_must_be_a_proportion(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        describe([1, 2, 3], confidence)


@settings(derandomize=True, database=None, max_examples=60)
@given(st.lists(st.one_of(st.integers(1, 7).map(float), st.just(math.nan)), max_size=40))
def test_invariants(values: list[float]) -> None:
    result = describe(values)
    json.dumps(asdict(result), allow_nan=False)  # JSON-ready: no NaN anywhere
    if result.n:
        assert result.minimum <= result.q1 <= result.median <= result.q3 <= result.maximum  # type: ignore[operator]
        assert result.minimum <= result.mean <= result.maximum  # type: ignore[operator]
    if result.n >= 2:
        assert result.ci_low <= result.mean <= result.ci_high  # type: ignore[operator]
