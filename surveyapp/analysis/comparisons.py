"""Comparing audiences (peer specialists, staff, service users) on one score.

The pipeline is the one research/instruments.md section 3 recommends, built on
permissively licensed libraries only (pingouin, which has most of this, is
GPL-3 and serves as the test oracle):

* Welch's ANOVA (k >= 3) or Welch's t (k == 2): group sizes are unequal and
  variances differ, peers being the smallest group, so no test assumes equal
  variances.
* omega-squared for the omnibus: eta-squared overstates the effect.
* Kruskal-Wallis with epsilon-squared (rank-based) beside it, for single
  items, 2-item subscales and skewed scores.
* Games-Howell for the pairs (the post-hoc that goes with Welch), each with
  Hedges' g and Cliff's delta, and the raw-point difference next to them.

Tests run only when every group has enough answers (``MIN_N_FOR_TESTS``):
below that a p-value would mostly report noise, and small cells are where
peers could be re-identified. ``comparison_words.explain`` turns a result into one
sentence a manager can read.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .descriptives import _finite, _float_or_none

__all__ = [
    "MIN_N_FOR_TESTS",
    "Comparison",
    "PairResult",
    "cliffs_delta",
    "compare_groups",
    "hedges_g",
    "magnitude",
    "welch_t",
]

MIN_N_FOR_TESTS = 10

# Romano et al. (2006) bands for |Cliff's delta|: upper bounds of negligible, small, medium.
_CLIFF_BANDS = ((0.147, "negligible"), (0.33, "small"), (0.474, "medium"))


@dataclass(frozen=True)
class PairResult:
    a: str
    b: str
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    diff: float  # mean_b - mean_a, in scale points
    p_value: float | None  # Games-Howell (k>=3) or Welch t (k==2); None when the answers do not vary
    hedges_g: float | None  # (b - a) / pooled SD, small-sample corrected; None when the pooled SD is 0
    cliffs_delta: float  # P(b > a) - P(b < a)
    magnitude: str  # Cliff's delta band: negligible | small | medium | large (Romano 2006)


@dataclass(frozen=True)
class Comparison:
    status: str  # "ok" | "too_few" | "single_group"
    groups: tuple[str, ...]  # groups with at least one answer, in the mapping's order
    n: tuple[int, ...]  # one per group
    test: str | None  # "welch_anova" | "welch_t"
    statistic: float | None  # F or t
    df1: float | None  # numerator df of F; None for welch_t
    df2: float | None  # denominator df of F, or the Welch-Satterthwaite df of t
    p_value: float | None
    effect_name: str | None  # "omega_squared" | "cliffs_delta"
    effect: float | None
    kruskal_h: float | None
    kruskal_p: float | None
    epsilon_squared: float | None  # H / (n - 1)
    pairs: tuple[PairResult, ...]
    too_few: tuple[str, ...]  # groups below min_n
    min_n: int = MIN_N_FOR_TESTS  # the threshold used, so explain() can name it


def cliffs_delta(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """P(b > a) - P(b < a) over all pairs: how often one group's answer beats the other's.

    Ordinal, so it suits Likert answers whose spacing is not truly equal. Counted
    without an n_a x n_b matrix of differences: values on a fine grid (whole-number
    answers, and scores, which are means of a few whole numbers: multiples of 1/k for
    k up to 12) from the two groups' frequency tables, other values by binary search
    of each b-value in the sorted a-values (at a million scores, counting takes about
    half the time). Equal to 2U/(n_a n_b) - 1, the rank-biserial correlation, which
    the tests check against pingouin.
    """
    x, y = _finite(a), _finite(b)
    if x.size == 0 or y.size == 0:
        raise ValueError("Cliff's delta needs at least one value in each group")
    tables = _frequency_tables([x, y])
    if tables is not None:  # values on a grid: count, no sort
        return _cliffs_from_tables(tables[0], tables[1])
    ordered = np.sort(x)
    below = np.searchsorted(ordered, y, side="left")  # per b-value: a-values strictly below it
    above = x.size - np.searchsorted(ordered, y, side="right")  # and strictly above it
    return float((below - above).sum() / (x.size * y.size))


# 27,720 is the least common multiple of 1..12: a mean of up to 12 whole-number answers is a multiple of 1/27,720
_GRID_STEPS = (1, 27_720)


def _frequency_tables(samples: Sequence[npt.NDArray[np.float64]]) -> list[npt.NDArray[np.int64]] | None:
    """Each sample's counts of every value on the finest grid all of them fit (:func:`_grid_index`), or None."""
    pooled = np.concatenate(samples)
    low, high = pooled.min(), pooled.max()
    pooled -= low
    index = _grid_index(pooled, high - low)
    if index is None:
        return None
    size = int(index.max()) + 1
    bounds = np.cumsum([0, *(s.size for s in samples)])
    return [np.bincount(index[start:stop], minlength=size) for start, stop in itertools.pairwise(bounds)]


