"""Measurement invariance across groups: do peers, staff and service users answer the same question?

Three nested multi-group CFA models (analysis/cfa.py, lavaan's ``group.equal``):

* **configural**: the same items load on the same factors in every group;
* **metric**: the loadings are equal, so the items measure the same thing in every
  group and relations (correlations, regressions) can be compared;
* **scalar**: the intercepts are equal too, so the groups use the scale the same
  way and their means can be compared.

A step holds when fit barely worsens against the step before: CFI drops by at
most .01 and RMSEA rises by at most .015 (Chen 2007, *Structural Equation
Modeling* 14:464-504; Cheung & Rensvold 2002). With hundreds of respondents per
group the chi-square difference test rejects trivial differences, so its
rejection alone does not make a step fail; but when it does not reject (p >= .05)
the step holds even if RMSEA moved by more than .015, which happens by chance
when the models have few degrees of freedom and the step before fitted perfectly
(RMSEA 0). Configural invariance is judged by the fit itself
(CFI at least .90 and RMSEA at most .08, the lenient end of Hu & Bentler 1999).

When scalar invariance fails, the items responsible are found as partial
invariance is usually searched for (Byrne, Shavelson & Muthén 1989): free one
item's intercept at a time, keep the one whose freeing improves chi-square most,
and repeat until the scalar step holds against the metric model. Those items are
named: their mean differences between groups are not differences in the construct.

No CFA is run with fewer than ``MIN_N_PER_GROUP`` complete responses in any group
(100; Kline 2016 and Brown 2015 give 100-200 as the least for simple models):
the answer is then "too few to tell", with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .cfa import FitStats, fit_cfa, group_data

__all__ = [
    "ALPHA",
    "DELTA_CFI",
    "DELTA_RMSEA",
    "MIN_N_PER_GROUP",
    "Invariance",
    "InvarianceStep",
    "measurement_invariance",
]

MIN_N_PER_GROUP = 100
DELTA_CFI = 0.01
DELTA_RMSEA = 0.015
CONFIGURAL_CFI = 0.90
ALPHA = 0.05
CONFIGURAL_RMSEA = 0.08


@dataclass(frozen=True)
class InvarianceStep:
    level: str  # "configural" | "metric" | "scalar" | "partial_scalar"
    fit: FitStats
    chisq_diff: float | None  # against the step before; None for configural
    df_diff: int | None
    p_diff: float | None
    delta_cfi: float | None  # this step's CFI minus the step before's
    delta_rmsea: float | None
    holds: bool


@dataclass(frozen=True)
class Invariance:
    status: str  # "ok" | "too_few" | "not_testable"
    reason: str | None
    groups: tuple[str, ...]
    n: dict[str, int]  # complete responses per group
    steps: tuple[InvarianceStep, ...]  # configural, metric, scalar (and partial_scalar when scalar failed)
    verdict: str  # "scalar" | "partial_scalar" | "metric" | "configural" | "none" | "too_few" | "not_testable"
    non_invariant_items: tuple[str, ...]  # intercepts freed to reach partial scalar invariance
    #: per non-invariant item, the group whose intercept lies furthest from the other groups' mean, and by how much
    #: (in the item's units: positive means that group answers higher at the same level of the factor)
    deviant_groups: dict[str, tuple[str, float]] = field(default_factory=dict)
    #: per group, item -> standardized loading in the configural model
    configural_loadings: tuple[dict[str, float], ...] = ()


def _compare(level: str, fit: FitStats, before: FitStats) -> InvarianceStep:
    from scipy import stats

    diff = fit.chisq - before.chisq
    df_diff = fit.df - before.df
    p = float(stats.chi2.sf(max(diff, 0.0), df_diff)) if df_diff > 0 else None
    d_cfi = fit.cfi - before.cfi if fit.cfi is not None and before.cfi is not None else None
    d_rmsea = fit.rmsea - before.rmsea if fit.rmsea is not None and before.rmsea is not None else None
    by_fit = d_cfi is not None and d_rmsea is not None and d_cfi >= -DELTA_CFI and d_rmsea <= DELTA_RMSEA
    holds = by_fit or (p is not None and p >= ALPHA)
    return InvarianceStep(level, fit, diff, df_diff, p, d_cfi, d_rmsea, holds)


def _configural_ok(fit: FitStats) -> bool:
    if fit.df == 0:  # just identified: fits perfectly, nothing to judge
        return True
    return fit.cfi is not None and fit.rmsea is not None and fit.cfi >= CONFIGURAL_CFI and fit.rmsea <= CONFIGURAL_RMSEA


def _freeable(structure: Mapping[str, Sequence[str]], freed: Sequence[str]) -> list[str]:
    """Items whose intercept may still be freed: each factor keeps at least one equal intercept."""
    out = []
    for items in structure.values():
        held = [i for i in items if i not in freed]
        if len(held) > 1:
            out.extend(held)
    return out


def _deviant_group(names: Sequence[str], intercepts: Sequence[Mapping[str, float]], item: str) -> tuple[str, float]:
    values = np.array([group[item] for group in intercepts])
    gaps = [float(values[g] - np.delete(values, g).mean()) for g in range(len(names))]
    worst = int(np.argmax(np.abs(gaps)))
    return names[worst], gaps[worst]


def measurement_invariance(
    groups: Mapping[str, npt.ArrayLike],
    structure: Mapping[str, Sequence[str]],
    items: Sequence[str],
    min_n: int = MIN_N_PER_GROUP,
) -> Invariance:
    """Configural, metric and scalar invariance of ``structure`` across ``groups`` (name -> respondents x items).

    Complete cases only; the groups' columns are ``items`` in that order.
    """
    names = tuple(groups)
    data = {}
    for name, matrix in groups.items():
        values = np.asarray(matrix, dtype=np.float64)
        data[name] = values[np.all(np.isfinite(values), axis=1)]
    n = {name: int(values.shape[0]) for name, values in data.items()}
    if len(names) < 2:
        reason = (
            f"only {_mid_sentence(names[0])} answered these items, and invariance needs two groups"
            if names
            else "no group answered"
        )
        return Invariance("not_testable", reason, names, n, (), "not_testable", ())
    small = [name for name in names if n[name] < min_n]
    if small:
        reason = (
            f"too few to tell: {', '.join(small)} had fewer than {min_n} complete responses "
            f"(a factor analysis needs at least {min_n} per group)"
        )
        return Invariance("too_few", reason, names, n, (), "too_few", ())
    constant = [items[j] for name in names for j in range(len(items)) if np.ptp(data[name][:, j]) == 0.0]
    if constant:
        reason = f"not testable: {', '.join(sorted(set(constant)))} had the same answer from everyone in a group"
        return Invariance("not_testable", reason, names, n, (), "not_testable", ())
    stats_ = [group_data(data[name]) for name in names]
    configural = fit_cfa(stats_, structure, items)
    metric = fit_cfa(stats_, structure, items, equal=("loadings",), start_from=configural)
    scalar = fit_cfa(stats_, structure, items, equal=("loadings", "intercepts"), start_from=metric)
    if not (configural.converged and metric.converged and scalar.converged):
        reason = "the factor model did not converge for these answers, so no verdict is given"
        return Invariance("not_testable", reason, names, n, (), "not_testable", ())
    steps = [
        InvarianceStep("configural", configural.fit, None, None, None, None, None, _configural_ok(configural.fit)),
        _compare("metric", metric.fit, configural.fit),
        _compare("scalar", scalar.fit, metric.fit),
    ]
    freed: list[str] = []
    deviant: dict[str, tuple[str, float]] = {}
    if steps[1].holds and not steps[2].holds:
        partial, previous = steps[2], scalar
        while not partial.holds and (candidates := _freeable(structure, freed)):
            fits = {
                item: fit_cfa(stats_, structure, items, ("loadings", "intercepts"), [*freed, item], start_from=previous)
                for item in candidates
            }
            best = min(candidates, key=lambda item: fits[item].fit.chisq)
            freed.append(best)
            previous = fits[best]
            partial = _compare("partial_scalar", previous.fit, metric.fit)
        steps.append(partial)
        deviant = {item: _deviant_group(names, previous.intercepts, item) for item in freed}
    if not steps[0].holds:
        verdict = "none"
    elif not steps[1].holds:
        verdict = "configural"
    elif steps[2].holds:
        verdict = "scalar"
    elif steps[-1].holds:
        verdict = "partial_scalar"
    else:
        verdict = "metric"
    improper = "an improper solution (a residual variance at zero): read with care" if configural.boundary else None
    return Invariance(
        status="ok",
        reason=improper,
        groups=names,
        n=n,
        steps=tuple(steps),
        verdict=verdict,
        non_invariant_items=tuple(freed),
        deviant_groups=deviant,
        configural_loadings=configural.std_loadings,
    )


def _mid_sentence(label: str) -> str:
    """A group's label inside a sentence: "Peer specialists" -> "peer specialists" (an acronym such as "ER" stays)."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label
