"""Our statistics against pingouin's on the fixed data set in dataset.py.

pingouin (GPL-3, test-only) is the independent implementation. Its numbers are
stored in fixtures/reference.json by make_reference.py, so these checks run
without it; the last test re-runs pingouin when it is installed and checks the
stored numbers are still what it says. Sign and order conventions differ, and
each place where they do says so.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from surveyapp.analysis import compare_groups, perception_gap, reliability
from tests.analysis.dataset import GROUPS, ITEMS, item_matrices, pooled_items, scores

REFERENCE_PATH = Path(__file__).resolve().parent / "fixtures" / "reference.json"
REF: dict[str, Any] = json.loads(REFERENCE_PATH.read_text(encoding="utf-8"))
REL = 1e-6

THREE = compare_groups(scores())
PEER, STAFF = scores()["peer specialists"], scores()["staff"]
TWO = compare_groups({"peer specialists": PEER, "staff": STAFF})
PAIRS = {(p.a, p.b): p for p in THREE.pairs}


def close(expected: float) -> Any:
    return pytest.approx(expected, rel=REL)


def test_group_sizes_after_dropping_unscored_respondents() -> None:
    assert THREE.groups == GROUPS
    assert dict(zip(THREE.groups, THREE.n, strict=True)) == REF["three_groups"]["n"]


def test_welch_anova_matches_pingouin() -> None:
    ref = REF["three_groups"]["welch_anova"]
    assert THREE.test == "welch_anova"
    assert THREE.statistic == close(ref["F"])
    assert THREE.df1 == close(ref["ddof1"])
    assert THREE.df2 == close(ref["ddof2"])
    assert THREE.p_value == close(ref["p"])


def test_omega_squared_from_its_formula() -> None:
    """omega² = (SS_b - (k-1)·MS_w) / (SS_t + MS_w), worked by hand, on pingouin's sums of squares too."""
    samples = [s[np.isfinite(s)] for s in scores().values()]
    k, n = len(samples), sum(s.size for s in samples)
    grand = np.concatenate(samples).mean()
    ss_b = sum(s.size * (s.mean() - grand) ** 2 for s in samples)
    ss_w = sum(((s - s.mean()) ** 2).sum() for s in samples)
    ref = REF["three_groups"]["classic_anova"]
    assert ss_b == close(ref["ss_between"])
    assert ss_w == close(ref["ss_within"])
    ms_w = ss_w / (n - k)
    by_hand = (ss_b - (k - 1) * ms_w) / (ss_b + ss_w + ms_w)
    assert THREE.effect_name == "omega_squared"
    assert THREE.effect == close(by_hand)
    assert THREE.effect == close(ref["omega_squared"])


def test_kruskal_and_epsilon_squared() -> None:
    ref = REF["three_groups"]["kruskal"]
    n = sum(THREE.n)
    assert THREE.kruskal_h == close(ref["H"])
    assert THREE.kruskal_p == close(ref["p"])
    assert THREE.epsilon_squared == close(ref["H"] / (n - 1))  # epsilon²_R = H / (n - 1)
    assert THREE.epsilon_squared == close(ref["epsilon_squared"])


@pytest.mark.parametrize("row", REF["three_groups"]["games_howell"], ids=lambda r: f"{r['A']} v {r['B']}")
def test_games_howell_pairs(row: dict[str, Any]) -> None:
    """pingouin sorts groups alphabetically and reports A - B; a pair of ours reports b - a in mapping order."""
    if (row["A"], row["B"]) in PAIRS:
        pair, sign = PAIRS[(row["A"], row["B"])], -1.0
    else:
        pair, sign = PAIRS[(row["B"], row["A"])], 1.0
    assert pair.p_value == close(row["pval"])
    assert pair.diff == close(sign * row["diff"])
    # same definition as pingouin: pooled SD (ddof=1) and the 1 - 3/(4(n1+n2) - 9) correction
    assert pair.hedges_g == close(sign * row["hedges"])


@pytest.mark.parametrize("row", REF["three_groups"]["mwu_rbc"], ids=lambda r: f"{r['a']} v {r['b']}")
def test_cliffs_delta_is_pingouins_rank_biserial(row: dict[str, Any]) -> None:
    """RBC of pingouin.mwu(x=b, y=a) is P(b > a) - P(b < a), our delta for (a, b)."""
    pair = PAIRS[(row["a"], row["b"])]
    assert pair.cliffs_delta == close(row["RBC"])


def test_pairs_follow_the_mapping_order() -> None:
    assert list(PAIRS) == [
        ("peer specialists", "staff"),
        ("peer specialists", "service users"),
        ("staff", "service users"),
    ]


def test_welch_t_for_two_groups() -> None:
    ref = REF["two_groups"]  # pingouin.ttest(staff, peer): staff - peer, our b - a
    assert TWO.test == "welch_t"
    assert TWO.statistic == close(ref["T"])
    assert TWO.df1 is None
    assert TWO.df2 == close(ref["dof"])
    assert TWO.p_value == close(ref["p"])
    assert TWO.pairs[0].p_value == TWO.p_value
    assert TWO.effect_name == "cliffs_delta"
    assert TWO.effect == close(ref["rbc"])
    assert TWO.pairs[0].hedges_g == close(ref["hedges"])
    # Kruskal-Wallis on two groups is the Mann-Whitney test (no continuity correction)
    mwu = stats.mannwhitneyu(PEER[np.isfinite(PEER)], STAFF[np.isfinite(STAFF)], use_continuity=False, method="asymptotic")
    assert TWO.kruskal_p == close(mwu.pvalue)