def _cliffs_from_tables(count_x: npt.NDArray[np.int64], count_y: npt.NDArray[np.int64]) -> float:
    """Cliff's delta of b (``count_y``) against a (``count_x``), from their counts on one grid."""
    n_x, n_y = int(count_x.sum()), int(count_y.sum())
    below = np.cumsum(count_x) - count_x  # a-values strictly below each value
    above = n_x - np.cumsum(count_x)  # a-values strictly above it
    return float((count_y * (below - above)).sum() / (n_x * n_y))


def _kruskal_from_tables(tables: Sequence[npt.NDArray[np.int64]]) -> tuple[float, float]:
    """Kruskal-Wallis H with the tie correction and its p, from the groups' counts on one grid.

    What ``scipy.stats.kruskal`` computes (the tests compare both), without ranking the pooled sample: on a grid
    every value's rank is the mean rank of its ties, which the counts give. At a million scores the sort cost
    most of a comparison. H is written as 12 / (N(N+1)) · sum n_i (mean rank_i - (N+1)/2)², which loses no digits
    to cancellation.
    """
    from scipy import special

    ties = np.sum(tables, axis=0).astype(np.float64)
    n = float(ties.sum())
    rank = np.cumsum(ties) - ties + (ties + 1.0) / 2.0  # the mean rank of each value's ties
    spread = sum(float(t.sum()) * (float((t * rank).sum()) / float(t.sum()) - (n + 1.0) / 2.0) ** 2 for t in tables)
    h = 12.0 / (n * (n + 1.0)) * spread / (1.0 - float((ties**3 - ties).sum()) / (n**3 - n))
    return h, float(special.chdtrc(len(tables) - 1, h))


def _grid_index(shifted: np.ndarray, span: float) -> npt.NDArray[np.int64] | None:
    """Each value's whole-number position on the finest grid it needs (a step of :data:`_GRID_STEPS`), or None.

    A value within 1e-6 of a grid point counts as on it: a score summed in floating point is never further off,
    and two scores closer than 1/27,720 apart would be one value to anyone reading them. ``shifted`` (values minus
    their minimum) is left as it was.
    """
    for step in _GRID_STEPS:
        if span * step > 2_000_000:
            return None
        scaled = shifted * step if step != 1 else shifted.copy()
        rounded = np.rint(scaled)
        np.subtract(scaled, rounded, out=scaled)  # in place: at a million values each temporary costs as much as a pass
        np.abs(scaled, out=scaled)
        if scaled.max() < 1e-6 * step:
            return rounded.astype(np.int64)
    return None


def magnitude(delta: float) -> str:
    """Romano (2006) band for Cliff's delta; conventions, not laws, so the raw difference is always shown too."""
    size = abs(delta)
    for bound, name in _CLIFF_BANDS:
        if size < bound:
            return name
    return "large"


def hedges_g(a: npt.ArrayLike, b: npt.ArrayLike) -> float | None:
    """(mean_b - mean_a) / pooled SD, times Hedges' small-sample correction 1 - 3/(4(n_a+n_b) - 9).

    The approximate correction is the one statsmodels, pingouin and most software
    apply; it differs from the exact gamma-function factor by under 0.06% from
    n = 10. None when there is no pooled spread (every answer equal) or too few answers.
    """
    from statsmodels.stats.meta_analysis import effectsize_smd

    x, y = _finite(a), _finite(b)
    if x.size < 1 or y.size < 1 or x.size + y.size < 3:
        return None
    sd_x = float(x.std(ddof=1)) if x.size > 1 else 0.0
    sd_y = float(y.std(ddof=1)) if y.size > 1 else 0.0
    if sd_x == 0.0 and sd_y == 0.0:
        return None
    g, _var = effectsize_smd(float(y.mean()), sd_y, y.size, float(x.mean()), sd_x, x.size)
    return _float_or_none(g)


