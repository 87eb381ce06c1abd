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

repeated until nothing changes. Those three rules are quick and choose
sensible cells to hide, but an attacker may chain any number of figures with
any coefficients (a total, minus a breakdown, minus a difference of two other
totals...). So an *audit* follows: every published figure is a sum over its
cell, so a group's sum can be worked out exactly when its membership vector is
a linear combination of the published cells' vectors. A mixed-integer program
(:func:`_smallest_derivable`, HiGHS through SciPy) finds the smallest such
group; while it holds 1 to ``min_cell - 1`` respondents, the smallest cell the
combination uses is hidden and the rules run again. Cells of size 0 reveal
nothing. The result depends only on the family, never on which views were
asked for first.

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
    settled: Mapping[Hashable, bool] | None = None,
    keep: Sequence[bool] | None = None,
) -> Disclosure:
    """Hide cells until no published cell, difference of two or three, or partition remainder isolates a small group.

    ``members[i, u]``: cell ``keys[i]`` holds unit ``u``, which stands for ``weights[u]`` respondents.
    ``candidates[i]`` False: the cell is never published itself (a "no answer" group) but is counted
    in partitions. ``partitions``: (total key, part keys) where the parts are disjoint and cover the total.
    ``settled``: cells decided elsewhere (True: published, False: hidden) that this decision must not change,
    only take into account; they must be safe among themselves. ``keep[i]``: hide cell ``keys[i]`` only when no
    other cell would do (an audience's total, which takes every figure of that audience with it).
    """
    members = np.asarray(members, dtype=bool).reshape(len(keys), -1)
    weights = np.asarray(weights, dtype=np.int64)
    occupied = weights > 0  # units nobody falls in (a measure nobody in them answered) reveal nothing
    members, weights = members[:, occupied], weights[occupied]
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
    locked = np.zeros(count, bool)
    precious = np.zeros(count, bool)
    if keep is not None:
        precious[cell_of[np.asarray(keep, bool)]] = True
    for i, key in enumerate(keys):
        if settled is not None and key in settled:
            locked[cell_of[i]] = True
            shown[cell_of[i]] = settled[key]
    # Q subset of P <=> Q has no unit outside P; disjoint <=> no unit in common (units all weigh >= 1)
    as_int = unique.astype(np.int32)
    subset = (as_int @ (1 - as_int).T) == 0  # subset[q, p]
    disjoint = (as_int @ as_int.T) == 0
    index = {key: int(cell_of[i]) for i, key in enumerate(keys)}
    parts = [(index[total], np.array([index[p] for p in group], dtype=np.intp)) for total, group in partitions]
    rules = _Rules(shown, size, locked, precious, min_cell)
    while True:
        while rules.hide_one(subset, disjoint, parts):
            pass
        published = np.flatnonzero(shown & (size > 0))
        used = _smallest_derivable(unique[published], weights, min_cell)
        if used is None:
            break
        if not rules.hide(published[used]):
            raise ValueError("the settled cells isolate a small group among themselves")
    hidden = frozenset(k for k, c in zip(keys, cell_of, strict=True) if not shown[c])
    return Disclosure(
        sizes={k: int(size[c]) for k, c in zip(keys, cell_of, strict=True)},
        hidden=hidden,
        too_small=frozenset(k for k, c in zip(keys, cell_of, strict=True) if too_small[c]),
        min_cell=min_cell,
    )


def _risky(residual: npt.NDArray[np.int64], min_cell: int) -> npt.NDArray[np.bool_]:
    return (residual > 0) & (residual < min_cell)


