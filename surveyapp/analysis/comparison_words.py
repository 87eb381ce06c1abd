"""A comparison of groups in one plain sentence a manager can act on (analysis.comparisons computes it).

Group names are used as the caller passes them: ``names`` maps a group's label to how it reads inside a
sentence ("staff", "those answering “Emergency room”"); the first word of a sentence is capitalised here.
``_`` translates the sentence templates (the service's gettext for the reader's language; this module imports
no Flask); without it the sentences are in English.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from .comparisons import Comparison

__all__ = ["Translate", "explain"]

Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text


def _size_words(_: Translate) -> dict[str, str]:
    return {"negligible": _("very small"), "small": _("small"), "medium": _("moderate"), "large": _("large")}


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


def explain(
    comparison: Comparison,
    subject: str,
    scale_points: int | None = None,
    names: Mapping[str, str] | None = None,
    _: Translate = _same,
) -> str:
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
            return _("No answers on %(subject)s yet, so there is nothing to compare.") % {"subject": subject}
        return _("Only %(group)s answered on %(subject)s, so there is no other group to compare with.") % {
            "group": name(comparison.groups[0]),
            "subject": subject,
        }
    if comparison.status == "too_few":
        return _too_few(comparison, subject, name, _)
    if not comparison.pairs:
        return _("No comparison of %(subject)s is available.") % {"subject": subject}

    pair = max(comparison.pairs, key=lambda pr: abs(pr.diff))
    test = "Games-Howell" if len(comparison.groups) > 2 else "Welch's t"
    if pair.diff >= 0:
        high, low, mean_high, mean_low = name(pair.b), name(pair.a), pair.mean_b, pair.mean_a
    else:
        high, low, mean_high, mean_low = name(pair.a), name(pair.b), pair.mean_a, pair.mean_b
    shown_high, shown_low = _format_means(mean_high, mean_low)
    if scale_points:
        means = _("%(high)s vs %(low)s on a 1–%(points)s scale") % {"high": shown_high, "low": shown_low, "points": scale_points}
    else:
        means = _("%(high)s vs %(low)s") % {"high": shown_high, "low": shown_low}
    values = {"high": high, "High": _capitalise(high), "low": low, "subject": subject, "means": means, "test": test}

    if pair.p_value is None:
        return (
            _("%(High)s and %(low)s rate %(subject)s %(means)s; answers within each group do not vary, so no test is possible.")
            % values
        )
    values["p"] = _format_p(pair.p_value)
    if pair.p_value >= 0.05 or math.isclose(pair.diff, 0.0, abs_tol=1e-12):
        if _overall_only(comparison):
            return _overall_without_pair(comparison, values, _)
        return (
            _("There is no clear difference in how %(high)s and %(low)s rate %(subject)s (%(means)s; %(test)s %(p)s).") % values
        )
    values["size"] = _size_words(_)[pair.magnitude]
    template = (
        _(
            "%(High)s rate %(subject)s higher than %(low)s do (%(means)s); "
            "the difference is %(size)s and unlikely to be chance (%(test)s %(p)s)."
        )
        if pair.magnitude != "negligible"
        else _(
            "%(High)s rate %(subject)s higher than %(low)s do (%(means)s); "
            "the difference is %(size)s but unlikely to be chance (%(test)s %(p)s)."
        )
    )
    return template % values


def _overall_only(comparison: Comparison) -> bool:
    """Welch's ANOVA finds a difference among three or more groups, yet no Games-Howell pair is clear."""
    return (
        comparison.test == "welch_anova"
        and comparison.p_value is not None
        and comparison.p_value < 0.05
        and all(p.p_value is None or p.p_value >= 0.05 for p in comparison.pairs)
    )


def _overall_without_pair(comparison: Comparison, values: Mapping[str, object], _: Translate) -> str:
    k = len(comparison.groups)
    return _(
        "Taken together, the %(k)s groups differ in how they rate %(subject)s (Welch's ANOVA %(overall)s), "
        "but no two groups differ clearly from each other: with %(pairs)s pairs to compare, each pair needs stronger "
        "evidence (Games-Howell), and even the largest difference, %(high)s against %(low)s (%(means)s), falls short "
        "(%(p)s). The difference is spread over several groups rather than between two."
    ) % {**values, "k": k, "pairs": k * (k - 1) // 2, "overall": _format_p(comparison.p_value or 0.0)}


def _too_few(comparison: Comparison, subject: str, name: Callable[[str], str], _: Translate) -> str:
    """Say which group stops the tests, with its size, and why: a test on so few answers would mostly report chance."""
    sizes = dict(zip(comparison.groups, comparison.n, strict=True))
    parts = []
    for index, g in enumerate(comparison.too_few):
        if g not in sizes:
            parts.append(name(g))
        elif index == 0:
            parts.append(_("%(group)s gave only %(n)s") % {"group": name(g), "n": sizes[g]})
        else:
            parts.append(_("%(group)s only %(n)s") % {"group": name(g), "n": sizes[g]})
    who = parts[0] if len(parts) == 1 else _("%(some)s and %(last)s") % {"some": ", ".join(parts[:-1]), "last": parts[-1]}
    values = {"subject": subject, "who": who, "min_n": comparison.min_n, "k": len(parts)}
    template = (
        _(
            "No groups are compared on %(subject)s, because one group is too small to test: %(who)s answers, and tests "
            "are run only when every group has at least %(min_n)s (with fewer, a difference would mostly be chance). "
            "The groups' own figures are still shown in the table."
        )
        if len(parts) == 1
        else _(
            "No groups are compared on %(subject)s, because %(k)s groups are too small to test: %(who)s answers, and "
            "tests are run only when every group has at least %(min_n)s (with fewer, a difference would mostly be "
            "chance). The groups' own figures are still shown in the table."
        )
    )
    return template % values
