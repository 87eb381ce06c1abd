"""Per-group descriptive statistics for one score (a subscale mean, an item).

Every dashboard number that describes a single group comes from here, so a
table, a chart and a CSV download can never disagree. The confidence interval
of the mean is the one drawn as the error bar in the "mean ± 95% CI" dot plot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Summary", "describe"]


@dataclass(frozen=True)
class Summary:
    n: int  # finite values used
    mean: float | None
    sd: float | None  # sample SD (ddof=1)
    median: float | None
    q1: float | None  # 25th percentile (linear interpolation, as R's default type 7)
    q3: float | None
    ci_low: float | None  # t-based confidence interval of the mean
    ci_high: float | None
    minimum: float | None
    maximum: float | None


def _finite(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """A flat float array without NaN (missing answers) or infinities (never a real score)."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(arr)
    return arr if finite.all() else arr[finite]  # already clean (most calls): no copy, never changed in place


def _float_or_none(value: float | np.floating | None) -> float | None:
    """Results leave as JSON: NaN and infinities become None, numpy scalars plain floats."""
    if value is None:
        return None
    out = float(value)
    return out if np.isfinite(out) else None


def describe(values: npt.ArrayLike, confidence: float = 0.95) -> Summary:
    """Summarise one group's scores; missing values (NaN) are left out, not counted as zero.

    With a single value there is no spread, so SD and the interval are None rather
    than a misleading 0; with no values everything but n is None.
    """
    from scipy import stats

    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence!r}")
    arr = _finite(values)
    n = int(arr.size)
    if n == 0:
        return Summary(0, None, None, None, None, None, None, None, None, None)
    mean = float(arr.mean())
    q1, median, q3 = (float(q) for q in np.percentile(arr, [25.0, 50.0, 75.0]))
    sd = ci_low = ci_high = None
    if n >= 2:
        sd = float(arr.std(ddof=1))
        if sd > 0.0:
            ci_low, ci_high = (float(x) for x in stats.t.interval(confidence, n - 1, loc=mean, scale=sd / np.sqrt(n)))
        else:  # every answer the same: the sample gives no width to the interval
            ci_low = ci_high = mean
    return Summary(
        n=n,
        mean=mean,
        sd=sd,
        median=median,
        q1=q1,
        q3=q3,
        ci_low=ci_low,
        ci_high=ci_high,
        minimum=float(arr.min()),
        maximum=float(arr.max()),
    )