def test_gap_matches_pingouin_ttest_interval() -> None:
    ref = REF["two_groups"]
    gap = perception_gap(PEER, STAFF, "peer specialists", "staff")
    assert gap is not None
    assert gap.ci_low is not None
    assert gap.ci_high is not None
    # pingouin rounds its CI95 to 2 decimals
    assert [round(gap.ci_low, 2), round(gap.ci_high, 2)] == ref["ci95_rounded_2dp"]
    # unrounded, against SciPy's own Welch interval
    scipy_ci = stats.ttest_ind(STAFF[np.isfinite(STAFF)], PEER[np.isfinite(PEER)], equal_var=False).confidence_interval(0.95)
    assert (gap.ci_low, gap.ci_high) == (close(scipy_ci.low), close(scipy_ci.high))
    assert gap.hedges_g == close(ref["hedges"])
    assert gap.cliffs_delta == close(ref["rbc"])
    assert gap.diff == close(np.nanmean(STAFF) - np.nanmean(PEER))  # other - self
    assert gap.label == "self_higher"  # the interval excludes 0 and the gap is over 0.5 points


@pytest.mark.parametrize("name", ["pooled", *GROUPS])
def test_cronbach_alpha_and_feldt_interval(name: str) -> None:
    ref = REF["cronbach"][name]
    matrix = pooled_items() if name == "pooled" else item_matrices()[name]
    result = reliability(matrix, ITEMS, min_n=2)
    assert result.n == ref["n"]
    assert result.alpha == close(ref["alpha"])
    assert result.alpha_ci_low is not None
    assert result.alpha_ci_high is not None
    # pingouin rounds the interval to 3 decimals
    assert [round(result.alpha_ci_low, 3), round(result.alpha_ci_high, 3)] == ref["ci_rounded_3dp"]


@pytest.mark.parametrize("name", ["pooled", *GROUPS])
def test_pingouin_listwise_interval_uses_n_before_deletion(name: str) -> None:
    """Known difference: with NaN, pingouin 0.7.0 computes alpha on complete rows but the Feldt
    interval with n = all rows, so its interval is too narrow. Ours uses the complete rows."""
    ref = REF["cronbach"][name]
    alpha, k = ref["alpha"], len(ITEMS)

    def feldt(n: int) -> list[float]:
        df1, df2 = n - 1, (n - 1) * (k - 1)
        return [round(1 - (1 - alpha) * stats.f.isf(q, df1, df2), 3) for q in (0.025, 0.975)]

    assert feldt(ref["rows"]) == ref["listwise_ci_rounded_3dp"]
    assert feldt(ref["n"]) == ref["ci_rounded_3dp"]
    assert ref["rows"] > ref["n"]


def test_item_statistics() -> None:
    ref = REF["cronbach"]["pooled"]["items"]
    result = reliability(pooled_items(), ITEMS)
    assert [s.item for s in result.items] == list(ITEMS)
    for stat in result.items:
        assert stat.alpha_if_deleted == close(ref[stat.item]["alpha_if_deleted"])
        assert stat.item_rest_r == close(ref[stat.item]["item_rest_r"])


def _assert_same(live: Any, stored: Any, path: str = "") -> None:
    if isinstance(stored, dict):
        assert set(live) == set(stored), path
        for key in stored:
            _assert_same(live[key], stored[key], f"{path}.{key}")
    elif isinstance(stored, list):
        assert len(live) == len(stored), path
        for i, (a, b) in enumerate(zip(live, stored, strict=True)):
            _assert_same(a, b, f"{path}[{i}]")
    elif isinstance(stored, float):
        assert math.isclose(live, stored, rel_tol=REL), path
    else:
        assert live == stored, path


def test_stored_reference_is_what_pingouin_says_now() -> None:
    """pingouin is a dev dependency (GPL-3, never shipped): the oracle must run, not skip."""
    from tests.analysis.make_reference import reference

    live = json.loads(json.dumps(reference()))
    live.pop("generated_by")
    stored = {k: v for k, v in REF.items() if k != "generated_by"}
    _assert_same(live, stored)


def test_games_howell_matches_scikit_posthocs() -> None:
    """The moments-based Games-Howell equals scikit-posthocs' implementation (a second oracle)."""
    import numpy as np
    import scikit_posthocs

    from surveyapp.analysis.comparisons import _games_howell

    rng = np.random.default_rng(11)
    samples = [rng.normal(3.0, 0.8, 40), rng.normal(3.4, 1.1, 25), rng.normal(3.1, 0.6, 70)]
    np.testing.assert_allclose(_games_howell(samples), scikit_posthocs.posthoc_games_howell(samples).to_numpy(), rtol=1e-9)
