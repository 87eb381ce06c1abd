"""compare_groups() gating and edge cases, the effect-size helpers, and explain() sentences.

The numbers themselves are checked against pingouin in test_reference.py.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveyapp.analysis import MIN_N_FOR_TESTS, cliffs_delta, compare_groups, explain, hedges_g, magnitude, welch_t

# Deterministic Likert-like scores on a 1-7 scale
PEERS = np.tile([3.0, 4.0, 4.0, 5.0], 5)  # mean 4.0, n 20
STAFF_HIGH = np.tile([5.0, 5.0, 6.0, 6.0], 5)  # mean 5.5
STAFF_SAME = np.tile([3.0, 4.0, 5.0, 5.0], 5)  # mean 4.25
USERS = np.tile([4.0, 5.0, 4.0, 5.0], 4)  # mean 4.5, n 16


def json_ready(result: object) -> None:
    json.dumps(asdict(result), allow_nan=False)  # type: ignore[call-overload]


# --- gating ----------------------------------------------------------------------------------


def test_too_few_names_the_short_groups_and_runs_no_test() -> None:
    result = compare_groups({"peer specialists": PEERS[:9], "staff": STAFF_HIGH, "service users": USERS[:3]})
    assert result.status == "too_few"
    assert result.groups == ("peer specialists", "staff", "service users")
    assert result.n == (9, 20, 3)
    assert result.too_few == ("peer specialists", "service users")
    assert (result.test, result.statistic, result.p_value, result.effect, result.kruskal_h) == (None,) * 5
    assert result.pairs == ()
    assert result.min_n == MIN_N_FOR_TESTS == 10
    json_ready(result)


def test_min_n_is_the_callers_to_choose() -> None:
    groups = {"peer specialists": PEERS[:9], "staff": STAFF_HIGH}
    assert compare_groups(groups).status == "too_few"
    assert compare_groups(groups, min_n=5).status == "ok"
    with pytest.raises(ValueError, match="min_n"):
        compare_groups(groups, min_n=1)


def test_nan_is_dropped_per_group_before_counting() -> None:
    padded = np.concatenate([PEERS[:9], [np.nan, np.nan]])
    result = compare_groups({"peer specialists": padded, "staff": STAFF_HIGH})
    assert result.n == (9, 20)
    assert result.status == "too_few"
    with_nan = compare_groups({"peer specialists": np.concatenate([PEERS, [np.nan]]), "staff": STAFF_HIGH})
    assert with_nan == compare_groups({"peer specialists": PEERS, "staff": STAFF_HIGH})


def test_empty_groups_are_ignored() -> None:
    result = compare_groups({"peer specialists": [np.nan], "staff": STAFF_HIGH, "service users": []})
    assert result.status == "single_group"
    assert (result.groups, result.n, result.too_few) == (("staff",), (20,), ())
    assert compare_groups({}).status == "single_group"
    two = compare_groups({"peer specialists": PEERS, "staff": [], "service users": USERS})
    assert (two.status, two.test, two.groups) == ("ok", "welch_t", ("peer specialists", "service users"))


def test_three_groups_fill_every_field() -> None:
    result = compare_groups({"peer specialists": PEERS, "staff": STAFF_HIGH, "service users": USERS})
    assert (result.status, result.test, result.effect_name) == ("ok", "welch_anova", "omega_squared")
    assert result.df1 == 2.0
    for value in (result.statistic, result.df2, result.p_value, result.effect, result.kruskal_h, result.kruskal_p):
        assert isinstance(value, float)
    assert [(p.a, p.b) for p in result.pairs] == [
        ("peer specialists", "staff"),
        ("peer specialists", "service users"),
        ("staff", "service users"),
    ]
    first = result.pairs[0]
    assert first.diff == pytest.approx(1.5)  # staff - peers
    assert first.cliffs_delta > 0
    assert first.hedges_g > 0
    json_ready(result)


def test_a_group_with_no_spread_leaves_welch_anova_undefined_but_not_the_rest() -> None:
    result = compare_groups({"peer specialists": PEERS, "staff": STAFF_HIGH, "service users": np.full(12, 5.0)})
    assert result.status == "ok"
    assert (result.statistic, result.df1, result.df2, result.p_value) == (None, None, None, None)
    assert result.kruskal_h is not None
    assert result.effect is not None
    assert all(p.p_value is not None for p in result.pairs)  # one unanimous group still has a standard error
    json_ready(result)


def test_identical_answers_everywhere() -> None:
    result = compare_groups({"a": np.full(10, 3.0), "b": np.full(10, 3.0), "c": np.full(10, 3.0)})
    assert result.status == "ok"
    assert (result.kruskal_h, result.kruskal_p, result.epsilon_squared) == (None, None, None)
    assert all(p.p_value is None and p.hedges_g is None and p.cliffs_delta == 0.0 for p in result.pairs)
    json_ready(result)
    two = compare_groups({"a": np.full(10, 3.0), "b": np.full(10, 4.0)})
    assert (two.statistic, two.p_value, two.effect) == (None, None, 1.0)


# --- helpers -----------------------------------------------------------------------------------


def test_cliffs_delta_counts_pairs() -> None:
    # pairs (a, b): (1,2) b wins, (1,3) b wins, (2,2) tie, (2,3) b wins -> 3/4
    assert cliffs_delta([1, 2], [2, 3]) == pytest.approx(0.75)
    assert cliffs_delta([2, 3], [1, 2]) == pytest.approx(-0.75)
    assert cliffs_delta([1, 1], [1, 1]) == 0.0
    assert cliffs_delta([1, np.nan], [2]) == 1.0
    with pytest.raises(ValueError, match="at least one"):
        cliffs_delta([], [1])


values = st.one_of(st.integers(-3, 7).map(float), st.sampled_from([1 / 3, 2.5, 11 / 3, 4.25]))


@given(st.lists(values, min_size=1, max_size=30), st.lists(values, min_size=1, max_size=30))
def test_cliffs_delta_equals_counting_every_pair(a: list[float], b: list[float]) -> None:
    """Whole numbers (frequency tables) and fractional scores (binary search) both equal the pair count."""
    pairs = [(x, y) for x in a for y in b]
    expected = (sum(y > x for x, y in pairs) - sum(y < x for x, y in pairs)) / len(pairs)
    assert cliffs_delta(a, b) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("delta", "band"),
    [
        (0.0, "negligible"),
        (0.146, "negligible"),
        (0.147, "small"),
        (-0.2, "small"),
        (0.33, "medium"),
        (0.474, "large"),
        (-1, "large"),
    ],
)
def test_romano_bands(delta: float, band: str) -> None:
    assert magnitude(delta) == band


def test_hedges_g_by_hand() -> None:
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([3.0, 4.0, 5.0, 6.0, 7.0])
    pooled = np.sqrt((3 * a.var(ddof=1) + 4 * b.var(ddof=1)) / 7)
    correction = 1 - 3 / (4 * 9 - 9)
    assert hedges_g(a, b) == pytest.approx((b.mean() - a.mean()) / pooled * correction, rel=1e-12)
    assert hedges_g([2, 2], [2, 2]) is None
    assert hedges_g([1], [2]) is None


def test_welch_t_needs_two_answers_and_some_spread() -> None:
    assert welch_t([1], [1, 2, 3]) is None
    assert welch_t([2, 2], [3, 3]) is None
    t, df, p, low, high = welch_t([2, 2, 2], [1, 2, 3, 4])  # type: ignore[misc]
    assert low < 0.5 < high  # interval of mean_b - mean_a = 0.5
    assert 0 < p < 1
    assert df == pytest.approx(3.0)
    assert t > 0


@settings(derandomize=True, database=None, max_examples=60)
@given(
    st.lists(st.integers(1, 5), min_size=1, max_size=30),
    st.lists(st.integers(1, 5), min_size=1, max_size=30),
)
def test_cliffs_delta_is_antisymmetric_and_bounded(a: list[int], b: list[int]) -> None:
    delta = cliffs_delta(a, b)
    assert -1.0 <= delta <= 1.0
    assert cliffs_delta(b, a) == pytest.approx(-delta, abs=1e-12)


@settings(derandomize=True, database=None, max_examples=40, deadline=None)
@given(st.lists(st.lists(st.one_of(st.integers(1, 5).map(float), st.just(np.nan)), max_size=16), min_size=0, max_size=4))
def test_results_are_always_json_ready(groups: list[list[float]]) -> None:
    result = compare_groups({f"g{i}": g for i, g in enumerate(groups)}, min_n=3)
    json_ready(result)
    assert result.status in {"ok", "too_few", "single_group"}
    explain(result, "role clarity", 5)


# --- explain -----------------------------------------------------------------------------------


def test_explain_a_clear_difference() -> None:
    result = compare_groups({"peer specialists": PEERS, "staff": STAFF_HIGH})
    assert explain(result, "role clarity", 7) == (
        "Staff rate role clarity higher than peer specialists do (5.5 vs 4.0 on a 1–7 scale); "
        "the difference is large and unlikely to be chance (Welch's t p < .001)."
    )


def test_explain_no_clear_difference() -> None:
    result = compare_groups({"peer specialists": PEERS, "staff": STAFF_SAME})
    assert result.p_value is not None
    assert result.p_value >= 0.05
    assert explain(result, "role clarity") == (
        "There is no clear difference in how staff and peer specialists rate role clarity (4.2 vs 4.0; Welch's t p = .324)."
    )


def test_explain_uses_the_pair_with_the_largest_gap() -> None:
    result = compare_groups({"peer specialists": PEERS, "staff": STAFF_HIGH, "service users": USERS})
    assert explain(result, "role clarity", 7) == (
        "Staff rate role clarity higher than peer specialists do (5.5 vs 4.0 on a 1–7 scale); "
        "the difference is large and unlikely to be chance (Games-Howell p < .001)."
    )


def test_explain_too_few_names_the_group_its_size_and_why() -> None:
    result = compare_groups({"peer specialists": PEERS[:7], "staff": STAFF_HIGH})
    assert explain(result, "role clarity") == (
        "No groups are compared on role clarity, because one group is too small to test: peer specialists gave only "
        "7 answers, and tests are run only when every group has at least 10 (with fewer, a difference would mostly "
        "be chance). The groups' own figures are still shown in the table."
    )
    two = compare_groups({"A": PEERS[:7], "B": STAFF_HIGH[:8], "C": USERS})
    assert "2 groups are too small to test: those in A gave only 7 and those in B only 8 answers" in explain(
        two, "role clarity", names={"A": "those in A", "B": "those in B"}
    )


def _overall_but_no_pair() -> dict[str, np.ndarray]:
    """Four groups whose Welch's ANOVA is just below .05 while no Games-Howell pair is (seed found by search)."""
    rng = np.random.default_rng(15)
    means = {"peer specialists": 4.0, "staff": 4.35, "service users": 4.6, "others": 4.3}
    return {name: np.round(rng.normal(mean, 1, 30), 1) for name, mean in means.items()}


