"""Fit statistics of a maximum-likelihood factor model, as R lavaan reports them (see analysis/cfa.py).

Chi-square comes from the fitted model; everything here is closed form from it, the
independence (baseline) model and the residuals: CFI, TLI, RMSEA with lavaan's
multi-group correction sqrt(G) and its 90% interval, Bentler's SRMR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["FitStats", "GroupData", "baseline", "cfi", "group_data", "rmsea", "srmr_group", "tli"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GroupData:
    """What ML estimation needs from one group: N, the means and the covariance matrix divided by N."""

    n: int
    means: FloatArray
    cov: FloatArray


def group_data(matrix: npt.ArrayLike) -> GroupData:
    """Summary statistics of the complete rows of ``matrix`` (respondents x items; NaN is missing)."""
    data = np.asarray(matrix, dtype=np.float64)
    data = data[np.all(np.isfinite(data), axis=1)]
    n = data.shape[0]
    if n < 2:
        raise ValueError("at least two complete rows are needed")
    means = data.mean(axis=0)
    centred = data - means
    return GroupData(n=n, means=means, cov=centred.T @ centred / n)


@dataclass(frozen=True)
class FitStats:
    chisq: float
    df: int
    pvalue: float | None
    cfi: float | None
    tli: float | None
    rmsea: float | None
    rmsea_ci_low: float | None
    rmsea_ci_high: float | None
    srmr: float
    baseline_chisq: float
    baseline_df: int
    n: int
    n_groups: int


def srmr_group(data: GroupData, sigma: FloatArray, mu: FloatArray, meanstructure: bool) -> float:
    scale = 1.0 / np.sqrt(np.diag(data.cov))
    resid = (data.cov - sigma) * np.outer(scale, scale)
    lower = resid[np.tril_indices(len(scale))]
    total, count = float(np.sum(lower**2)), lower.size
    if meanstructure:
        total += float(np.sum(((data.means - mu) * scale) ** 2))
        count += len(scale)
    return float(np.sqrt(total / count))


def rmsea(chisq: float, df: int, n: int, n_groups: int) -> tuple[float | None, float | None, float | None]:
    from scipy import optimize, stats

    if df <= 0:  # a just-identified model reproduces the data: no misfit, and no interval to give
        return 0.0, None, None
    root_g = np.sqrt(n_groups)
    point = float(np.sqrt(max(chisq / n / df - 1.0 / n, 0.0)) * root_g)

    def ncp_for(prob: float) -> float:
        """The noncentrality lambda at which P(X2 <= chisq) = prob; 0 when even lambda = 0 is below prob."""
        if stats.chi2.cdf(chisq, df) < prob:
            return 0.0
        high = max(chisq, 1.0)
        while stats.ncx2.cdf(chisq, df, high) > prob:
            high *= 2.0
        return float(optimize.brentq(lambda lam: stats.ncx2.cdf(chisq, df, lam) - prob, 1e-12, high, xtol=1e-12))

    low = float(np.sqrt(ncp_for(0.95) / (n * df)) * root_g)
    high = float(np.sqrt(ncp_for(0.05) / (n * df)) * root_g)
    return point, low, high


def baseline(groups: Sequence[GroupData]) -> tuple[float, int]:
    """The independence model: each group's items uncorrelated, variances (and means) free."""
    chisq = 0.0
    for data in groups:
        _, logdet = np.linalg.slogdet(data.cov)
        chisq += data.n * (float(np.log(np.diag(data.cov)).sum()) - float(logdet))
    p = groups[0].cov.shape[0]
    return chisq, len(groups) * p * (p - 1) // 2


def cfi(chisq: float, df: int, base: float, base_df: int) -> float | None:
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, base - base_df, 0.0)
    if t2 == 0.0:
        return 1.0 if t1 == 0.0 else None
    return 1.0 - t1 / t2


def tli(chisq: float, df: int, base: float, base_df: int) -> float | None:
    if df <= 0 or base_df <= 0 or base / base_df == 1.0:
        return None
    return (base / base_df - chisq / df) / (base / base_df - 1.0)
