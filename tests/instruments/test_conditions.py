"""show_if conditions are interpreted data, never code."""

from __future__ import annotations

import pytest

from surveyapp.instruments import evaluate
from surveyapp.instruments.conditions import parse


def cond(raw: dict):
    condition, problems = parse(raw)
    assert not problems
    return condition


@pytest.mark.parametrize(
    ("raw", "answers", "shown"),
    [
        ({"item": "role", "equals": 2}, {"role": 2}, True),
        ({"item": "role", "equals": 2}, {"role": 1}, False),
        ({"item": "role", "equals": 2}, {}, False),
        ({"item": "role", "in": [1, 2]}, {"role": 2}, True),
        ({"item": "tasks", "in": [3]}, {"tasks": [1, 3]}, True),
        ({"item": "tasks", "equals": 2}, {"tasks": [1, 3]}, False),
        ({"item": "years", "gte": 2}, {"years": 2}, True),
        ({"item": "years", "lt": 2}, {"years": 2}, False),
        ({"item": "years", "gt": 2}, {"years": "many"}, False),
        ({"item": "c", "answered": True}, {"c": "text"}, True),
        ({"item": "c", "answered": False}, {"c": None}, True),
        ({"item": "tasks", "answered": True}, {"tasks": []}, False),
        ({"all": [{"item": "a", "equals": 1}, {"item": "b", "equals": 1}]}, {"a": 1, "b": 1}, True),
        ({"all": [{"item": "a", "equals": 1}, {"item": "b", "equals": 1}]}, {"a": 1, "b": 2}, False),
        ({"any": [{"item": "a", "equals": 1}, {"item": "b", "equals": 1}]}, {"a": 0, "b": 1}, True),
        ({"not": {"item": "a", "equals": 1}}, {"a": 1}, False),
    ],
)
def test_evaluate(raw: dict, answers: dict, shown: bool) -> None:
    assert evaluate(cond(raw), answers) is shown


def test_no_condition_means_shown() -> None:
    assert evaluate(None, {}) is True


def test_group_operator_must_stand_alone() -> None:
    _, problems = parse({"all": [{"item": "a", "equals": 1}], "item": "b"})
    assert "must stand alone" in problems[0][1]