def test_explain_says_why_an_overall_difference_has_no_clear_pair() -> None:
    result = compare_groups(_overall_but_no_pair())
    assert result.p_value is not None
    assert result.p_value < 0.05
    assert all(p.p_value is not None and p.p_value >= 0.05 for p in result.pairs)
    assert explain(result, "role clarity", 7) == (
        "Taken together, the 4 groups differ in how they rate role clarity (Welch's ANOVA p = .048), but no two "
        "groups differ clearly from each other: with 6 pairs to compare, each pair needs stronger evidence "
        "(Games-Howell), and even the largest difference, service users against peer specialists (4.7 vs 4.0 on a "
        "1–7 scale), falls short (p = .051). The difference is spread over several groups rather than between two."
    )


def test_explain_uses_the_names_given_for_sentences() -> None:
    result = compare_groups({"Peer specialists": PEERS, "Staff": STAFF_HIGH})
    sentence = explain(result, "role clarity", 7, names={"Peer specialists": "peer specialists", "Staff": "staff"})
    assert sentence.startswith("Staff rate role clarity higher than peer specialists do")


def test_explain_single_group_and_nothing() -> None:
    assert explain(compare_groups({"staff": STAFF_HIGH}), "role clarity") == (
        "Only staff answered on role clarity, so there is no other group to compare with."
    )
    assert explain(compare_groups({}), "role clarity") == "No answers on role clarity yet, so there is nothing to compare."


