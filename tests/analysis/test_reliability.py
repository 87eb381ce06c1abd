"""reliability(): gating, warnings and omega; alpha's numbers are checked against pingouin in test_reference.py."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest

from surveyapp.analysis import MIN_N_FOR_RELIABILITY, cronbach_alpha, mcdonald_omega, reliability
from tests.analysis.dataset import ITEMS, pooled_items


def congeneric(n: int, loadings: list[float], seed: int = 7) -> np.ndarray:
    """Continuous items from one factor with the given standardised loadings."""
    rng = np.random.default_rng(seed)
    lam = np.asarray(loadings)
    factor = rng.normal(size=(n, 1))
    return factor * lam + rng.normal(size=(n, lam.size)) * np.sqrt(1 - lam**2)


def test_too_few_complete_cases() -> None:
    data = congeneric(35, [0.7, 0.7, 0.7])
    data[:6, 1] = np.nan  # 29 complete rows
    result = reliability(data, ["a", "b", "c"])
    assert MIN_N_FOR_RELIABILITY == 30
    assert (result.status, result.n, result.k) == ("too_few", 29, 3)
    assert (result.alpha, result.alpha_ci_low, result.alpha_ci_high, result.omega, result.items) == (None, None, None, None, ())
    assert result.warning == "insufficient n: fewer than 30 complete responses"
    assert reliability(data, ["a", "b", "c"], min_n=20).status == "ok"


def test_a_single_item_is_not_a_scale() -> None:
    result = reliability(np.ones((40, 1)), ["only"])
    assert (result.status, result.k, result.alpha) == ("too_few_items", 1, None)


def test_shape_errors() -> None:
    with pytest.raises(ValueError, match="item names"):
        reliability(np.ones((40, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="2-dimensional"):
        reliability(np.ones(40), ["a"])


def test_good_scale_with_many_respondents_has_no_warning() -> None:
    result = reliability(congeneric(300, [0.8, 0.75, 0.7, 0.7]), list("abcd"))
    assert result.status == "ok"
    assert result.n == 300
    assert result.alpha is not None
    assert result.alpha > 0.8
    assert result.alpha_ci_low < result.alpha < result.alpha_ci_high  # type: ignore[operator]
    assert result.warning is None
    json.dumps(asdict(result), allow_nan=False)


def test_warnings_for_low_alpha_small_n_and_weak_items() -> None:
    result = reliability(congeneric(60, [0.7, 0.6, 0.6, 0.1], seed=3), ["w", "x", "y", "weak"])
    assert result.alpha is not None
    assert result.alpha < 0.7
    assert result.warning is not None
    parts = result.warning.split("; ")
    assert parts[:2] == ["alpha below .70", "n under 100: wide interval"]
    assert parts[2].startswith("item-rest r below .30:")
    assert "weak" in parts[2]


def test_an_unrecoded_reverse_item_shows_as_negative_alpha() -> None:
    data = congeneric(200, [0.8, 0.8, 0.8])
    data[:, 1] *= -1  # as if the reverse-keyed item had not been recoded
    data[:, 2] *= -1
    result = reliability(data, ["a", "b_rev", "c_rev"])
    assert result.alpha is not None
    assert result.alpha < 0
    assert result.warning is not None
    assert "check that reverse-keyed items were recoded" in result.warning


def test_two_items_get_the_spearman_brown_warning() -> None:
    result = reliability(congeneric(150, [0.8, 0.8]), ["a", "b"])
    assert result.status == "ok"
    assert result.alpha is not None
    assert result.omega is None
    assert all(s.alpha_if_deleted is None for s in result.items)
    assert result.items[0].item_rest_r == pytest.approx(np.corrcoef(congeneric(150, [0.8, 0.8]), rowvar=False)[0, 1])
    assert result.warning == "two items: Spearman-Brown is the better coefficient"


def test_omega_for_three_items_equals_the_closed_form() -> None:
    """A one-factor model of 3 items is just identified: lambda_i² = r_ij·r_ik / r_jk exactly."""
    data = congeneric(500, [0.8, 0.7, 0.5], seed=11)
    r = np.corrcoef(data, rowvar=False)
    lam = np.sqrt([r[0, 1] * r[0, 2] / r[1, 2], r[0, 1] * r[1, 2] / r[0, 2], r[0, 2] * r[1, 2] / r[0, 1]])
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert mcdonald_omega(data) == pytest.approx(expected, abs=1e-4)


def test_omega_close_to_alpha_for_a_unidimensional_scale() -> None:
    result = reliability(pooled_items(), ITEMS)
    assert result.omega is not None
    assert result.alpha is not None
    assert result.omega == pytest.approx(result.alpha, abs=0.03)


def test_omega_is_none_when_it_cannot_be_computed() -> None:
    data = congeneric(100, [0.7, 0.7, 0.7])
    assert mcdonald_omega(data[:, :2]) is None  # two items
    data[:, 2] = 3.0
    assert mcdonald_omega(data) is None  # a constant item


def test_a_constant_item_has_no_item_rest_correlation() -> None:
    data = congeneric(100, [0.7, 0.7, 0.7])
    data[:, 2] = 3.0
    result = reliability(data, ["a", "b", "flat"])
    assert result.items[2].item_rest_r is None
    json.dumps(asdict(result), allow_nan=False)


def test_alpha_edge_cases() -> None:
    assert cronbach_alpha(np.full((10, 3), 2.0)) is None  # no variance in the total
    assert cronbach_alpha(np.ones((1, 3))) is None
    with_nan = np.array([[1, 2, 2], [2, 3, 3], [np.nan, 1, 1], [3, 3, 4], [4, 5, 4]], dtype=float)
    assert cronbach_alpha(with_nan) == pytest.approx(cronbach_alpha(with_nan[[0, 1, 3, 4]]))
    result = reliability(np.full((40, 3), 2.0), ["a", "b", "c"])
    assert (result.status, result.alpha, result.alpha_ci_low) == ("ok", None, None)
    assert result.warning is not None
    assert result.warning.startswith("alpha cannot be computed")
