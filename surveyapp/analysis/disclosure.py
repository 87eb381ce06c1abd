"""Which cells of a survey's whole family of aggregates may be published, so that none can be subtracted out.

A manager can ask for many views of one survey (compare by audience, by any
single-choice question, among one audience or all, and download each table).
Every figure in those views is computed over one *cell*: a set of
respondents such as "staff", "men among peers" or "unit B among everyone
asked this item". Hiding each small cell on its own page is not enough: the
figures of two or three shown cells can be subtracted ("all men" minus "men
among staff" minus "men among service users" = "men among peers"), and a
breakdown's total minus its shown groups gives its hidden groups.

:func:`protect` decides once, for the whole family, which cells are hidden:

* a cell with 1 to ``min_cell - 1`` respondents is hidden (*too small*);
* a *difference* P - Q or P - Q - R of shown cells, where Q (and R) are
  disjoint subsets of P, must not leave 1 to ``min_cell - 1`` respondents;
  otherwise the smaller of Q and R is hidden too (*complementary*);
* every *partition* of a shown total (a breakdown that covers it, counting
  the "no answer" group) must have its hidden groups add up to 0 or at least
  ``min_cell`` respondents, whatever the number of groups; otherwise its
  smallest shown group is hidden too;

repeated until nothing changes. Cells of size 0 reveal nothing. The result
depends only on the family, never on which views were asked for first.

Cells are boolean membership vectors over *units* with a weight each (the
service passes the distinct combinations of audience and answers, weighted by
how many respondents share each, so 100,000 responses are a few hundred
units). Pure: numpy only, no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Disclosure", "protect"]


@dataclass(frozen=True)
class Disclosure:
    """What :func:`protect` decided, by cell key."""

    sizes: Mapping[Hashable, int]
    hidden: frozenset[Hashable]
    too_small: frozenset[Hashable]  # hidden because they hold 1 to min_cell - 1 respondents
    min_cell: int

    def shows(self, key: Hashable) -> bool:
        return key not in self.hidden

    def reason(self, key: Hashable) -> str | None:
        """None when shown; "too_small" or "complementary" (hidden so another group cannot be worked out)."""
        if key not in self.hidden:
            return None
        return "too_small" if key in self.too_small else "complementary"


def protect(
    keys: Sequence[Hashable],
    members: npt.NDArray[np.bool_],
    weights: npt.NDArray[np.int64],
    min_cell: int,
    *,
    candidates: Sequence[bool] | None = None,
    partitions: Sequence[tuple[Hashable, Sequence[Hashable]]] = (),
) -> Disclosure:
    """Hide cells until no published cell, difference of two or three, or partition remainder isolates a small group.

    ``members[i, u]``: cell ``keys[i]`` holds unit ``u``, which stands for ``weights[u]`` respondents.
    ``candidates[i]`` False: the cell is never published itself (a "no answer" group) but is counted
    in partitions. ``partitions``: (total key, part keys) where the parts are disjoint and cover the total.
    """
    members = np.asarray(members, dtype=bool).reshape(len(keys), -1)
    weights = np.asarray(weights, dtype=np.int64)
    # identical respondent sets are one cell: hiding one hides every key that names it
    unique, cell_of = np.unique(members, axis=0, return_inverse=True) if len(keys) else (members, np.zeros(0, int))
    cell_of = np.asarray(cell_of).reshape(-1)
    size = unique.astype(np.int64) @ weights
    count = len(unique)
    wanted = np.ones(len(keys), bool) if candidates is None else np.asarray(candidates, bool)
    shown = np.zeros(count, bool)
    shown[cell_of[wanted]] = True
    small = (size > 0) & (size < min_cell)
    too_small = shown & small
    shown &= ~small
    # Q subset of P <=> Q has no unit outside P; disjoint <=> no unit in common (units all weigh >= 1)
    as_int = unique.astype(np.int32)
    subset = (as_int @ (1 - as_int).T) == 0  # subset[q, p]
    disjoint = (as_int @ as_int.T) == 0
    index = {key: int(cell_of[i]) for i, key in enumerate(keys)}
    parts = [(index[total], np.array([index[p] for p in group], dtype=np.intp)) for total, group in partitions]
    while _hide_one(shown, size, subset, disjoint, parts, min_cell):
        pass
    hidden = frozenset(k for k, c in zip(keys, cell_of, strict=True) if not shown[c])
    return Disclosure(
        sizes={k: int(size[c]) for k, c in zip(keys, cell_of, strict=True)},
        hidden=hidden,
        too_small=frozenset(k for k, c in zip(keys, cell_of, strict=True) if too_small[c]),
        min_cell=min_cell,
    )


def _risky(residual: npt.NDArray[np.int64], min_cell: int) -> npt.NDArray[np.bool_]:
    return (residual > 0) & (residual < min_cell)


def _hide_one(
    shown: npt.NDArray[np.bool_],
    size: npt.NDArray[np.int64],
    subset: npt.NDArray[np.bool_],
    disjoint: npt.NDArray[np.bool_],
    parts: Sequence[tuple[int, npt.NDArray[np.intp]]],
    min_cell: int,
) -> bool:
    """Hide one cell that breaks a rule (the smallest that repairs it); False when every rule holds."""
    for total, group in parts:
        if not shown[total]:
            continue  # a hidden total gives nothing to subtract from
        nonempty = group[size[group] > 0]
        nonempty = np.unique(nonempty)
        hidden_sum = int(size[nonempty[~shown[nonempty]]].sum())
        if 0 < hidden_sum < min_cell:
            still = nonempty[shown[nonempty]]
            shown[still[np.argmin(size[still])] if still.size else total] = False
            return True
    live = np.flatnonzero(shown & (size > 0))
    for p in live[np.argsort(-size[live], kind="stable")]:
        inside = live[subset[live, p] & (size[live] < size[p])]
        if not inside.size:
            continue
        pair = _risky(size[p] - size[inside], min_cell)
        if pair.any():
            shown[inside[pair][np.argmin(size[inside[pair]])]] = False
            return True
        residual = size[p] - size[inside][:, None] - size[inside][None, :]
        triple = _risky(residual, min_cell) & disjoint[np.ix_(inside, inside)]
        if triple.any():
            q, r = np.argwhere(triple)[0]
            shown[inside[q] if size[inside[q]] <= size[inside[r]] else inside[r]] = False
            return True
    return False
