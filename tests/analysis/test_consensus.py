"""Delphi consensus, stability and do-now gaps: hand-computed cases and properties that must hold for any ratings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveyapp.analysis.consensus import (
    DEFAULT_RULE,
    ConsensusRule,
    GapRule,
    distribution_change,
    judge_task,
    judge_tasks,
    paired_change,
    practice_gap,
    stance,
    summarise,
)

NAN = math.nan


# -- summaries ----------------------------------------------------------------------------------------------------


def test_summary_counts_dont_know_apart_and_ignores_no_answer() -> None:
    s = summarise([4, 4, 3, 3, 2, 9, NAN, -9, -8])
    assert (s.n, s.n_dont_know, s.n_answered) == (5, 1, 6)
    assert dict(s.counts) == {1: 0, 2: 1, 3: 2, 4: 2}
    assert s.share_in_role == pytest.approx(0.8)
    assert s.share_out_of_role == pytest.approx(0.2)
    assert s.share_essential == pytest.approx(0.4)
    assert s.share_dont_know == pytest.approx(1 / 6)
    # sorted 2 3 3 4 4: median the 3rd, quartiles at positions 1 and 3 (0-based)
    assert (s.median, s.q1, s.q3, s.iqr) == (3.0, 3.0, 4.0, 1.0)
    assert s.distribution() == {"1": 0.0, "2": 0.2, "3": 0.4, "4": 0.4, "dont_know": pytest.approx(1 / 6)}
    bar = s.distribution_of_answers()  # one base, everyone who answered: the shares add up to 1
    assert bar == pytest.approx({"1": 0.0, "2": 1 / 6, "3": 2 / 6, "4": 2 / 6, "dont_know": 1 / 6})
    assert sum(bar.values()) == pytest.approx(1.0)


def test_quartiles_interpolate_linearly() -> None:
    s = summarise([1, 2, 3, 4])
    assert (s.q1, s.median, s.q3, s.iqr) == (1.75, 2.5, 3.25, 1.5)


def test_nobody_rated() -> None:
    s = summarise([9, 9, NAN])
    assert (s.n, s.n_dont_know, s.median, s.iqr, s.share_in_role) == (0, 2, None, None, None)
    assert s.share_dont_know == 1.0


# -- verdicts -----------------------------------------------------------------------------------------------------


def test_included_when_every_counted_audience_agrees_and_small_audiences_are_reported() -> None:
    result = judge_task(
        "ward_rounds",
        {
            "peer": [4, 4, 4, 4, 4, 4, 3, 3],
            "staff": [4, 4, 3, 3, 3, 3, 3, 2, 2, 9],  # 7 of 9 = 78% in role; quartiles 3 and 3
            "service_user": [1, 1],  # 2 ratings: below 5, does not count
        },
    )
    assert result.verdict == "included"
    assert result.counted == ("peer", "staff")
    assert result.too_small == ("service_user",)
    assert result.for_inclusion == ("peer", "staff")
    assert result.summaries["service_user"].n == 2  # still summarised for the report
    assert not result.split


def test_exactly_seventy_percent_is_enough() -> None:
    s = summarise([3] * 7 + [2] * 3)  # sorted 2 2 2 3 ... : q1 = 2 + 0.25 * 1 = 2.25, q3 = 3
    assert (s.share_in_role, s.q1, s.q3) == (0.7, 2.25, 3.0)
    assert judge_task("t", {"peer": [3] * 7 + [2] * 3}).verdict == "included"
    assert judge_task("t", {"peer": [3] * 6 + [2] * 4}).verdict == "open"  # 60%


def test_a_wide_spread_blocks_inclusion_even_with_seventy_percent() -> None:
    ratings = [1, 1, 1, 3, 3, 4, 4, 4, 4, 4]  # 70% in role; q1 = 1 + 0.25 * 2 = 1.5, q3 = 4 -> IQR 2.5
    s = summarise(ratings)
    assert (s.q1, s.q3) == (1.5, 4.0)
    assert stance(s) == "no_consensus"
    assert judge_task("t", {"peer": ratings}).verdict == "open"
    assert judge_task("t", {"peer": ratings}, ConsensusRule(max_iqr=None)).verdict == "included"


def test_excluded_needs_every_audience_and_no_iqr_by_default() -> None:
    peers = [1, 1, 1, 2, 2, 2, 2, 4, 4, 4]  # 70% out of role, IQR 2.5
    staff = [1, 1, 1, 1, 1, 2, 2, 9]
    assert judge_task("restraint_presence", {"peer": peers, "staff": staff}).verdict == "excluded"
    assert judge_task("t", {"peer": peers, "staff": staff}, ConsensusRule(max_iqr_exclude=1)).verdict == "open"


def test_audiences_on_opposite_sides_leave_the_task_open_and_split() -> None:
    result = judge_task("medical_record", {"peer": [4, 4, 4, 4, 3], "staff": [1, 1, 2, 2, 2], "service_user": [3, 2, 3, 2, 3]})
    assert result.verdict == "open"
    assert result.for_inclusion == ("peer",)
    assert result.for_exclusion == ("staff",)
    assert result.undecided == ("service_user",)
    assert result.split


def test_no_counted_audience_or_too_few_audiences_is_open() -> None:
    small = judge_task("t", {"peer": [4, 4], "staff": [4, 4, 4]})
    assert small.verdict == "open"
    assert small.too_small == ("peer", "staff")
    two = ConsensusRule(min_audiences=2)
    assert judge_task("t", {"peer": [4] * 5, "staff": [4]}, two).verdict == "open"
    assert judge_task("t", {"peer": [4] * 5, "staff": [4] * 5}, two).verdict == "included"


def test_judge_tasks_keeps_task_order() -> None:
    results = judge_tasks({"b": {"peer": [4] * 5}, "a": {"peer": [1] * 5}})
    assert [(r.task, r.verdict) for r in results] == [("b", "included"), ("a", "excluded")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"include_share": 0.5}, "include_share must be above 0.5"),
        ({"exclude_share": 1.2}, "exclude_share must be above 0.5 and at most 1"),
        ({"max_iqr": -1}, "max_iqr must be from 0 to 3"),
        ({"min_cell_size": 0}, "at least 1"),
    ],
)
def test_rules_that_could_put_a_task_on_both_sides_are_refused(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ConsensusRule(**changes)


# -- stability ----------------------------------------------------------------------------------------------------


def test_paired_change_counts_changes_and_crossings() -> None:
    change = paired_change([4, 3, 2, 1, 9, NAN], [4, 4, 1, 3, 3, 4])
    assert (change.n_pairs, change.n_changed, change.n_crossed) == (4, 3, 1)  # 1 -> 3 crosses into the role
    assert change.share_changed == 0.75
    assert change.wilcoxon_p is None  # fewer than 10 pairs


def test_paired_test_runs_with_ten_pairs_and_needs_aligned_rounds() -> None:
    from scipy import stats

    before = [2, 2, 3, 3, 2, 3, 2, 3, 3, 2]
    after = [3, 3, 4, 4, 3, 3, 2, 4, 4, 3]
    change = paired_change(before, after)
    assert change.wilcoxon_p == pytest.approx(stats.wilcoxon(after, before).pvalue)
    assert paired_change(before, before).wilcoxon_p is None  # nobody changed: nothing to test
    with pytest.raises(ValueError, match="one entry per respondent"):
        paired_change([1, 2], [1])


def test_distribution_change_without_pairing() -> None:
    change = distribution_change([4, 4, 3, 3, 9], [4, 3, 3, 3])
    assert change.shift == pytest.approx(0.25)  # half of |0.5 - 0.25| + |0.5 - 0.75|
    assert change.p is None  # fewer than 10 per round
    assert change.stable() is False
    assert change.stable(0.25) is True


def test_mann_whitney_between_rounds() -> None:
    same = distribution_change([3] * 10 + [4] * 5, [4] * 5 + [3] * 10)
    assert (same.shift, same.p) == (0.0, pytest.approx(1.0))
    moved = distribution_change([3] * 10, [4] * 10)
    assert moved.mann_whitney_u == 0.0  # every round-1 rating below every round-2 rating
    assert moved.shift == 1.0
    assert moved.p < 0.001
    constant = distribution_change([4] * 12, [4] * 10)
    assert (constant.p, constant.stable()) == (1.0, True)


# -- do now vs should do ------------------------------------------------------------------------------------------


def test_peers_do_it_often_but_staff_say_it_is_not_their_role() -> None:
    gap = practice_gap(
        "medical_record",
        {"peer": [4, 4, 4, 3, 3], "staff": [1, 1, 2, 2, 2, 3], "service_user": [3, 3, 3, 3, 3]},
        [5, 5, 4, 4, 1, 2],  # 4 of 6 peers weekly or daily
    )
    assert gap.share_often == pytest.approx(4 / 6)
    assert gap.disputed_by == ("staff",)
    assert gap.done_but_disputed
    assert not gap.essential_but_rare


def test_essential_tasks_peers_rarely_do() -> None:
    gap = practice_gap("recovery_plan", {"peer": [4, 4, 4, 3, 4], "staff": [4, 4, 4, 4, 2]}, [1, 1, 2, 3, 5, 9])
    assert gap.share_rarely == pytest.approx(3 / 5)  # 9 is not a frequency: 5 peers answered
    assert gap.essential_but_rare
    assert gap.disputed_by == ()


def test_too_few_peers_gives_no_gap() -> None:
    gap = practice_gap("t", {"peer": [4] * 5, "staff": [1, 1]}, [5, 5, 5])
    assert gap.share_often is None
    assert gap.too_small == ("staff", "peer (how often)")
    strict = practice_gap("t", {"peer": [4] * 5}, [5, 5, 5], rule=GapRule(min_cell_size=3))
    assert strict.share_often == 1.0


# -- properties ---------------------------------------------------------------------------------------------------

CODES = st.sampled_from([1.0, 2.0, 3.0, 4.0, 9.0, NAN])
RATINGS = st.lists(CODES, min_size=0, max_size=25)
AUDIENCES = st.dictionaries(st.sampled_from(["peer", "staff", "service_user"]), RATINGS, min_size=1, max_size=3)
RULES = st.builds(
    ConsensusRule,
    include_share=st.floats(0.51, 1.0),
    exclude_share=st.floats(0.51, 1.0),
    max_iqr=st.one_of(st.none(), st.floats(0, 3)),
    max_iqr_exclude=st.one_of(st.none(), st.floats(0, 3)),
    min_cell_size=st.integers(1, 8),
    min_audiences=st.integers(1, 3),
)


@settings(derandomize=True, database=None, max_examples=200, deadline=None)
@given(AUDIENCES, RULES)
def test_no_task_and_no_audience_is_on_both_sides(ratings: dict, rule: ConsensusRule) -> None:
    result = judge_task("t", ratings, rule)
    assert result.verdict in ("included", "excluded", "open")
    if result.verdict == "included":
        assert not result.for_exclusion
        assert not result.undecided
    if result.verdict == "excluded":
        assert not result.for_inclusion
    for summary in result.summaries.values():
        inside, outside = summary.share_in_role, summary.share_out_of_role
        if inside is not None:
            assert not (inside >= rule.include_share and outside >= rule.exclude_share)


@settings(derandomize=True, database=None, max_examples=200, deadline=None)
@given(AUDIENCES, RULES, st.randoms(use_true_random=False))
def test_raising_every_rating_never_turns_inclusion_into_exclusion(ratings: dict, rule: ConsensusRule, rnd) -> None:
    def raised(values: list[float]) -> list[float]:
        return [min(4.0, v + rnd.randint(0, 3)) if v in (1.0, 2.0, 3.0, 4.0) else v for v in values]

    before = judge_task("t", ratings, rule)
    after = judge_task("t", {a: raised(v) for a, v in ratings.items()}, rule)
    if before.verdict == "included":
        assert after.verdict != "excluded"
    if before.verdict == "included" and rule.max_iqr is None:
        assert after.verdict == "included"  # without an IQR condition, inclusion is monotone


@settings(derandomize=True, database=None, max_examples=150, deadline=None)
@given(AUDIENCES, RULES, st.randoms(use_true_random=False))
def test_the_order_of_respondents_and_audiences_changes_nothing(ratings: dict, rule: ConsensusRule, rnd) -> None:
    shuffled = {}
    for audience in rnd.sample(list(ratings), len(ratings)):
        values = list(ratings[audience])
        rnd.shuffle(values)
        shuffled[audience] = values
    first, second = judge_task("t", ratings, rule), judge_task("t", shuffled, rule)
    assert first.verdict == second.verdict
    assert set(first.too_small) == set(second.too_small)
    assert {a: first.summaries[a] for a in ratings} == {a: second.summaries[a] for a in ratings}
    assert dict(first.stances) == dict(second.stances)


@settings(derandomize=True, database=None, max_examples=150, deadline=None)
@given(RATINGS, RATINGS)
def test_the_unpaired_shift_never_exceeds_the_paired_share_changed(before: list, after: list) -> None:
    n = min(len(before), len(after))
    a, b = np.array(before[:n]), np.array(after[:n])
    both = np.isin(a, [1, 2, 3, 4]) & np.isin(b, [1, 2, 3, 4])
    paired = paired_change(a[both], b[both])
    unpaired = distribution_change(a[both], b[both])
    if paired.n_pairs:
        assert unpaired.shift <= paired.share_changed + 1e-9


def test_the_documented_default_rule() -> None:
    assert (DEFAULT_RULE.include_share, DEFAULT_RULE.exclude_share, DEFAULT_RULE.max_iqr) == (0.7, 0.7, 1.0)
    assert (DEFAULT_RULE.max_iqr_exclude, DEFAULT_RULE.min_cell_size, DEFAULT_RULE.min_audiences) == (None, 5, 1)