def welch_t(a: npt.ArrayLike, b: npt.ArrayLike, confidence: float = 0.95) -> tuple[float, float, float, float, float] | None:
    """Welch's t for mean_b - mean_a: (t, df, p, ci_low, ci_high), or None when it cannot be computed.

    Undefined when a group has fewer than 2 answers or neither group varies. One
    implementation serves both the two-group comparison and the perception gaps.
    Works from the groups' means and variances (scipy's ttest_ind_from_stats), so a
    100,000-answer group costs two passes over its values.
    """
    from scipy import stats

    x, y = _finite(a), _finite(b)
    if x.size < 2 or y.size < 2 or (np.ptp(x) == 0.0 and np.ptp(y) == 0.0):
        return None
    var_x, var_y = float(x.var(ddof=1)), float(y.var(ddof=1))
    mean_x, mean_y = float(x.mean()), float(y.mean())
    t, p = stats.ttest_ind_from_stats(mean_y, math.sqrt(var_y), y.size, mean_x, math.sqrt(var_x), x.size, equal_var=False)
    se_x, se_y = var_x / x.size, var_y / y.size
    df = (se_x + se_y) ** 2 / (se_x**2 / (x.size - 1) + se_y**2 / (y.size - 1))  # Welch-Satterthwaite
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * math.sqrt(se_x + se_y)
    diff = mean_y - mean_x
    return float(t), float(df), float(p), diff - half, diff + half


def _omega_squared(samples: Sequence[npt.NDArray[np.float64]]) -> float | None:
    """omega² = (SS_b - (k-1)·MS_w) / (SS_t + MS_w) from the classic one-way ANOVA sums of squares.

    Less biased than eta² (Okada 2013); like epsilon² it can be negative when the
    group means differ less than chance alone would make them.
    """
    k = len(samples)
    n_total = sum(s.size for s in samples)
    grand = np.concatenate(samples).mean()
    ss_between = sum(s.size * (s.mean() - grand) ** 2 for s in samples)
    ss_within = sum(((s - s.mean()) ** 2).sum() for s in samples)
    if n_total <= k:
        return None
    ms_within = ss_within / (n_total - k)
    denominator = ss_between + ss_within + ms_within
    if denominator == 0.0:
        return None
    return _float_or_none((ss_between - (k - 1) * ms_within) / denominator)


def _kruskal(
    samples: Sequence[npt.NDArray[np.float64]], tables: Sequence[npt.NDArray[np.int64]] | None
) -> tuple[float | None, float | None, float | None]:
    """(H, p, epsilon²_R = H / (n - 1)); all None when every answer is the same (no ranks to compare).

    ``tables``: the samples' counts on a grid (:func:`_frequency_tables`), when they fit one.
    """
    from scipy import stats

    size = sum(s.size for s in samples)
    if max(float(s.max()) for s in samples) == min(float(s.min()) for s in samples):
        return None, None, None
    h, p = _kruskal_from_tables(tables) if tables is not None else stats.kruskal(*samples)
    return _float_or_none(h), _float_or_none(p), _float_or_none(h / (size - 1))


def _welch_anova(samples: Sequence[npt.NDArray[np.float64]]) -> tuple[float | None, float | None, float | None, float | None]:
    """(F, df_num, df_denom, p); None when a group does not vary, since Welch weights each group by n/variance."""
    from statsmodels.stats.oneway import anova_oneway

    if any(np.ptp(s) == 0.0 for s in samples):
        return None, None, None, None
    res = anova_oneway(list(samples), use_var="unequal")
    return _float_or_none(res.statistic), _float_or_none(res.df_num), _float_or_none(res.df_denom), _float_or_none(res.pvalue)


