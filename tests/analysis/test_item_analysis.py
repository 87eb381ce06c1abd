"""Item analysis: floor, ceiling and non-substantive shares, and the number of factors the items suggest."""

from __future__ import annotations

import numpy as np
import pytest

from surveyapp.analysis.item_analysis import exploratory_factors, item_profiles, parallel_analysis
from surveyapp.analysis.reliability import reliability


def test_shares_are_counted_among_those_asked() -> None:
    nan = np.nan
    codes = np.array(
        [
            [1, 5],
            [1, 5],
            [2, 9],  # 9: not observed
            [3, -9],  # -9: prefer not to answer
            [4, nan],
            [5, 4],
        ]
    )
    first, second = item_profiles(codes, ["a", "b"], 1, 5, {9: "not_observed"})
    assert first.n_asked == 6
    assert first.floor == pytest.approx(2 / 6)
    assert first.ceiling == pytest.approx(1 / 6)
    assert first.flags == ("floor", "ceiling")
    assert second.n_substantive == 3
    assert second.ceiling == pytest.approx(2 / 3)
    assert second.non_substantive == {
        "not_observed": pytest.approx(1 / 6),
        "prefer_not": pytest.approx(1 / 6),
        "unanswered": pytest.approx(1 / 6),
    }
    assert "often not answered" in second.flags


def test_item_rest_correlations_are_reliabilitys() -> None:
    rng = np.random.default_rng(5)
    trait = rng.normal(size=300)
    recoded = np.clip(np.round(3 + np.outer(trait, [1, 0.8, 0.9]) + rng.normal(size=(300, 3))), 1, 5)
    profiles = item_profiles(recoded, ["a", "b", "c"], 1, 5, {}, recoded)
    expected = reliability(recoded, ["a", "b", "c"]).items
    assert [p.item_rest_r for p in profiles] == [s.item_rest_r for s in expected]


def two_factor_data(n: int = 600, seed: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    eta = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=n)
    pattern = np.array([[0.8, 0], [0.7, 0], [0.75, 0], [0.7, 0], [0, 0.8], [0, 0.7], [0, 0.75], [0, 0.7]])
    return eta @ pattern.T + rng.normal(scale=0.6, size=(n, 8))


def test_parallel_analysis_finds_the_two_factors() -> None:
    count, observed, threshold = parallel_analysis(two_factor_data())
    assert count == 2
    assert observed[1] > threshold[1]
    assert observed[2] < threshold[2]


def test_efa_separates_the_two_subscales() -> None:
    names = [f"x{i}" for i in range(1, 9)]
    result = exploratory_factors(two_factor_data(), names)
    assert result.status == "ok"
    assert result.n_factors == 2
    main = [int(np.argmax(np.abs(result.loadings[name]))) for name in names]
    assert len(set(main[:4])) == 1
    assert len(set(main[4:])) == 1
    assert main[0] != main[4]


def test_efa_needs_a_hundred_responses() -> None:
    result = exploratory_factors(two_factor_data(n=80), [f"x{i}" for i in range(1, 9)])
    assert result.status == "too_few"
    assert "80 complete responses" in result.reason
