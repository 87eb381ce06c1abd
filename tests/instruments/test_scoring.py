"""Scoring rules, as properties (hypothesis) and as worked examples."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from surveyapp.instruments import PREFER_NOT_TO_ANSWER, load_file, score_matrix, score_subscale
from surveyapp.instruments.model import Subscale
from surveyapp.instruments.scoring import recode, required_answers
from tests.instruments.helpers import MINI

MINI_INSTRUMENT = load_file(MINI)
CLARITY = MINI_INSTRUMENT.subscales[0]  # clear, unclear (reversed), valued; 1..5; min_answered 0.6

answer = st.one_of(st.integers(1, 5), st.just(None), st.just(PREFER_NOT_TO_ANSWER), st.just(9))
rows = st.lists(st.tuples(answer, answer, answer), min_size=1, max_size=30)


def as_matrix(data: list[tuple]) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)


def test_worked_example_with_reverse_key() -> None:
    score = score_subscale(MINI_INSTRUMENT, CLARITY, {"clear": 5, "unclear": 1, "valued": 4})
    assert score.value == (5 + 5 + 4) / 3
    assert (score.n_answered, score.n_items) == (3, 3)


def test_missing_codes_are_missing_not_midpoints() -> None:
    score = score_subscale(MINI_INSTRUMENT, CLARITY, {"clear": 5, "unclear": 9, "valued": PREFER_NOT_TO_ANSWER})
    assert score.value is None
    assert score.n_answered == 1
    score = score_subscale(MINI_INSTRUMENT, CLARITY, {"clear": 5, "unclear": 9, "valued": 3})
    assert score.value == 4.0


@given(st.lists(st.integers(1, 5), min_size=1, max_size=50))
def test_reverse_keying_is_an_involution(values: list[int]) -> None:
    arr = np.array(values, dtype=float)
    flags = np.ones_like(arr, dtype=bool)
    assert np.array_equal(recode(recode(arr, 1, 5, flags), 1, 5, flags), arr)


@given(rows)
def test_scores_stay_within_scale_bounds(data: list[tuple]) -> None:
    scores, _ = score_matrix(MINI_INSTRUMENT, CLARITY, as_matrix(data))
    finite = scores[~np.isnan(scores)]
    assert np.all((finite >= 1) & (finite <= 5))


@given(rows)
def test_missing_share_rule(data: list[tuple]) -> None:
    scores, answered = score_matrix(MINI_INSTRUMENT, CLARITY, as_matrix(data))
    for row, score, n in zip(data, scores, answered, strict=True):
        substantive = sum(1 for v in row if v in (1, 2, 3, 4, 5))
        assert n == substantive
        assert math.isnan(score) == (substantive < 2)  # 0.6 of 3 items -> 2, never fewer than 2


@given(st.lists(st.tuples(*[st.integers(1, 5)] * 3), min_size=1, max_size=30))
def test_mean_and_sum_agree_on_complete_data(data: list[tuple]) -> None:
    as_sum = Subscale("s", CLARITY.label, CLARITY.items, "sum", CLARITY.min_answered)
    means, _ = score_matrix(MINI_INSTRUMENT, CLARITY, as_matrix(data))
    sums, _ = score_matrix(MINI_INSTRUMENT, as_sum, as_matrix(data))
    np.testing.assert_allclose(sums, means * 3)
    for row, total in zip(data, sums, strict=True):
        plain = row[0] + (6 - row[1]) + row[2]
        assert total == plain


@settings(max_examples=200)
@given(st.integers(2, 40), st.floats(0.05, 1.0))
def test_required_answers_never_below_two_or_share(n_items: int, share: float) -> None:
    needed = required_answers(n_items, share)
    assert 2 <= needed <= n_items
    assert needed >= share * n_items - 1e-9 or needed == n_items


def test_one_response_and_many_use_the_same_path() -> None:
    answers = {"clear": 4, "unclear": 2, "valued": None}
    one = score_subscale(MINI_INSTRUMENT, CLARITY, answers).value
    many, _ = score_matrix(MINI_INSTRUMENT, CLARITY, np.array([[4, 2, np.nan]] * 3))
    assert one == many[0] == 4.0
