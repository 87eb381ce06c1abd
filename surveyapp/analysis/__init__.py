"""Pure statistics for the dashboard, downloads and commands: numbers in, frozen results out.

No Flask, no database: callers pass plain arrays (one group's scores, one subscale's
item matrix) and get frozen dataclasses of floats, ints, strings, tuples and None
(never NaN), ready for JSON. Runtime dependencies stay permissively licensed
(numpy, scipy, statsmodels, scikit-posthocs); pingouin (GPL-3) is only the test oracle.

- ``descriptives``: n, mean, SD, quartiles and the t interval of the mean per group.
- ``comparisons``: Welch ANOVA / Welch t, Kruskal-Wallis, Games-Howell pairs with
  Hedges' g and Cliff's delta; ``comparison_words``: a one-sentence explanation for managers.
- ``reliability``: Cronbach's alpha with its Feldt interval, McDonald's omega, item-rest r.
- ``gaps``: self-view versus others' view on parallel forms, labelled only when clear.

scipy and statsmodels (with pandas, which statsmodels loads) are imported inside the functions that use
them, never at module level: every web worker imports this package, and a respondent's page must not pay
their start-up time and memory (~200 MB). tests/test_lazy_imports.py checks it.
"""

from .comparison_words import explain
from .comparisons import (
    MIN_N_FOR_TESTS,
    Comparison,
    PairResult,
    cliffs_delta,
    compare_groups,
    hedges_g,
    magnitude,
    welch_t,
)
from .descriptives import Summary, describe
from .gaps import GAP_LABELS, Gap, perception_gap
from .reliability import MIN_N_FOR_RELIABILITY, ItemStat, Reliability, cronbach_alpha, mcdonald_omega, reliability

__all__ = [
    "GAP_LABELS",
    "MIN_N_FOR_RELIABILITY",
    "MIN_N_FOR_TESTS",
    "Comparison",
    "Gap",
    "ItemStat",
    "PairResult",
    "Reliability",
    "Summary",
    "cliffs_delta",
    "compare_groups",
    "cronbach_alpha",
    "describe",
    "explain",
    "hedges_g",
    "magnitude",
    "mcdonald_omega",
    "perception_gap",
    "reliability",
    "welch_t",
]
