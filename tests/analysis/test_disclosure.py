"""analysis.disclosure: the suppression decision for a whole family of cells, without a database."""

from __future__ import annotations

import itertools

import numpy as np

from surveyapp.analysis.disclosure import protect

# one unit per respondent: (audience, gender)
PEOPLE = [("peer", "m")] + [("peer", "f")] * 3 + [("staff", "m"), ("staff", "f")] * 6 + [("user", "m"), ("user", "f")] * 6
AUDIENCES = ("peer", "staff", "user")


def family() -> tuple[list, np.ndarray]:
    keys, rows = [], []
    for among in (None, *AUDIENCES):
        for gender in (None, "m", "f"):
            keys.append((among, gender))
            rows.append([(among in (None, a)) and (gender in (None, g)) for a, g in PEOPLE])
    return keys, np.array(rows)


def test_the_male_peer_cannot_be_subtracted_out() -> None:
    keys, members = family()
    decision = protect(keys, members, np.ones(len(PEOPLE), dtype=np.int64), 5)
    assert decision.reason(("peer", "m")) == "too_small"
    assert decision.reason(("peer", None)) == "too_small"
    shown = [members[i] for i, k in enumerate(keys) if decision.shows(k) and members[i].any()]
    for p, q, r in itertools.product(shown, repeat=3):
        for rest in (p & ~q, p & ~q & ~r):
            if not (q & ~p).any() and not (r & ~p).any() and not (q & r).any():
                assert not 0 < rest.sum() < 5


def test_a_breakdown_keeps_its_hidden_groups_together_at_least_the_minimum() -> None:
    """Five groups, two of them tiny: the total minus four shown groups would be a group of 2."""
    sizes = [1, 1, 20, 20, 20]
    units = np.eye(5, dtype=bool)
    keys = ["total", *"abcde"]
    members = np.vstack([np.ones(5, bool), units])
    decision = protect(keys, members, np.array(sizes), 5, partitions=[("total", list("abcde"))])
    assert decision.too_small == {"a", "b"}
    [extra] = decision.hidden - {"a", "b"}  # one of the groups of 20, so the hidden ones hold 22
    assert decision.reason(extra) == "complementary"


def test_the_decision_does_not_depend_on_the_order_of_the_cells() -> None:
    keys, members = family()
    weights = np.ones(len(PEOPLE), dtype=np.int64)
    first = protect(keys, members, weights, 5).hidden
    order = np.random.default_rng(1).permutation(len(keys))
    again = protect([keys[i] for i in order], members[order], weights, 5).hidden
    assert first == again


def test_empty_cells_reveal_nothing() -> None:
    decision = protect(["all", "none"], np.array([[True, True], [False, False]]), np.array([6, 4]), 5)
    assert decision.hidden == frozenset()
