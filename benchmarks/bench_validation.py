"""Validation benchmark: a CFA and the three invariance models for a 20-item, 4-factor instrument.

Target (issue 14): a confirmatory factor analysis (each of three groups alone and
the groups pooled) plus the configural, metric and scalar models across the
three groups, 2,000 respondents each, in under 10 s on a 2-core machine.

The data are drawn from a 4-factor model with 5 items each, loadings 0.6-0.9 and
one item's intercept shifted in one group (so the partial-invariance search runs
too, and is timed separately: it fits one model per candidate item per step).
Answers are rounded to a 1-5 scale as survey answers are.
"""

from __future__ import annotations

import time

import numpy as np

from surveyapp.analysis.cfa import fit_cfa, group_data
from surveyapp.analysis.invariance import measurement_invariance

TARGET_S = 10.0
N_PER_GROUP = 2000
FACTORS = 4
PER_FACTOR = 5
ITEMS = [f"q{i + 1}" for i in range(FACTORS * PER_FACTOR)]
STRUCTURE = {f"f{f + 1}": tuple(ITEMS[f * PER_FACTOR : (f + 1) * PER_FACTOR]) for f in range(FACTORS)}


def make_groups(shift: float, seed: int = 14) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    loadings = np.zeros((len(ITEMS), FACTORS))
    for f in range(FACTORS):
        loadings[f * PER_FACTOR : (f + 1) * PER_FACTOR, f] = rng.uniform(0.6, 0.9, PER_FACTOR)
    phi = np.full((FACTORS, FACTORS), 0.3) + 0.7 * np.eye(FACTORS)
    groups = {}
    for g, name in enumerate(("peer", "staff", "service_user")):
        eta = rng.multivariate_normal(np.full(FACTORS, 0.1 * g), phi, size=N_PER_GROUP)
        intercepts = np.full(len(ITEMS), 3.0)
        if name == "staff":
            intercepts[3] += shift
        raw = intercepts + eta @ loadings.T + rng.normal(0.0, 0.6, size=(N_PER_GROUP, len(ITEMS)))
        groups[name] = np.clip(np.round(raw), 1, 5)
    return groups


def timed(label: str, work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {elapsed:6.2f} s")
    return elapsed, result


def main() -> int:
    groups = make_groups(shift=0.5)
    stats = {name: group_data(values) for name, values in groups.items()}
    print(f"validation: {len(ITEMS)} items, {FACTORS} factors, 3 groups x {N_PER_GROUP} respondents")
    start = time.perf_counter()
    for name, summary in stats.items():
        timed(f"CFA, {name}", lambda s=summary: fit_cfa([s], STRUCTURE, ITEMS))
    pooled = group_data(np.vstack(list(groups.values())))
    timed("CFA, pooled", lambda: fit_cfa([pooled], STRUCTURE, ITEMS))
    several = list(stats.values())
    for label, equal in (("configural", ()), ("metric", ("loadings",)), ("scalar", ("loadings", "intercepts"))):
        _, fitted = timed(f"invariance model: {label}", lambda e=equal: fit_cfa(several, STRUCTURE, ITEMS, equal=e))
        assert fitted.converged, label  # noqa: S101 - a benchmark of a failed fit measures nothing
    total = time.perf_counter() - start
    verdict = "OK" if total < TARGET_S else "MISSED"
    print(f"  {'CFA + three invariance models':<44} {total:6.2f} s  (target < {TARGET_S:.0f} s)  {verdict}")
    _, outcome = timed(
        "full measurement_invariance with partial search", lambda: measurement_invariance(groups, STRUCTURE, ITEMS)
    )
    print(f"    verdict {outcome.verdict}, non-invariant items: {', '.join(outcome.non_invariant_items) or 'none'}")
    return 0 if total < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
