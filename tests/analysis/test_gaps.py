"""perception_gap(): the label rule of research 7.3 on constructed data, and the sign conventions."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest

from surveyapp.analysis import GAP_LABELS, perception_gap

SELF = np.tile([3.0, 4.0], 50)  # peers about themselves: mean 3.5, SD ~0.5, n 100


def gap_label(self_values: np.ndarray, other_values: np.ndarray, min_gap: float = 0.5) -> str:
    gap = perception_gap(self_values, other_values, "peer specialists", "staff", min_gap=min_gap)
    assert gap is not None
    json.dumps(asdict(gap), allow_nan=False)
    assert gap.label in GAP_LABELS
    return gap.label


def test_others_higher_sign_conventions() -> None:
    gap = perception_gap(SELF, SELF + 1.0, "peer specialists", "staff")
    assert gap is not None
    assert (gap.self_group, gap.other_group, gap.n_self, gap.n_other) == ("peer specialists", "staff", 100, 100)
    assert (gap.mean_self, gap.mean_other, gap.diff) == (3.5, 4.5, 1.0)  # diff = other - self
    assert gap.ci_low is not None
    assert gap.ci_high is not None
    assert 0.0 < gap.ci_low < 1.0 < gap.ci_high
    assert gap.hedges_g is not None
    assert gap.hedges_g > 0
    assert gap.cliffs_delta == pytest.approx(0.75)  # other beats self in 3 of 4 pairings, ties in 1
    assert gap.label == "others_higher"


def test_self_higher() -> None:
    assert gap_label(SELF, SELF - 1.0) == "self_higher"


def test_a_gap_of_exactly_min_gap_counts() -> None:
    assert gap_label(SELF, SELF + 0.5) == "others_higher"


def test_aligned_needs_the_whole_interval_inside_min_gap() -> None:
    assert gap_label(SELF, SELF) == "aligned"
    assert gap_label(SELF, SELF + 0.1) == "aligned"


def test_a_small_but_real_gap_is_still_aligned() -> None:
    big = np.tile([3.0, 4.0], 500)
    gap = perception_gap(big, big + 0.3, "peer specialists", "staff")
    assert gap is not None
    assert gap.ci_low is not None
    assert gap.ci_high is not None
    assert gap.ci_low > 0.0  # excludes 0...
    assert gap.ci_high < 0.5  # ...but lies inside the practical band
    assert gap.label == "aligned"


def test_unclear_when_the_interval_straddles_min_gap() -> None:
    big = np.tile([3.0, 4.0], 100)
    gap = perception_gap(big, big + 0.45, "peer specialists", "staff")
    assert gap is not None
    assert gap.ci_low is not None
    assert gap.ci_high is not None
    assert 0.0 < gap.ci_low < 0.5 < gap.ci_high
    assert gap.label == "unclear"


def test_unclear_when_a_large_gap_is_not_clear_of_zero() -> None:
    few_self, few_other = np.array([1.0, 5.0, 2.0, 4.0]), np.array([2.0, 5.0, 5.0, 3.0, 5.0])
    gap = perception_gap(few_self, few_other, "peer specialists", "service users")
    assert gap is not None
    assert gap.diff >= 0.5
    assert gap.ci_low is not None
    assert gap.ci_low < 0.0
    assert gap.label == "unclear"


def test_min_gap_is_in_scale_points() -> None:
    assert gap_label(SELF, SELF + 0.5, min_gap=1.0) == "aligned"  # the whole interval lies within 1 point
    assert gap_label(SELF, SELF + 0.5, min_gap=0.2) == "others_higher"
    with pytest.raises(ValueError, match="min_gap"):
        perception_gap(SELF, SELF, "a", "b", min_gap=0)


def test_too_few_answers_give_no_gap() -> None:
    assert perception_gap([4.0], SELF, "peer specialists", "staff") is None
    assert perception_gap(SELF, [4.0, np.nan], "peer specialists", "staff") is None
    assert perception_gap([np.nan, 3.0, 4.0], [4.0, 5.0], "peer specialists", "staff") is not None


def test_nan_is_dropped() -> None:
    with_nan = perception_gap(np.append(SELF, np.nan), SELF + 1.0, "peer specialists", "staff")
    assert with_nan == perception_gap(SELF, SELF + 1.0, "peer specialists", "staff")


def test_no_spread_on_either_side_has_no_interval() -> None:
    gap = perception_gap([4.0, 4.0, 4.0], [5.0, 5.0], "peer specialists", "staff")
    assert gap is not None
    assert (gap.diff, gap.ci_low, gap.ci_high, gap.hedges_g, gap.cliffs_delta) == (1.0, None, None, None, 1.0)
    assert gap.label == "unclear"


def test_wider_confidence_can_only_make_a_label_less_certain() -> None:
    big = np.tile([3.0, 4.0], 100)
    g95 = perception_gap(big, big + 0.6, "a", "b")
    g999 = perception_gap(big, big + 0.6, "a", "b", confidence=0.999)
    assert g95 is not None
    assert g999 is not None
    assert g999.ci_low < g95.ci_low  # type: ignore[operator]
