"""Item analysis for instrument authors: how each item behaves, and how many factors the items suggest.

* Floor and ceiling shares: the share of substantive answers at the scale's lowest
  and highest option. Above ``FLOOR_CEILING_SHARE`` (15%, Terwee et al. 2007,
  *J Clin Epidemiol* 60:34-42) the item cannot tell respondents apart at that end.
* Non-substantive shares: "not observed", "don't know", "not applicable" and
  "prefer not to answer" as shares of the people asked, per group. A large share
  says the item asks about something this audience cannot see.
* Corrected item-total (item-rest) correlations, from analysis/reliability.py.
* Exploratory factor analysis for a draft instrument: Horn's parallel analysis
  (observed eigenvalues of the item correlations against the 95th percentile of
  those of random normal data of the same size) picks the number of factors, then
  maximum-likelihood factor analysis (statsmodels) with an oblimin rotation gives
  the loadings, since subscales of one instrument are expected to correlate.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from ..instruments.model import PREFER_NOT_TO_ANSWER
from .reliability import reliability

__all__ = [
    "FLOOR_CEILING_SHARE",
    "MIN_N_FOR_EFA",
    "Efa",
    "ItemProfile",
    "exploratory_factors",
    "item_profiles",
    "parallel_analysis",
]

FLOOR_CEILING_SHARE = 0.15
MIN_N_FOR_EFA = 100
_PARALLEL_DATASETS = 100


@dataclass(frozen=True)
class ItemProfile:
    item: str
    n_asked: int
    n_substantive: int
    floor: float | None  # share of substantive answers at the lowest option
    ceiling: float | None
    #: "not_observed" / "dont_know" / "not_applicable" / "prefer_not" / "unanswered" -> share of those asked
    non_substantive: dict[str, float]
    item_rest_r: float | None
    flags: tuple[str, ...]  # "floor", "ceiling", "weak item-rest r", "often not answered"


def item_profiles(
    codes: npt.ArrayLike,
    item_names: Sequence[str],
    scale_min: int,
    scale_max: int,
    missing_codes: Mapping[int, str],
    recoded: npt.ArrayLike | None = None,
) -> tuple[ItemProfile, ...]:
    """Profiles of one group's answers to the items of one subscale.

    ``codes``: stored codes (respondents x items; -9 "prefer not", NaN unanswered);
    ``missing_codes``: the scale's non-substantive option codes -> their key;
    ``recoded``: the substantive answers reverse-keyed (scoring.recoded_matrix), for
    the item-rest correlations; none are computed without it.
    """
    values = np.asarray(codes, dtype=np.float64)
    n = values.shape[0]
    rest = {}
    if recoded is not None and values.shape[1] >= 2:
        rel = reliability(np.asarray(recoded, dtype=np.float64), list(item_names))
        rest = {s.item: s.item_rest_r for s in rel.items}
    out = []
    for j, name in enumerate(item_names):
        column = values[:, j]
        substantive = column[(column >= scale_min) & (column <= scale_max)]
        shares = {key: float(np.mean(column == code)) if n else 0.0 for code, key in missing_codes.items()}
        shares["prefer_not"] = float(np.mean(column == PREFER_NOT_TO_ANSWER)) if n else 0.0
        shares["unanswered"] = float(np.mean(np.isnan(column))) if n else 0.0
        floor = float(np.mean(substantive == scale_min)) if substantive.size else None
        ceiling = float(np.mean(substantive == scale_max)) if substantive.size else None
        flags = []
        if floor is not None and floor > FLOOR_CEILING_SHARE:
            flags.append("floor")
        if ceiling is not None and ceiling > FLOOR_CEILING_SHARE:
            flags.append("ceiling")
        r = rest.get(name)
        if r is not None and r < 0.30:
            flags.append("weak item-rest r")
        if n and 1.0 - substantive.size / n > 0.20:
            flags.append("often not answered")
        out.append(ItemProfile(name, n, int(substantive.size), floor, ceiling, shares, r, tuple(flags)))
    return tuple(out)


def parallel_analysis(
    matrix: npt.ArrayLike, n_datasets: int = _PARALLEL_DATASETS, seed: int = 0
) -> tuple[int, tuple[float, ...], tuple[float, ...]]:
    """Horn's parallel analysis: (number of factors, observed eigenvalues, 95th percentile of random ones).

    Counts the leading observed eigenvalues that exceed the random ones; stops at the first that does not.
    """
    data = np.asarray(matrix, dtype=np.float64)
    n, p = data.shape
    observed = np.sort(np.linalg.eigvalsh(np.corrcoef(data, rowvar=False)))[::-1]
    rng = np.random.default_rng(seed)
    random = np.empty((n_datasets, p))
    for k in range(n_datasets):
        random[k] = np.sort(np.linalg.eigvalsh(np.corrcoef(rng.standard_normal((n, p)), rowvar=False)))[::-1]
    threshold = np.percentile(random, 95, axis=0)
    above = observed > threshold
    count = int(np.argmin(above)) if not above.all() else p
    return count, tuple(float(v) for v in observed), tuple(float(v) for v in threshold)


@dataclass(frozen=True)
class Efa:
    status: str  # "ok" | "too_few" | "no_factors" | "failed"
    reason: str | None
    n: int
    n_factors: int
    eigenvalues: tuple[float, ...]
    random_eigenvalues: tuple[float, ...]  # parallel analysis's 95th percentiles
    #: item -> loadings on each factor (oblimin-rotated when more than one)
    loadings: dict[str, tuple[float, ...]]


def exploratory_factors(matrix: npt.ArrayLike, item_names: Sequence[str], seed: int = 0, min_n: int = MIN_N_FOR_EFA) -> Efa:
    """Parallel analysis, then an ML factor analysis with that many factors (complete cases)."""
    data = np.asarray(matrix, dtype=np.float64)
    data = data[np.all(np.isfinite(data), axis=1)]
    n, p = data.shape
    if n < max(min_n, p + 1):
        return Efa("too_few", f"too few to tell: {n} complete responses, at least {min_n} needed", n, 0, (), (), {})
    if np.any(np.ptp(data, axis=0) == 0.0):
        return Efa("failed", "an item had the same answer from everyone", n, 0, (), (), {})
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads cost more than they save
        return _efa(data, item_names, seed)


def _efa(data: npt.NDArray[np.float64], item_names: Sequence[str], seed: int) -> Efa:
    from statsmodels.multivariate.factor import Factor

    n, p = data.shape
    count, observed, threshold = parallel_analysis(data, seed=seed)
    if count == 0:
        return Efa("no_factors", "no factor stands out from random data", n, 0, observed, threshold, {})
    count = min(count, max(1, p // 2))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = Factor(data, n_factor=count, method="ml").fit()
            if count > 1:
                result.rotate("oblimin")
    except (Warning, ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        return Efa("failed", f"the factor analysis did not converge ({exc})", n, count, observed, threshold, {})
    loadings = np.asarray(result.loadings, dtype=np.float64)
    return Efa(
        "ok",
        None,
        n,
        count,
        observed,
        threshold,
        {name: tuple(float(v) for v in loadings[j]) for j, name in enumerate(item_names)},
    )