def test_explain_shows_two_decimals_when_one_would_hide_the_difference() -> None:
    a = np.tile([4.10, 4.14], 500)  # mean 4.12
    b = np.tile([4.12, 4.16], 500)  # mean 4.14: "4.1 vs 4.1" at one decimal
    assert explain(compare_groups({"peer specialists": a, "staff": b}), "role clarity") == (
        "Staff rate role clarity higher than peer specialists do (4.14 vs 4.12); "
        "the difference is large and unlikely to be chance (Welch's t p < .001)."
    )


def test_explain_when_answers_do_not_vary() -> None:
    result = compare_groups({"peer specialists": np.full(10, 3.0), "staff": np.full(10, 4.0)})
    assert explain(result, "role clarity", 5) == (
        "Staff and peer specialists rate role clarity 4.0 vs 3.0 on a 1–5 scale; "
        "answers within each group do not vary, so no test is possible."
    )


def test_p_formatting_never_rounds_significance_away() -> None:
    from surveyapp.analysis.comparison_words import _format_p

    assert _format_p(0.0004) == "p < .001"
    assert _format_p(0.0496) == "p < .05"
    assert _format_p(0.0123) == "p = .012"
    assert _format_p(0.42) == "p = .420"


def test_explain_a_real_but_tiny_difference() -> None:
    a = np.tile([3.0, 4.0], 5000)  # half 4s
    b = np.tile([3.0, 4.0, 4.0, 4.0, 3.0, 4.0, 3.0, 4.0, 3.0, 4.0], 1000)  # 60% 4s: delta 0.1
    assert explain(compare_groups({"peer specialists": a, "staff": b}), "role clarity", 5) == (
        "Staff rate role clarity higher than peer specialists do (3.6 vs 3.5 on a 1–5 scale); "
        "the difference is very small but unlikely to be chance (Welch's t p < .001)."
    )


