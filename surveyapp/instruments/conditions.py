"""``show_if`` conditions: parsed into a small tree and interpreted.

Nothing in an instrument file is ever evaluated as code. A condition is
data (``{item: role, in: [1, 2]}``); :func:`evaluate` walks it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["All", "AnyOf", "Compare", "Condition", "Not", "evaluate", "referenced_items"]

COMPARISONS: Mapping[str, Callable[[Any, Any], bool]] = {
    "equals": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
LEAF_OPERATORS = (*COMPARISONS, "in", "answered")
GROUP_OPERATORS = ("all", "any", "not")


@dataclass(frozen=True)
class Compare:
    item: str
    op: str  # equals | in | gt | gte | lt | lte | answered
    value: Any


@dataclass(frozen=True)
class All:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = Compare | All | AnyOf | Not


def evaluate(condition: Condition | None, answers: Mapping[str, Any]) -> bool:
    """Whether an item with this condition is shown, given earlier answers.

    ``answers`` maps item id to the stored value: an int or float, a string,
    a list of ints (multi), or None when unanswered or skipped ("prefer not to
    answer" is stored as None here by the caller).
    """
    if condition is None:
        return True
    if isinstance(condition, All):
        return all(evaluate(part, answers) for part in condition.parts)
    if isinstance(condition, AnyOf):
        return any(evaluate(part, answers) for part in condition.parts)
    if isinstance(condition, Not):
        return not evaluate(condition.part, answers)
    value = answers.get(condition.item)
    if condition.op == "answered":
        return (value is not None and value != []) == bool(condition.value)
    if value is None:
        return False
    values = value if isinstance(value, list) else [value]
    if condition.op == "in":
        return any(v in condition.value for v in values)
    compare = COMPARISONS[condition.op]
    try:
        return any(compare(v, condition.value) for v in values)
    except TypeError:  # text compared with a number: not shown, never a crash
        return False


def referenced_items(condition: Condition | None) -> list[str]:
    if condition is None:
        return []
    if isinstance(condition, Compare):
        return [condition.item]
    if isinstance(condition, Not):
        return referenced_items(condition.part)
    return [ref for part in condition.parts for ref in referenced_items(part)]


def parse(raw: Mapping[str, Any]) -> tuple[Condition | None, list[tuple[tuple[str | int, ...], str, str]]]:
    """Build a condition from its YAML form.

    Returns the condition (None if it cannot be built) and a list of
    ``(relative path, message, fix)`` for each problem.
    """
    problems: list[tuple[tuple[str | int, ...], str, str]] = []
    condition = _parse(raw, (), problems)
    return (condition if not problems else None), problems


def _parse(raw: Mapping[str, Any], path: tuple[str | int, ...], problems: list) -> Condition | None:
    keys = set(raw)
    groups = keys & set(GROUP_OPERATORS)
    if groups:
        if len(keys) != 1:
            problems.append(
                (
                    path,
                    f"'{sorted(groups)[0]}' must stand alone in its condition, found also {sorted(keys - groups)}",
                    "nest the other parts inside it, e.g. {all: [{item: a, equals: 1}, {item: b, equals: 2}]}",
                )
            )
            return None
        op = groups.pop()
        if op == "not":
            part = _parse(raw["not"], (*path, "not"), problems)
            return Not(part) if part is not None else None
        parts = [_parse(sub, (*path, op, i), problems) for i, sub in enumerate(raw[op])]
        if any(p is None for p in parts):
            return None
        return All(tuple(parts)) if op == "all" else AnyOf(tuple(parts))  # type: ignore[arg-type]
    if "item" not in raw:
        problems.append((path, "a condition needs 'item' (or 'all', 'any', 'not')", "write e.g. {item: role, equals: 1}"))
        return None
    ops = [k for k in raw if k != "item"]
    if len(ops) != 1:
        problems.append(
            (
                path,
                f"a condition on an item needs exactly one test, found {ops or 'none'}",
                f"use one of {', '.join(LEAF_OPERATORS)}; combine tests with all/any",
            )
        )
        return None
    return Compare(raw["item"], ops[0], raw[ops[0]])


def to_data(condition: Condition, rename: Callable[[str], str]) -> dict[str, Any]:
    """The condition as plain data (for the page's script), item ids passed through ``rename``."""
    if isinstance(condition, All):
        return {"all": [to_data(p, rename) for p in condition.parts]}
    if isinstance(condition, AnyOf):
        return {"any": [to_data(p, rename) for p in condition.parts]}
    if isinstance(condition, Not):
        return {"not": to_data(condition.part, rename)}
    return {"item": rename(condition.item), condition.op: condition.value}
