"""Small-cell protection: one rule for every chart, table, download and command.

A group below the survey's minimum cell size is hidden. When exactly one
group of a breakdown is hidden and the breakdown's total is shown, its value
could be recovered by subtraction (total minus the others), so the next
smallest group is hidden too (complementary suppression).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["FREE_TEXT_MIN_CELL", "Suppression", "suppress"]

#: free-text comments are easier to attribute than numbers: a higher floor
FREE_TEXT_MIN_CELL = 10


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Suppression:
    hidden: frozenset[str]
    too_small: frozenset[str]  # hidden because below the minimum
    complementary: frozenset[str]  # hidden only to protect another group
    min_cell: int
    #: the breakdown's total must be hidden too: a lone small group has no other group to hide with it
    total_hidden: bool = False

    def shows(self, group: str) -> bool:
        return group not in self.hidden

    def note(self, labels: Mapping[str, str] | None = None, _: Callable[[str], str] = _same) -> str | None:
        """A sentence for the page saying what was hidden and why (``_`` translates it; this module imports no
        Flask)."""
        if not self.hidden:
            return None
        name = (lambda g: labels.get(g, g)) if labels else (lambda g: g)
        parts = []
        if self.too_small:
            parts.append(
                _("%(groups)s: fewer than %(n)s responses")
                % {"groups": ", ".join(sorted(name(g) for g in self.too_small)), "n": self.min_cell}
            )
        if self.complementary:
            parts.append(
                _(
                    "%(groups)s: hidden as well, so that a smaller group cannot be worked out by subtracting figures "
                    "shown here or in other views"
                )
                % {"groups": ", ".join(sorted(name(g) for g in self.complementary))}
            )
        return _("Hidden to protect anonymity — %(reasons)s.") % {"reasons": "; ".join(parts)}


def suppress(counts: Mapping[str, int], min_cell: int, total_shown: bool = False) -> Suppression:
    """Which groups of one breakdown to hide. Groups with no responses at all reveal nothing and stay shown.

    ``total_shown``: the page also shows this breakdown's total (the overview's "All" row). Only then
    can a hidden group be recovered by subtraction, and only then is a second group hidden with it.
    """
    too_small = {g for g, n in counts.items() if 0 < n < min_cell}
    complementary: set[str] = set()
    total_hidden = False
    if total_shown and len(too_small) == 1:
        others = sorted((n, g) for g, n in counts.items() if g not in too_small and n > 0)
        if others:
            complementary.add(others[0][1])
        else:
            total_hidden = True
    return Suppression(
        frozenset(too_small | complementary), frozenset(too_small), frozenset(complementary), min_cell, total_hidden
    )