@settings(derandomize=True, database=None, max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(1, 25), min_size=MIN_N_FOR_TESTS, max_size=40), min_size=2, max_size=4),
    st.sampled_from([1, 3, 4, 7]),
    st.booleans(),
)
def test_ranks_and_pairs_from_counts_equal_scipy_and_counting_every_pair(
    groups: list[list[int]], items: int, nudge: bool
) -> None:
    """Scores on a grid (means of ``items`` answers) take the counting path; ``nudge`` moves one score off any grid,
    which takes scipy's ranking instead. Both must give scipy's Kruskal-Wallis and Cliff's delta of every pair."""
    from scipy import stats

    samples = [np.array(g, dtype=float) / items for g in groups]
    if nudge:
        samples[0][0] += np.pi * 1e-4
    result = compare_groups({f"g{i}": s for i, s in enumerate(samples)})
    if len({float(v) for s in samples for v in s}) == 1:
        assert result.kruskal_h is None
        return
    h, p = stats.kruskal(*samples)
    # scipy's H = 12/(N(N+1)) sum R²/n - 3(N+1) loses digits to cancellation where H is near 0 (identical groups):
    # 2e-7 against an exact 0, so the absolute tolerance
    assert result.kruskal_h == pytest.approx(h, rel=1e-9, abs=1e-6)
    assert result.kruskal_p == pytest.approx(p, rel=1e-9, abs=1e-6)
    for pair in result.pairs:
        a, b = samples[int(pair.a[1:])], samples[int(pair.b[1:])]
        by_hand = (np.sign(b[None, :] - a[:, None])).sum() / (a.size * b.size)
        assert pair.cliffs_delta == pytest.approx(by_hand, abs=1e-12)
