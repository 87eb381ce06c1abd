"""Competency gaps turned into a training-needs list (PEER-PRACTICE 360 and instruments like it).

Peers rate their own practice; staff and service users rate the peers as a
team. For each competency domain (subscale) and item the self-other gap
(others minus self) is computed per other audience and for the other
audiences pooled, with the same function and the same reading rules as the
dashboard's perception gaps (:func:`surveyapp.analysis.gaps.perception_gap`:
Welch 95% interval, Hedges' g, Cliff's delta). A gap reads as clear only when
its interval excludes 0 and it is at least ``min_gap`` scale points
(:data:`MIN_GAP`, 0.5 on a 1-5 scale, the same threshold the gap labels use).

Each competency gets one status:

* ``need``: at least one clear gap where others rate peers LOWER than peers
  rate themselves (a training need);
* ``strength``: no such gap, and at least one clear gap where others rate
  peers HIGHER (a strength peers underrate);
* ``aligned``: no clear gap either way and the pooled (or only) interval lies
  within +-``min_gap``: peers and others agree;
* ``unclear``: anything else ("no clear gap": too few answers or too much spread).

The lead gap of a competency is the one its status rests on: the most
negative clear gap for a need, the most positive for a strength, otherwise
the pooled gap (or the only one). The list is ordered by :func:`rank_key`:
status (need, strength, aligned, unclear), then the size of the lead gap,
largest first, then domains before items, then the domain and item ids.

Because a need requires a clear negative gap and a strength a clear
positive one, raising every rating of the other audiences by the same amount
can only move a competency toward "strength", never toward "need".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .gaps import Gap, perception_gap

__all__ = [
    "MIN_GAP",
    "POOLED",
    "STATUSES",
    "AudienceGap",
    "Competency",
    "Target",
    "TrainingEntry",
    "assess",
    "rank",
    "rank_key",
    "sentence",
    "training_needs",
]

#: the smallest gap, in scale points, that counts as a need or a strength (as for the dashboard's gap labels)
MIN_GAP = 0.5
#: the key of the gap between peers and every other audience together
POOLED = "others"
STATUSES = ("need", "strength", "aligned", "unclear")
_LEVEL_ORDER = {"domain": 0, "item": 1}


@dataclass(frozen=True)
class Target:
    """What a gap is about: a competency domain (subscale) or one of its items."""

    level: str  # "domain" | "item"
    id: str
    label: str  # the domain's name, or the item as the other audiences read it
    domain_id: str
    domain_label: str
    scale_min: float
    scale_max: float
    self_label: str = ""  # the peers' own wording of an item


@dataclass(frozen=True)
class Competency:
    """One target: peers' ratings of themselves and each other audience's ratings of peers.

    ``not_observed`` holds, per other audience, (answers "not observed", answers given at all
    including "not observed"); a domain sums them over its items.
    """

    target: Target
    self_values: npt.ArrayLike
    others: Mapping[str, npt.ArrayLike]
    not_observed: Mapping[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class AudienceGap:
    audience: str  # an audience key, or POOLED
    gap: Gap
    not_observed: float | None  # share of this audience's answers that were "not observed"


@dataclass(frozen=True)
class TrainingEntry:
    target: Target
    status: str  # one of STATUSES
    gaps: tuple[AudienceGap, ...]  # per audience, then the pooled gap when there are two or more
    lead: AudienceGap | None  # the gap the status and the rank rest on; None when no gap could be computed


def _share(counts: tuple[int, int] | None) -> float | None:
    if counts is None or counts[1] <= 0:
        return None
    return counts[0] / counts[1]


def _values(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64).ravel()
    return array[np.isfinite(array)]


def assess(competency: Competency, min_gap: float = MIN_GAP, confidence: float = 0.95) -> TrainingEntry:
    """The gaps of one competency and its status (see the module docstring for the rules)."""
    own = _values(competency.self_values)
    gaps: list[AudienceGap] = []
    pooled_parts: list[npt.NDArray[np.float64]] = []
    pooled_counts = [0, 0]
    for audience, values in competency.others.items():
        theirs = _values(values)
        gap = perception_gap(own, theirs, "self", audience, min_gap=min_gap, confidence=confidence)
        if gap is None:
            continue
        counts = competency.not_observed.get(audience)
        gaps.append(AudienceGap(audience, gap, _share(counts)))
        pooled_parts.append(theirs)
        if counts is not None:
            pooled_counts = [pooled_counts[0] + counts[0], pooled_counts[1] + counts[1]]
    pooled: AudienceGap | None = None
    if len(gaps) >= 2:
        gap = perception_gap(own, np.concatenate(pooled_parts), "self", POOLED, min_gap=min_gap, confidence=confidence)
        if gap is not None:
            pooled = AudienceGap(POOLED, gap, _share((pooled_counts[0], pooled_counts[1])))
            gaps.append(pooled)
    lower = [g for g in gaps if g.gap.label == "self_higher"]
    higher = [g for g in gaps if g.gap.label == "others_higher"]
    if lower:
        status, lead = "need", min(lower, key=lambda g: g.gap.diff)
    elif higher:
        status, lead = "strength", max(higher, key=lambda g: g.gap.diff)
    else:
        lead = pooled or (gaps[0] if len(gaps) == 1 else None)
        status = "aligned" if lead is not None and lead.gap.label == "aligned" else "unclear"
    return TrainingEntry(competency.target, status, tuple(gaps), lead)


def rank_key(entry: TrainingEntry) -> tuple[int, float, int, str, str]:
    """Status (need, strength, aligned, unclear), then the lead gap's size (largest first), then domains
    before items, then ids; an entry without any gap comes last within its status."""
    size = abs(entry.lead.gap.diff) if entry.lead is not None else -math.inf
    target = entry.target
    return (STATUSES.index(entry.status), -size, _LEVEL_ORDER.get(target.level, 2), target.domain_id, target.id)


def rank(entries: Iterable[TrainingEntry]) -> list[TrainingEntry]:
    return sorted(entries, key=rank_key)


def training_needs(competencies: Iterable[Competency], min_gap: float = MIN_GAP, confidence: float = 0.95) -> list[TrainingEntry]:
    """Every competency assessed, ranked into the training-needs list."""
    return rank(assess(c, min_gap, confidence) for c in competencies)


def _number(value: float) -> str:
    return f"{value:.1f}"


def _scale(target: Target) -> str:
    return f"{_number(target.scale_min).removesuffix('.0')}-{_number(target.scale_max).removesuffix('.0')}"


_VERDICT = {
    "need": "a training need",
    "strength": "a strength peers underrate",
    "aligned": "peers and others agree",
    "unclear": "no clear gap",
}


_COMPARE = {
    "need": "lower than peers rate themselves",
    "strength": "higher than peers rate themselves",
    "aligned": "about as high as peers rate themselves",
    "unclear": "with no clear difference from peers' own rating",
}


def sentence(entry: TrainingEntry, labels: Mapping[str, str], self_label: str = "Peer specialists") -> str:
    """The lead gap in words a manager reads, e.g. "Staff rate peers' voice and advocacy lower than peers
    rate themselves: 3.1 vs 4.0 (1-5), 140 staff, 58 peers — a training need."

    ``labels`` names the audiences (and POOLED) in the plural, as on the dashboard.
    """
    target = entry.target
    lead = entry.lead
    if target.level == "domain":
        what, where = f"peers' {target.label[:1].lower()}{target.label[1:]}", ""
    else:
        what, where = "peers", f"On “{target.label.rstrip('.')}”, "
    if lead is None:
        text = f"{where}{what} cannot be compared: too few answers — {_VERDICT['unclear']}."
        return text[:1].upper() + text[1:]
    gap = lead.gap
    who = labels.get(lead.audience, lead.audience)
    counts = f"{gap.n_other} {who.lower()}, {gap.n_self} {self_label.lower()}"
    text = (
        f"{where}{who if not where else who.lower()} rate {what} {_COMPARE[entry.status]}: "
        f"{_number(gap.mean_other)} vs {_number(gap.mean_self)} ({_scale(target)}), {counts} — {_VERDICT[entry.status]}."
    )
    if lead.not_observed is not None and lead.not_observed >= 0.25:
        text += f" {round(lead.not_observed * 100)}% of {who.lower()} answering had not seen it."
    return text
