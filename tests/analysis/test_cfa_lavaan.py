"""CFA and invariance models against R lavaan 0.6 (stored in fixtures/lavaan_reference.json by make_lavaan_reference.py).

Every fit statistic lavaan reports and every standardized loading must agree to 1e-3
relative (absolute near zero), for one group, each group alone, the groups pooled,
and the configural, metric, scalar and partial-scalar multi-group models.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from surveyapp.analysis.cfa import CfaFit, fit_cfa, group_data
from surveyapp.analysis.invariance import measurement_invariance
from tests.analysis.lavaan_dataset import ITEMS, SHIFTED_ITEM, STRUCTURE, read_csv

REFERENCE = json.loads((Path(__file__).resolve().parent / "fixtures" / "lavaan_reference.json").read_text(encoding="utf-8"))
DATA = read_csv()
GROUPS = list(DATA)
RTOL, ATOL = 1e-3, 1e-6

FIT_KEYS = {
    "chisq": "chisq",
    "df": "df",
    "pvalue": "pvalue",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_low": "rmsea.ci.lower",
    "rmsea_ci_high": "rmsea.ci.upper",
    "srmr": "srmr",
    "baseline_chisq": "baseline.chisq",
    "baseline_df": "baseline.df",
}
MULTI_GROUP = {
    "configural": {},
    "metric": {"equal": ("loadings",)},
    "scalar": {"equal": ("loadings", "intercepts")},
    "partial": {"equal": ("loadings", "intercepts"), "free_intercepts": (SHIFTED_ITEM,)},
}


def _fit(name: str) -> tuple[CfaFit, list[str]]:
    if name == "pooled":
        return fit_cfa([group_data(np.vstack([DATA[g] for g in GROUPS]))], STRUCTURE, ITEMS), ["all"]
    if name.startswith("group_"):
        return fit_cfa([group_data(DATA[name.removeprefix("group_")])], STRUCTURE, ITEMS), ["all"]
    return fit_cfa([group_data(DATA[g]) for g in GROUPS], STRUCTURE, ITEMS, **MULTI_GROUP[name]), GROUPS


MODELS = ["pooled", *(f"group_{g}" for g in GROUPS), *MULTI_GROUP]


@pytest.mark.parametrize("model", MODELS)
def test_fit_statistics_equal_lavaans(model: str) -> None:
    fitted, _ = _fit(model)
    expected = REFERENCE[model]["fit"]
    assert fitted.converged
    for ours, theirs in FIT_KEYS.items():
        assert getattr(fitted.fit, ours) == pytest.approx(expected[theirs], rel=RTOL, abs=ATOL), ours


@pytest.mark.parametrize("model", MODELS)
def test_standardized_loadings_equal_lavaans(model: str) -> None:
    fitted, labels = _fit(model)
    for index, label in enumerate(labels):
        expected = REFERENCE[model]["std"][label]
        assert fitted.std_loadings[index] == pytest.approx(expected, rel=RTOL, abs=ATOL)


def test_difference_tests_equal_lavaans_lrt() -> None:
    outcome = measurement_invariance(DATA, STRUCTURE, ITEMS)
    steps = {s.level: s for s in outcome.steps}
    for level in ("metric", "scalar"):
        expected = REFERENCE["lrt"][level]
        assert steps[level].chisq_diff == pytest.approx(expected["chisq_diff"], rel=RTOL)
        assert steps[level].df_diff == expected["df_diff"]
        assert steps[level].p_diff == pytest.approx(expected["p"], rel=RTOL)


def test_the_planted_intercept_shift_is_found() -> None:
    outcome = measurement_invariance(DATA, STRUCTURE, ITEMS)
    assert [s.holds for s in outcome.steps[:3]] == [True, True, False]
    assert outcome.verdict == "partial_scalar"
    assert outcome.non_invariant_items == (SHIFTED_ITEM,)
    partial = outcome.steps[3].fit
    assert partial.chisq == pytest.approx(REFERENCE["partial"]["fit"]["chisq"], rel=RTOL)