def _games_howell(samples: Sequence[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
    """k x k matrix of Games-Howell p-values (NaN where a pair has no variance at all).

    For each pair: q = |mean difference| / sqrt((var_i/n_i + var_j/n_j) / 2) with the
    Welch-Satterthwaite df, and p from scipy's studentized range distribution for k
    groups. This is what scikit-posthocs' posthoc_games_howell computes (the tests
    compare both, and pingouin); done here on the groups' moments because that
    package builds a DataFrame per call and imports matplotlib and seaborn, which
    cost a dashboard process 30 MB and a third of a second for nothing it shows.
    """
    from scipy import stats

    k = len(samples)
    n = np.array([s.size for s in samples], dtype=np.float64)
    means = np.array([s.mean() for s in samples])
    se2 = np.array([s.var(ddof=1) for s in samples]) / n
    out = np.full((k, k), np.nan)
    np.fill_diagonal(out, 1.0)
    for i in range(k):
        for j in range(i + 1, k):
            pooled = se2[i] + se2[j]
            if pooled <= 0.0:
                continue
            df = pooled**2 / (se2[i] ** 2 / (n[i] - 1) + se2[j] ** 2 / (n[j] - 1))
            q = abs(means[i] - means[j]) / math.sqrt(pooled / 2.0)
            out[i, j] = out[j, i] = float(stats.studentized_range.sf(q, k, df))
    return out


def compare_groups(groups: Mapping[str, npt.ArrayLike], min_n: int = MIN_N_FOR_TESTS) -> Comparison:
    """Compare two or more groups' scores; keys are used verbatim as group names (and by ``explain``).

    Missing values are dropped per group and groups left empty are ignored. Tests run
    only when every remaining group has at least ``min_n`` answers; otherwise the
    result says which groups are short ("too_few") and carries no statistics.
    """
    if min_n < 2:
        raise ValueError(f"min_n must be at least 2 (a variance needs two answers), got {min_n}")
    cleaned = {name: _finite(values) for name, values in groups.items()}
    cleaned = {name: arr for name, arr in cleaned.items() if arr.size}
    names = tuple(cleaned)
    samples = tuple(cleaned.values())
    sizes = tuple(int(s.size) for s in samples)
    short = tuple(name for name, size in zip(names, sizes, strict=True) if size < min_n)

    if len(names) < 2 or short:
        return Comparison(
            status="single_group" if len(names) < 2 else "too_few",
            groups=names,
            n=sizes,
            test=None,
            statistic=None,
            df1=None,
            df2=None,
            p_value=None,
            effect_name=None,
            effect=None,
            kruskal_h=None,
            kruskal_p=None,
            epsilon_squared=None,
            pairs=(),
            too_few=short,
            min_n=min_n,
        )

    tables = _frequency_tables(samples)  # scores and answers are on a grid: ranks and pairs from counts, no sorting
    h, h_p, epsilon = _kruskal(samples, tables)
    k = len(samples)
    statistic: float | None
    df1: float | None
    effect: float | None
    pairs: tuple[PairResult, ...]
    if k == 2:
        welch = welch_t(samples[0], samples[1])
        t, df, p = (welch[0], welch[1], welch[2]) if welch else (None, None, None)
        pair = _pair(names, samples, 0, 1, p, tables)
        test, statistic, df1, df2, effect_name, effect, pairs = "welch_t", t, None, df, "cliffs_delta", pair.cliffs_delta, (pair,)
    else:
        statistic, df1, df2, p = _welch_anova(samples)
        gh = _games_howell(samples)
        pairs = tuple(_pair(names, samples, i, j, _float_or_none(gh[i, j]), tables) for i in range(k) for j in range(i + 1, k))
        test, effect_name, effect = "welch_anova", "omega_squared", _omega_squared(samples)
    return Comparison(
        status="ok",
        groups=names,
        n=sizes,
        test=test,
        statistic=statistic,
        df1=df1,
        df2=df2,
        p_value=p,
        effect_name=effect_name,
        effect=effect,
        kruskal_h=h,
        kruskal_p=h_p,
        epsilon_squared=epsilon,
        pairs=pairs,
        too_few=(),
        min_n=min_n,
    )


def _pair(
    names: Sequence[str],
    samples: Sequence[npt.NDArray[np.float64]],
    i: int,
    j: int,
    p: float | None,
    tables: Sequence[npt.NDArray[np.int64]] | None,
) -> PairResult:
    a, b = samples[i], samples[j]
    delta = _cliffs_from_tables(tables[i], tables[j]) if tables is not None else cliffs_delta(a, b)
    mean_a, mean_b = float(a.mean()), float(b.mean())
    return PairResult(
        a=names[i],
        b=names[j],
        n_a=int(a.size),
        n_b=int(b.size),
        mean_a=mean_a,
        mean_b=mean_b,
        diff=mean_b - mean_a,
        p_value=p,
        hedges_g=hedges_g(a, b),
        cliffs_delta=delta,
        magnitude=magnitude(delta),
    )