@dataclass
class _Rules:
    """The quick rules, over the cells' current state (``shown`` is changed in place)."""

    shown: npt.NDArray[np.bool_]
    size: npt.NDArray[np.int64]
    locked: npt.NDArray[np.bool_]
    precious: npt.NDArray[np.bool_]
    min_cell: int

    def hide(self, *preferred: npt.NDArray[np.intp]) -> bool:
        """Hide the smallest cell of the first group in ``preferred`` with one that may change (one not to keep
        if there is any); False if none."""
        for keep_precious in (True, False):
            for cells in preferred:
                choice = cells[~self.locked[cells] & ~(self.precious[cells] & keep_precious)]
                if choice.size:
                    self.shown[choice[np.argmin(self.size[choice])]] = False
                    return True
        return False

    def hide_one(
        self,
        subset: npt.NDArray[np.bool_],
        disjoint: npt.NDArray[np.bool_],
        parts: Sequence[tuple[int, npt.NDArray[np.intp]]],
    ) -> bool:
        """Hide one cell that breaks a rule (the smallest that repairs it); False when every rule holds."""
        shown, size, min_cell = self.shown, self.size, self.min_cell
        for total, group in parts:
            if not shown[total]:
                continue  # a hidden total gives nothing to subtract from
            nonempty = group[size[group] > 0]
            nonempty = np.unique(nonempty)
            hidden_sum = int(size[nonempty[~shown[nonempty]]].sum())
            if 0 < hidden_sum < min_cell and self.hide(nonempty[shown[nonempty]], np.array([total])):
                return True
        live = np.flatnonzero(shown & (size > 0))
        for p in live[np.argsort(-size[live], kind="stable")]:
            inside = live[subset[live, p] & (size[live] < size[p])]
            if not inside.size:
                continue
            pair = _risky(size[p] - size[inside], min_cell)
            if pair.any() and self.hide(inside[pair], np.array([p])):
                return True
            residual = size[p] - size[inside][:, None] - size[inside][None, :]
            triple = _risky(residual, min_cell) & disjoint[np.ix_(inside, inside)]
            for q, r in np.argwhere(triple):
                if self.hide(inside[[q, r]], np.array([p])):
                    return True
        return False


def _smallest_derivable(
    published: npt.NDArray[np.bool_], weights: npt.NDArray[np.int64], min_cell: int
) -> npt.NDArray[np.bool_] | None:
    """Which published cells (rows of ``published``) combine into a group of 1 to ``min_cell - 1`` respondents, or None.

    A figure that is a sum over its cell (n, a total score, an answer's count) gives the same sum over any
    group whose membership vector is ``y @ published`` for some real ``y``. Units that no published cell tells
    apart always go together, so they are merged first; only merged units of fewer than ``min_cell``
    respondents can be in a small group, and every other unit must get 0. So: the combinations that vanish on
    every unit that is not small (a null space, by SVD) are the only candidates; most often there are none and
    the answer is known at once. Otherwise a small mixed-integer program over them (HiGHS through SciPy):
    binary ``c`` per small unit, ``c`` equal to the combination on those units, at least one, fewest respondents.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    if not len(published):
        return None
    pattern, unit_of = np.unique(published.T, axis=0, return_inverse=True)
    size = np.bincount(np.asarray(unit_of).reshape(-1), weights=weights, minlength=len(pattern))
    small = pattern.any(axis=1) & (size < min_cell)
    if not small.any():
        return None
    cells = pattern.astype(float)  # units x cells: the published vectors as columns
    basis = _orthonormal_columns(cells)  # the span of the published vectors, over the units
    others = basis[~small]
    candidates = _null_space(others) if others.size else np.eye(basis.shape[1])
    if not candidates.shape[1]:
        return None  # nothing published can be combined into a vector that lives on small units only
    on_small = basis[small] @ candidates  # small units x candidate directions
    free, count = candidates.shape[1], int(small.sum())
    weight = size[small].astype(float)
    result = milp(
        np.zeros(free + count),  # any small group will do: the first one found stops the search
        constraints=[
            LinearConstraint(np.hstack([on_small, -np.eye(count)]), 0.0, 0.0),
            LinearConstraint(np.concatenate([np.zeros(free), np.ones(count)])[None, :], 1.0, np.inf),
            LinearConstraint(np.concatenate([np.zeros(free), weight])[None, :], 0.0, min_cell - 1.0),
        ],
        integrality=np.concatenate([np.zeros(free), np.ones(count)]),
        bounds=Bounds(
            np.concatenate([np.full(free, -np.inf), np.zeros(count)]), np.concatenate([np.full(free, np.inf), np.ones(count)])
        ),
    )
    if result.x is None:
        return None  # infeasible: no small group follows from the published figures
    group = np.zeros(len(pattern))
    group[small] = np.round(result.x[free:])
    combination = np.linalg.lstsq(cells, group, rcond=None)[0]  # which published cells make it
    return np.abs(combination) > 1e-7


def _orthonormal_columns(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    left, singular, _ = np.linalg.svd(matrix, full_matrices=False)
    return left[:, singular > 1e-9 * max(float(singular.max(initial=0.0)), 1.0)]


def _null_space(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Columns spanning {z : matrix @ z = 0}."""
    _, singular, right = np.linalg.svd(matrix, full_matrices=True)
    rank = int((singular > 1e-9 * max(float(singular.max(initial=0.0)), 1.0)).sum())
    return right[rank:].T
