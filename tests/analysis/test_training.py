"""The training-needs list: hand-computed gaps, the status rules, the ranking key, and two invariants."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveyapp.analysis.training import (
    MIN_GAP,
    POOLED,
    STATUSES,
    Competency,
    Target,
    assess,
    rank,
    rank_key,
    sentence,
    training_needs,
)

PEERS = np.tile([3.0, 5.0], 10)  # mean 4, sample variance 20/19
STAFF = np.tile([2.0, 4.0], 10)  # mean 3: one point lower
DOMAIN = Target("domain", "voice_advocacy", "Voice and advocacy", "voice_advocacy", "Voice and advocacy", 1, 5)
LABELS = {"peer": "Peer specialists", "staff": "Staff", "service_user": "Service users", POOLED: "All others"}


def competency(others: dict, target: Target = DOMAIN, own=PEERS, not_observed=None) -> Competency:
    return Competency(target, own, others, not_observed or {})


def test_a_need_with_hand_computed_interval_and_effect_sizes() -> None:
    entry = assess(competency({"staff": STAFF}, not_observed={"staff": (3, 23)}))
    assert entry.status == "need"
    [lead] = entry.gaps  # one other audience: no pooled gap
    assert entry.lead == lead
    gap = lead.gap
    assert (gap.n_self, gap.n_other, gap.mean_self, gap.mean_other, gap.diff) == (20, 20, 4.0, 3.0, -1.0)
    # Welch: se = sqrt(2 * (20/19) / 20) = 0.32444, df = 38, t(.975, 38) = 2.024394
    assert gap.ci_low == pytest.approx(-1.0 - 2.024394 * 0.324443, abs=1e-5)
    assert gap.ci_high == pytest.approx(-1.0 + 2.024394 * 0.324443, abs=1e-5)
    # Hedges: d = -1 / sqrt(20/19) = -0.974679, J = 1 - 3 / (4 * 38 - 1) = 0.980132
    assert gap.hedges_g == pytest.approx(-0.974679 * 0.980132, abs=1e-5)
    # Cliff: staff {2, 4} against peers {3, 5}: one win, three losses in four pairings
    assert gap.cliffs_delta == pytest.approx(-0.5)
    assert lead.not_observed == pytest.approx(3 / 23)


def test_the_pooled_gap_joins_the_other_audiences() -> None:
    entry = assess(competency({"staff": STAFF, "service_user": PEERS}, not_observed={"staff": (2, 22), "service_user": (0, 20)}))
    staff, users, pooled = entry.gaps
    assert (staff.audience, users.audience, pooled.audience) == ("staff", "service_user", POOLED)
    assert (pooled.gap.n_other, pooled.gap.mean_other, pooled.gap.diff) == (40, 3.5, -0.5)
    assert pooled.not_observed == pytest.approx(2 / 42)
    assert users.gap.label == "unclear"  # same mean, but the interval reaches past +-0.5
    assert entry.status == "need"
    assert entry.lead == staff  # the largest gap where others rate lower


def test_others_higher_is_a_strength_and_outranks_no_gap() -> None:
    entry = assess(competency({"service_user": PEERS + 1.0}))
    assert entry.status == "strength"
    assert entry.lead is not None
    assert entry.lead.gap.diff == 1.0


def test_need_wins_over_strength_when_audiences_disagree() -> None:
    entry = assess(competency({"staff": STAFF, "service_user": PEERS + 1.0}))
    assert entry.status == "need"
    assert [g.gap.label for g in entry.gaps[:2]] == ["self_higher", "others_higher"]


def test_aligned_and_unclear() -> None:
    big = np.tile([3.0, 4.0], 500)
    assert assess(competency({"staff": big}, own=big)).status == "aligned"
    assert assess(competency({"staff": STAFF + 0.6})).status == "unclear"  # -0.4: interval crosses 0
    nothing = assess(competency({"staff": [4.0]}))  # one rating: no gap at all
    assert (nothing.status, nothing.gaps, nothing.lead) == ("unclear", (), None)


def test_a_gap_below_the_minimum_is_no_need_even_when_certain() -> None:
    big = np.tile([3.0, 4.0], 2000)
    entry = assess(competency({"staff": big - 0.3}, own=big))
    assert entry.lead is not None
    assert entry.lead.gap.ci_high < 0  # certain...
    assert entry.status == "aligned"  # ...but smaller than MIN_GAP
    assert MIN_GAP == 0.5


def test_ranking_follows_the_documented_key() -> None:
    item = Target("item", "adv_voice", "The peer specialists speak up", "voice_advocacy", "Voice and advocacy", 1, 5)
    other_domain = replace(DOMAIN, id="connection", domain_id="connection")
    entries = training_needs(
        [
            competency({"staff": PEERS}, target=other_domain),  # unclear
            competency({"staff": STAFF}, target=item),  # need, -1.0, item
            competency({"staff": STAFF - 0.5}),  # need, -1.5, domain
            competency({"staff": PEERS + 1.0}, target=replace(item, id="b")),  # strength
            competency({"staff": STAFF}),  # need, -1.0, domain: before the item with the same gap
        ]
    )
    assert [(e.status, e.target.level, e.lead.gap.diff if e.lead else None) for e in entries] == [
        ("need", "domain", -1.5),
        ("need", "domain", -1.0),
        ("need", "item", -1.0),
        ("strength", "item", 1.0),
        ("unclear", "domain", 0.0),
    ]


def test_sentence_for_a_manager() -> None:
    entry = assess(competency({"staff": STAFF}, not_observed={"staff": (10, 30)}))
    assert sentence(entry, LABELS) == (
        "Staff rate peers' voice and advocacy lower than peers rate themselves: 3.0 vs 4.0 (1-5), "
        "20 staff, 20 peer specialists — a training need. 33% of staff answering had not seen it."
    )
    item = Target("item", "x", "The peer specialists speak up", "v", "Voice", 1, 5)
    strength = assess(competency({"service_user": PEERS + 1.0}, target=item))
    assert sentence(strength, LABELS).startswith(
        "On “The peer specialists speak up”, service users rate peers higher than peers rate themselves: 5.0 vs 4.0"
    )
    assert sentence(strength, LABELS).endswith("a strength peers underrate.")
    empty = assess(competency({}, target=item))
    assert sentence(empty, LABELS) == (
        "On “The peer specialists speak up”, peers cannot be compared: too few answers — no clear gap."
    )
    assert sentence(assess(competency({})), LABELS).startswith("Peers' voice and advocacy cannot be compared")


ratings = st.lists(st.integers(1, 5), min_size=2, max_size=25).map(lambda v: np.array(v, dtype=float))
others = st.dictionaries(st.sampled_from(["staff", "service_user"]), ratings, min_size=1, max_size=2)
TOWARD_STRENGTH = {"need": 0, "aligned": 1, "unclear": 1, "strength": 2}


@settings(max_examples=200, deadline=None)
@given(own=ratings, theirs=others, shift=st.floats(0.01, 3.0))
def test_raising_others_ratings_only_moves_toward_strength(own, theirs, shift) -> None:
    before = assess(competency(theirs, own=own))
    after = assess(competency({k: v + shift for k, v in theirs.items()}, own=own))
    assert TOWARD_STRENGTH[after.status] >= TOWARD_STRENGTH[before.status]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(ratings, others, st.sampled_from(["domain", "item"])), min_size=1, max_size=8))
def test_ranked_list_is_sorted_by_its_key_and_loses_nothing(cases) -> None:
    competencies = [
        competency(theirs, own=own, target=replace(DOMAIN, level=level, id=f"c{index}"))
        for index, (own, theirs, level) in enumerate(cases)
    ]
    ranked = training_needs(competencies)
    keys = [rank_key(e) for e in ranked]
    assert keys == sorted(keys)
    assert sorted(e.target.id for e in ranked) == sorted(c.target.id for c in competencies)
    assert all(e.status in STATUSES for e in ranked)
    assert rank(reversed(ranked)) == ranked
    for entry in ranked:
        if entry.status == "need":
            assert entry.lead is not None
            assert entry.lead.gap.ci_high is not None
            assert entry.lead.gap.ci_high < 0
            assert entry.lead.gap.diff <= -MIN_GAP
        if entry.lead is None:
            assert rank_key(entry)[1] == math.inf
