"""A comparison of groups in one plain sentence a manager can act on (analysis.comparisons computes it).

Group names are used as the caller passes them: ``names`` maps a group's label to how it reads inside a
sentence ("staff", "those answering “Emergency room”"); the first word of a sentence is capitalised here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from .comparisons import Comparison

__all__ = ["explain"]

_SIZE_WORDS = {"negligible": "very small", "small": "small", "medium": "moderate", "large": "large"}


def _format_p(p: float) -> str:
    """APA style without the leading zero; never rounds a p under .05 up to '.050'."""
    if p < 0.001:
        return "p < .001"
    text = f"{p:.3f}"
    if p < 0.05 and text == "0.050":
        return "p < .05"
    return "p = " + text.removeprefix("0")


def _format_means(x: float, y: float) -> tuple[str, str]:
    """One decimal, or two when one decimal would print a real difference as '4.1 vs 4.1'."""
    for digits in (1, 2):
        fx, fy = f"{x:.{digits}f}", f"{y:.{digits}f}"
        if fx != fy or x == y:
            return fx, fy
    return fx, fy


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def explain(comparison: Comparison, subject: str, scale_points: int | None = None, names: Mapping[str, str] | None = None) -> str:
    """One sentence a manager can act on, e.g. "Staff rate role clarity higher than peer specialists do
    (4.9 vs 4.1 on a 1–7 scale); the difference is large and unlikely to be chance (p < .001)."

    Speaks about the pair with the largest raw difference, because that is what a reader
    looks for first; its p-value is the pair's (Games-Howell or Welch). Where the groups
    differ taken together but no pair does, or one small group stops every test, it says why.
    """

    def name(group: str) -> str:
        return names.get(group, group) if names else group

    if comparison.status == "single_group":
        if not comparison.groups:
            return f"No answers on {subject} yet, so there is nothing to compare."
        return f"Only {name(comparison.groups[0])} answered on {subject}, so there is no other group to compare with."
    if comparison.status == "too_few":
        return _too_few(comparison, subject, name)
    if not comparison.pairs:
        return f"No comparison of {subject} is available."

    pair = max(comparison.pairs, key=lambda pr: abs(pr.diff))
    test = "Games-Howell" if len(comparison.groups) > 2 else "Welch's t"
    if pair.diff >= 0:
        high, low, mean_high, mean_low = name(pair.b), name(pair.a), pair.mean_b, pair.mean_a
    else:
        high, low, mean_high, mean_low = name(pair.a), name(pair.b), pair.mean_a, pair.mean_b
    shown_high, shown_low = _format_means(mean_high, mean_low)
    scale = f" on a 1–{scale_points} scale" if scale_points else ""
    means = f"{shown_high} vs {shown_low}{scale}"

    if pair.p_value is None:
        return (
            f"{_capitalise(high)} and {low} rate {subject} {means}; "
            "answers within each group do not vary, so no test is possible."
        )
    if pair.p_value >= 0.05 or math.isclose(pair.diff, 0.0, abs_tol=1e-12):
        if _overall_only(comparison):
            return _overall_without_pair(comparison, subject, high, low, means, pair.p_value)
        return f"There is no clear difference in how {high} and {low} rate {subject} ({means}; {test} {_format_p(pair.p_value)})."
    size = _SIZE_WORDS[pair.magnitude]
    joiner = "and" if pair.magnitude != "negligible" else "but"
    return (
        f"{_capitalise(high)} rate {subject} higher than {low} do ({means}); "
        f"the difference is {size} {joiner} unlikely to be chance ({test} {_format_p(pair.p_value)})."
    )


def _overall_only(comparison: Comparison) -> bool:
    """Welch's ANOVA finds a difference among three or more groups, yet no Games-Howell pair is clear."""
    return (
        comparison.test == "welch_anova"
        and comparison.p_value is not None
        and comparison.p_value < 0.05
        and all(p.p_value is None or p.p_value >= 0.05 for p in comparison.pairs)
    )


def _overall_without_pair(comparison: Comparison, subject: str, high: str, low: str, means: str, pair_p: float) -> str:
    k = len(comparison.groups)
    pairs = k * (k - 1) // 2
    overall = _format_p(comparison.p_value or 0.0)
    return (
        f"Taken together, the {k} groups differ in how they rate {subject} (Welch's ANOVA {overall}), "
        f"but no two groups differ clearly from each other: with {pairs} pairs to compare, each pair needs stronger "
        f"evidence (Games-Howell), and even the largest difference, {high} against {low} ({means}), falls short "
        f"({_format_p(pair_p)}). The difference is spread over several groups rather than between two."
    )


def _too_few(comparison: Comparison, subject: str, name: Callable[[str], str]) -> str:
    """Say which group stops the tests, with its size, and why: a test on so few answers would mostly report chance."""
    sizes = dict(zip(comparison.groups, comparison.n, strict=True))
    parts = [f"{name(g)} only {sizes[g]}" if g in sizes else name(g) for g in comparison.too_few]
    first, rest = parts[0].replace(" only ", " gave only ", 1), parts[1:]
    who = first if not rest else f"{', '.join([first, *rest[:-1]])} and {rest[-1]}"
    groups = "one group is" if len(parts) == 1 else f"{len(parts)} groups are"
    return (
        f"No groups are compared on {subject}, because {groups} too small to test: {who} answers, and tests are run "
        f"only when every group has at least {comparison.min_n} (with fewer, a difference would mostly be chance). "
        "The groups' own figures are still shown in the table."
    )
