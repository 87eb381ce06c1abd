"""Delphi consensus on role tasks: per-audience summaries, verdicts, stability between rounds, do-now gaps.

Pure functions over arrays of stored codes (numpy/scipy; no Flask, no
database). A rating array holds one task's role ratings for one audience,
one entry per respondent: the codes 1-4 of the role scale (1 should not be
done by peers, 2 not appropriate, 3 appropriate, 4 essential), the "don't
know" code (9), or anything else (NaN, -8 not shown, -9 prefer not to
answer) for no answer. "Don't know" is counted and shown, but it is missing
for every percentage, the median and the IQR: never a midpoint.

Default rule (:class:`ConsensusRule`), applied to each audience with at
least ``min_cell_size`` substantive ratings (the others do not count and are
listed in ``too_small``):

* **included** when, in every counted audience, at least 70% rate the task
  essential or appropriate and the IQR is at most 1;
* **excluded** when, in every counted audience, at least 70% rate it not
  appropriate or "should not be done by peers";
* **open** otherwise, or when no audience counts.

Both thresholds must exceed 50%, so one audience can never stand on both
sides and a task can never be both included and excluded.

Quartiles use numpy's default linear interpolation (R's type 7), so an
IQR may be fractional: ratings 1, 2, 3, 4 have quartiles 1.75 and 3.25, an
IQR of 1.5.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..instruments.model import FREQUENCY_CODES, ROLE_CODES
from ..instruments.survey_spec import DelphiSpec

__all__ = [
    "DEFAULT_GAP_RULE",
    "DEFAULT_RULE",
    "DONT_KNOW",
    "ConsensusRule",
    "DistributionChange",
    "GapRule",
    "PairedChange",
    "PracticeGap",
    "RatingSummary",
    "TaskConsensus",
    "distribution_change",
    "judge_task",
    "judge_tasks",
    "paired_change",
    "practice_gap",
    "rule_for",
    "stance",
    "summarise",
]

#: stored code of "don't know" on the role scale
DONT_KNOW = 9
IN_ROLE = (3, 4)  # appropriate, essential
OUT_OF_ROLE = (1, 2)  # should not be done by peers, not appropriate
OFTEN = (4, 5)  # weekly, daily
RARELY = (1, 2)  # never, less than monthly

Verdict = Literal["included", "excluded", "open"]
Stance = Literal["include", "exclude", "no_consensus"]


def _codes(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64).ravel()


@dataclass(frozen=True)
class RatingSummary:
    """One task's role ratings in one audience."""

    n: int  # substantive ratings (1-4): the base of every share
    n_dont_know: int
    counts: Mapping[int, int]  # code 1..4 -> respondents
    median: float | None
    q1: float | None
    q3: float | None

    @property
    def n_answered(self) -> int:
        return self.n + self.n_dont_know

    @property
    def iqr(self) -> float | None:
        return None if self.q1 is None or self.q3 is None else self.q3 - self.q1

    def share(self, codes: Iterable[int]) -> float | None:
        return sum(self.counts[c] for c in codes) / self.n if self.n else None

    @property
    def share_in_role(self) -> float | None:
        """Essential or appropriate."""
        return self.share(IN_ROLE)

    @property
    def share_out_of_role(self) -> float | None:
        """Not appropriate or "should not be done by peers"."""
        return self.share(OUT_OF_ROLE)

    @property
    def share_essential(self) -> float | None:
        return self.share((4,))

    @property
    def share_dont_know(self) -> float | None:
        """Of those who answered, the share who said "don't know"."""
        return self.n_dont_know / self.n_answered if self.n_answered else None

    def distribution_of_answers(self) -> dict[str, float | None]:
        """Shares of the four options and "don't know", all over everyone who answered (they sum to 1): for a bar."""
        total = self.n_answered
        out: dict[str, float | None] = {str(c): (self.counts[c] / total if total else None) for c in ROLE_CODES}
        out["dont_know"] = self.n_dont_know / total if total else None
        return out

    def distribution(self) -> dict[str, float | None]:
        """Shares of the four options (over substantive ratings) and of "don't know" (over all answers)."""
        out: dict[str, float | None] = {str(code): self.share((code,)) for code in ROLE_CODES}
        out["dont_know"] = self.share_dont_know
        return out


