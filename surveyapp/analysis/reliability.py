"""Internal consistency of a subscale, per audience (research/instruments.md section 3.4).

A subscale score is only worth comparing if its items hang together, and that can
differ between audiences answering parallel forms, so it is shown per group:
Cronbach's alpha with its Feldt confidence interval, McDonald's omega total from
a one-factor model (alpha assumes every item loads equally; omega does not), the
corrected item-rest correlation and alpha-if-item-deleted for spotting a weak item.

Below ``MIN_N_FOR_RELIABILITY`` complete responses the interval is so wide that
any estimate misleads, so none is given.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .descriptives import _float_or_none

__all__ = ["MIN_N_FOR_RELIABILITY", "ItemStat", "Reliability", "cronbach_alpha", "mcdonald_omega", "reliability"]

MIN_N_FOR_RELIABILITY = 30
#: below this, alpha's interval is typically wider than +-0.1: say so next to the number
_N_FOR_NARROW_INTERVAL = 100
_ALPHA_FLOOR = 0.70  # the usual "acceptable" threshold
_ITEM_REST_FLOOR = 0.30  # Field (2009): flag for review, never drop automatically


@dataclass(frozen=True)
class ItemStat:
    item: str
    item_rest_r: float | None  # correlation of the item with the sum of the other items
    alpha_if_deleted: float | None  # None for 2-item subscales (one item is no scale)


@dataclass(frozen=True)
class Reliability:
    status: str  # "ok" | "too_few" | "too_few_items"
    n: int  # complete cases used
    k: int  # items
    alpha: float | None
    alpha_ci_low: float | None  # Feldt (F-based) interval
    alpha_ci_high: float | None
    omega: float | None  # McDonald's omega total, 1-factor ML on the correlations; None if it cannot be computed
    items: tuple[ItemStat, ...]  # empty unless status is "ok"
    warning: str | None  # sentences joined by "; ", e.g. "alpha below .70; n under 100: wide interval"


def _complete_rows(matrix: npt.ArrayLike) -> npt.NDArray[np.float64]:
    data = np.asarray(matrix, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"matrix must be 2-dimensional (respondents x items), got shape {data.shape}")
    return data[np.all(np.isfinite(data), axis=1)]


def cronbach_alpha(matrix: npt.ArrayLike) -> float | None:
    """k/(k-1) · (1 - sum of item variances / variance of the total), on complete rows.

    None for fewer than 2 items or 2 complete rows, or when the total does not vary
    (alpha is 0/0 then).
    """
    data = _complete_rows(matrix)
    n, k = data.shape
    if k < 2 or n < 2:
        return None
    return _alpha_from_cov(np.cov(data, rowvar=False, ddof=1))


def _alpha_from_cov(cov: npt.NDArray[np.float64]) -> float | None:
    k = cov.shape[0]
    total = float(cov.sum())
    if k < 2 or total <= 0.0:
        return None
    return _float_or_none(k / (k - 1) * (1.0 - float(np.trace(cov)) / total))


def _feldt_interval(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    """Feldt (1965) F-based interval, the one psych::alpha.ci and pingouin.cronbach_alpha report."""
    from scipy import stats

    df1 = n - 1
    df2 = df1 * (k - 1)
    tail = (1.0 - confidence) / 2.0
    low = 1.0 - (1.0 - alpha) * stats.f.isf(tail, df1, df2)
    high = 1.0 - (1.0 - alpha) * stats.f.isf(1.0 - tail, df1, df2)
    return float(low), float(high)


def mcdonald_omega(matrix: npt.ArrayLike) -> float | None:
    """Omega total of a one-factor model fitted by maximum likelihood to the item correlations.

    omega = (sum of loadings)² / ((sum of loadings)² + sum of uniquenesses). None for
    fewer than 3 items (a one-factor model is not identified), a constant item, or a
    fit that fails or warns: a model-based number from a bad fit is worse than none.
    """
    data = _complete_rows(matrix)
    n, k = data.shape
    if k < 3 or n <= k or np.any(np.ptp(data, axis=0) == 0.0):
        return None
    return _omega_of_cov(np.cov(data, rowvar=False, ddof=1), n)


def _omega_of_cov(cov: npt.NDArray[np.float64], n: int) -> float | None:
    """:func:`mcdonald_omega` from the complete rows' covariance matrix (every item varying, n > k)."""
    from statsmodels.multivariate.factor import Factor

    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    np.fill_diagonal(corr, 1.0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = Factor(corr=corr, n_factor=1, method="ml", nobs=n).fit()
    except (Warning, ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None
    retvals = getattr(result, "mle_retvals", None)
    if retvals is not None and not getattr(retvals, "success", True):
        return None
    loadings = np.asarray(result.loadings, dtype=np.float64)[:, 0]
    uniqueness = np.asarray(result.uniqueness, dtype=np.float64)
    if not (np.all(np.isfinite(loadings)) and np.all(np.isfinite(uniqueness))):
        return None
    common = float(loadings.sum()) ** 2
    return _float_or_none(common / (common + float(uniqueness.sum())))


def _item_stats(cov: npt.NDArray[np.float64], names: Sequence[str]) -> tuple[ItemStat, ...]:
    """Corrected (item-rest) correlations and alpha if deleted, all from one covariance matrix.

    cov(item, rest) = row sum - item variance; var(rest) = total - 2 row sum + item
    variance; alpha without item j is alpha of the covariance matrix without row and
    column j. One pass over the answers however many items there are.
    """
    k = cov.shape[0]
    row_sums, variances, total = cov.sum(axis=1), np.diag(cov), float(cov.sum())
    rest_variance = total - 2.0 * row_sums + variances
    out = []
    for j, name in enumerate(names):
        r = None
        if variances[j] > 0.0 and rest_variance[j] > 0.0:
            r = _float_or_none((row_sums[j] - variances[j]) / np.sqrt(variances[j] * rest_variance[j]))
        keep = [i for i in range(k) if i != j]
        deleted = _alpha_from_cov(cov[np.ix_(keep, keep)]) if k >= 3 else None
        out.append(ItemStat(item=name, item_rest_r=r, alpha_if_deleted=deleted))
    return tuple(out)


def _same(text: str) -> str:
    return text


def _warnings(alpha: float | None, n: int, k: int, items: Sequence[ItemStat], _: Callable[[str], str] = _same) -> str | None:
    notes = []
    if k == 2:
        notes.append(_("two items: Spearman-Brown is the better coefficient"))
    if alpha is None:
        notes.append(_("alpha cannot be computed: the total score does not vary"))
    elif alpha < 0.0:
        notes.append(_("alpha below 0: check that reverse-keyed items were recoded"))
    elif alpha < _ALPHA_FLOOR:
        notes.append(_("alpha below .70"))
    if n < _N_FOR_NARROW_INTERVAL:
        notes.append(_("n under 100: wide interval"))
    weak = [s.item for s in items if s.item_rest_r is not None and s.item_rest_r < _ITEM_REST_FLOOR]
    if k >= 3 and weak:
        notes.append(_("item-rest r below .30: %(items)s") % {"items": ", ".join(weak)})
    return "; ".join(notes) or None


def reliability(
    matrix: npt.ArrayLike,
    item_names: Sequence[str],
    min_n: int = MIN_N_FOR_RELIABILITY,
    _: Callable[[str], str] = _same,
) -> Reliability:
    """Reliability of one subscale for one group (``_`` translates its warnings; English without it).

    ``matrix``: rows are respondents, columns the subscale's items, already
    reverse-keyed; NaN is a missing answer. Rows with any missing item are dropped
    (listwise), as alpha needs one covariance matrix from the same people.
    """
    data = _complete_rows(matrix)
    names = tuple(item_names)
    n, k = (int(x) for x in data.shape)
    if len(names) != k:
        raise ValueError(f"{len(names)} item names for {k} columns")
    if k < 2:
        return Reliability("too_few_items", n, k, None, None, None, None, (), "a single item has no internal consistency")
    if n < max(min_n, 2):
        warning = _("insufficient n: fewer than %(n)s complete responses") % {"n": min_n}
        return Reliability("too_few", n, k, None, None, None, None, (), warning)

    cov = np.cov(data, rowvar=False, ddof=1)  # one pass over the answers serves alpha, the items and omega
    alpha = _alpha_from_cov(cov)
    low = high = None
    if alpha is not None:
        low, high = _feldt_interval(alpha, n, k, 0.95)
    items = _item_stats(cov, names)
    varies = bool(np.all(np.diag(cov) > 0.0))  # a constant item: a one-factor model is not identified
    return Reliability(
        status="ok",
        n=n,
        k=k,
        alpha=alpha,
        alpha_ci_low=low,
        alpha_ci_high=high,
        omega=_omega_of_cov(cov, n) if k >= 3 and n > k and varies else None,
        items=items,
        warning=_warnings(alpha, n, k, items, _),
    )