def summarise(ratings: npt.ArrayLike, dont_know: int = DONT_KNOW) -> RatingSummary:
    values = _codes(ratings)
    substantive = values[np.isin(values, ROLE_CODES)]
    counts = {code: int(np.count_nonzero(substantive == code)) for code in ROLE_CODES}
    n_dont_know = int(np.count_nonzero(values == dont_know))
    if substantive.size == 0:
        return RatingSummary(0, n_dont_know, counts, None, None, None)
    q1, median, q3 = (float(v) for v in np.percentile(substantive, [25, 50, 75]))
    return RatingSummary(int(substantive.size), n_dont_know, counts, median, q1, q3)


@dataclass(frozen=True)
class ConsensusRule:
    """When a task is settled. Shares are of substantive ratings; IQR in scale points."""

    include_share: float = 0.70  # essential or appropriate, in every counted audience
    exclude_share: float = 0.70  # not appropriate or should not be done by peers, in every counted audience
    max_iqr: float | None = 1.0  # for inclusion, in every counted audience (None: no IQR condition)
    max_iqr_exclude: float | None = None  # for exclusion (None: no IQR condition)
    min_cell_size: int = 5  # substantive ratings an audience needs to count
    min_audiences: int = 1  # counted audiences a verdict needs; fewer: open

    def __post_init__(self) -> None:
        for name in ("include_share", "exclude_share"):
            value = getattr(self, name)
            if not 0.5 < value <= 1:
                raise ValueError(f"{name} must be above 0.5 and at most 1 (found {value}), so no task is on both sides")
        for name in ("max_iqr", "max_iqr_exclude"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 3:
                raise ValueError(f"{name} must be from 0 to 3 scale points (found {value})")
        if self.min_cell_size < 1 or self.min_audiences < 1:
            raise ValueError("min_cell_size and min_audiences must be at least 1")


DEFAULT_RULE = ConsensusRule()


def rule_for(delphi: DelphiSpec, min_cell_size: int) -> ConsensusRule:
    """The consensus rule a survey's ``delphi:`` block declares; its cell size is the survey's own."""
    return ConsensusRule(
        include_share=delphi.include_share,
        exclude_share=delphi.exclude_share,
        max_iqr=delphi.max_iqr,
        max_iqr_exclude=delphi.max_iqr_exclude,
        min_cell_size=min_cell_size,
        min_audiences=delphi.min_audiences,
    )


def _within(value: float | None, limit: float | None) -> bool:
    return limit is None or (value is not None and value <= limit + 1e-9)


def stance(summary: RatingSummary, rule: ConsensusRule = DEFAULT_RULE) -> Stance:
    """Where one audience stands on a task (whatever its size; :func:`judge_task` decides whether it counts)."""
    inside, outside = summary.share_in_role, summary.share_out_of_role
    if inside is not None and inside >= rule.include_share - 1e-9 and _within(summary.iqr, rule.max_iqr):
        return "include"
    if outside is not None and outside >= rule.exclude_share - 1e-9 and _within(summary.iqr, rule.max_iqr_exclude):
        return "exclude"
    return "no_consensus"


@dataclass(frozen=True)
class TaskConsensus:
    task: str
    verdict: Verdict
    summaries: Mapping[str, RatingSummary]  # every audience given, counted or not
    stances: Mapping[str, Stance]  # counted audiences only
    too_small: tuple[str, ...]  # audiences below the rule's min_cell_size: not counted
    rule: ConsensusRule = field(repr=False, default=DEFAULT_RULE)

    @property
    def counted(self) -> tuple[str, ...]:
        return tuple(self.stances)

    def audiences_with(self, wanted: Stance) -> tuple[str, ...]:
        return tuple(a for a, s in self.stances.items() if s == wanted)

    @property
    def for_inclusion(self) -> tuple[str, ...]:
        return self.audiences_with("include")

    @property
    def for_exclusion(self) -> tuple[str, ...]:
        return self.audiences_with("exclude")

    @property
    def undecided(self) -> tuple[str, ...]:
        return self.audiences_with("no_consensus")

    @property
    def split(self) -> bool:
        """Audiences disagree outright: one has agreed to include the task and another to exclude it."""
        return bool(self.for_inclusion) and bool(self.for_exclusion)


def judge_task(
    task: str, ratings: Mapping[str, npt.ArrayLike | RatingSummary], rule: ConsensusRule = DEFAULT_RULE
) -> TaskConsensus:
    """The verdict on one task from its ratings per audience."""
    summaries = {a: r if isinstance(r, RatingSummary) else summarise(r) for a, r in ratings.items()}
    too_small = tuple(a for a, s in summaries.items() if s.n < rule.min_cell_size)
    stances: dict[str, Stance] = {a: stance(s, rule) for a, s in summaries.items() if a not in too_small}
    verdict: Verdict = "open"
    if len(stances) >= rule.min_audiences:
        sides = set(stances.values())
        if sides == {"include"}:
            verdict = "included"
        elif sides == {"exclude"}:
            verdict = "excluded"
    return TaskConsensus(task, verdict, summaries, stances, too_small, rule)


def judge_tasks(
    ratings: Mapping[str, Mapping[str, npt.ArrayLike | RatingSummary]], rule: ConsensusRule = DEFAULT_RULE
) -> list[TaskConsensus]:
    """Every task: ``ratings`` maps task -> audience -> ratings."""
    return [judge_task(task, by_audience, rule) for task, by_audience in ratings.items()]


# -- stability between rounds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairedChange:
    """The same respondents in two rounds (paired by data the respondent carries, never by the database)."""

    n_pairs: int  # substantive ratings in both rounds
    n_changed: int
    n_crossed: int  # moved between in-role (3-4) and out-of-role (1-2)
    wilcoxon_p: float | None  # signed-rank test, two-sided; None below min_n pairs or when nobody changed

    @property
    def share_changed(self) -> float | None:
        return self.n_changed / self.n_pairs if self.n_pairs else None


def paired_change(before: npt.ArrayLike, after: npt.ArrayLike, min_n: int = 10) -> PairedChange:
    """``before[i]`` and ``after[i]`` are one respondent's ratings of one task in rounds n and n+1."""
    from scipy import stats

    first, second = _codes(before), _codes(after)
    if first.shape != second.shape:
        raise ValueError("paired ratings need one entry per respondent in both rounds")
    both = np.isin(first, ROLE_CODES) & np.isin(second, ROLE_CODES)
    first, second = first[both], second[both]
    changed = first != second
    crossed = np.isin(first, IN_ROLE) != np.isin(second, IN_ROLE)
    p = None
    if first.size >= min_n and changed.any():
        p = float(stats.wilcoxon(second, first, zero_method="wilcox").pvalue)
    return PairedChange(int(first.size), int(changed.sum()), int(crossed.sum()), p)


@dataclass(frozen=True)
class DistributionChange:
    """Two rounds' rating distributions compared without pairing anyone."""

    n_before: int
    n_after: int
    #: total variation distance: the smallest share of ratings that must have moved to turn one
    #: distribution into the other (a lower bound on the paired share who changed)
    shift: float | None
    mann_whitney_u: float | None
    p: float | None  # Mann-Whitney U, two-sided, ties corrected; None when a round has fewer than min_n

    def stable(self, threshold: float = 0.15) -> bool | None:
        """The usual Delphi criterion: at most ``threshold`` of the distribution moved."""
        return None if self.shift is None else self.shift <= threshold + 1e-9


def distribution_change(before: npt.ArrayLike, after: npt.ArrayLike, min_n: int = 10) -> DistributionChange:
    """Mann-Whitney U rather than chi-square: the ratings are ordinal and a 4-column table of small
    groups leaves expected counts far below 5. Rounds share respondents, so the test is approximate
    (it treats them as independent samples); the shift is descriptive and needs no assumption."""
    from scipy import stats

    first, second = summarise(before), summarise(after)
    shift = None
    if first.n and second.n:
        shift = 0.5 * sum(abs(first.counts[c] / first.n - second.counts[c] / second.n) for c in ROLE_CODES)
    u = p = None
    if first.n >= min_n and second.n >= min_n:
        a, b = _codes(before), _codes(after)
        a, b = a[np.isin(a, ROLE_CODES)], b[np.isin(b, ROLE_CODES)]
        if np.unique(np.concatenate([a, b])).size > 1:
            result = stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic")
            u, p = float(result.statistic), float(result.pvalue)
        else:
            u, p = float(a.size * b.size / 2), 1.0  # everyone gave the same rating in both rounds
    return DistributionChange(first.n, second.n, shift, u, p)


# -- what peers do now against what the role should be ------------------------------------------------------------


@dataclass(frozen=True)
class GapRule:
    often_share: float = 0.5  # peers doing it weekly or daily
    rarely_share: float = 0.5  # peers doing it never or less than monthly
    out_of_role_share: float = 0.5  # another audience saying it is not part of the role
    essential_share: float = 0.5  # every counted audience rating it essential
    min_cell_size: int = 5


DEFAULT_GAP_RULE = GapRule()


@dataclass(frozen=True)
class PracticeGap:
    task: str
    n_peers: int  # peers who said how often they do it
    share_often: float | None
    share_rarely: float | None
    #: peers do it often, yet these audiences mostly say it is not part of the role
    disputed_by: tuple[str, ...]
    #: every counted audience mostly rates it essential, yet peers rarely do it
    essential_but_rare: bool
    too_small: tuple[str, ...]

    @property
    def done_but_disputed(self) -> bool:
        return bool(self.disputed_by)


def practice_gap(
    task: str,
    ratings: Mapping[str, npt.ArrayLike | RatingSummary],
    peer_frequency: npt.ArrayLike,
    self_audience: str = "peer",
    rule: GapRule = DEFAULT_GAP_RULE,
) -> PracticeGap:
    """Compare how often peers do a task now (codes 1-5) with whether each audience thinks it belongs to the role."""
    frequency = _codes(peer_frequency)
    frequency = frequency[np.isin(frequency, FREQUENCY_CODES)]
    summaries = {a: r if isinstance(r, RatingSummary) else summarise(r) for a, r in ratings.items()}
    too_small = [a for a, s in summaries.items() if s.n < rule.min_cell_size]
    n_peers = int(frequency.size)
    if n_peers < rule.min_cell_size:
        too_small.append(f"{self_audience} (how often)")
        return PracticeGap(task, n_peers, None, None, (), False, tuple(too_small))
    often = float(np.isin(frequency, OFTEN).mean())
    rarely = float(np.isin(frequency, RARELY).mean())
    counted = {a: s for a, s in summaries.items() if a not in too_small}
    disputed = ()
    if often >= rule.often_share - 1e-9:
        disputed = tuple(
            a for a, s in counted.items() if a != self_audience and (s.share_out_of_role or 0) >= rule.out_of_role_share - 1e-9
        )
    essential = bool(counted) and all((s.share_essential or 0) >= rule.essential_share - 1e-9 for s in counted.values())
    return PracticeGap(task, n_peers, often, rarely, disputed, essential and rarely >= rule.rarely_share - 1e-9, tuple(too_small))
