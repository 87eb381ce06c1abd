"""Write fixtures/reference.json: pingouin's numbers for the fixed data set in dataset.py.

pingouin is GPL-3, so the application never imports it; it is the independent
implementation the tests check ours against. The numbers are stored so that the
check still runs where pingouin is not installed. Run from the repository root,
after changing dataset.py or upgrading pingouin on purpose:

    .venv/bin/python -m tests.analysis.make_reference

Omega-squared and epsilon-squared have no pingouin function: they are worked
out here from their formulas on pingouin's classic ANOVA sums of squares and
Kruskal-Wallis H.
"""

from __future__ import annotations

import json
import warnings
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pingouin as pg

from tests.analysis.dataset import GROUPS, ITEMS, item_matrices, pooled_items, scores

REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference.json"


def long_scores() -> pd.DataFrame:
    frames = [pd.DataFrame({"group": g, "score": v}) for g, v in scores().items()]
    return pd.concat(frames, ignore_index=True).dropna()


def _floats(values: Any) -> list[float]:
    return [float(v) for v in values]


def group_comparison() -> dict[str, Any]:
    data = long_scores()
    n_total = len(data)
    k = data["group"].nunique()
    welch = pg.welch_anova(data=data, dv="score", between="group").iloc[0]
    with warnings.catch_warnings():
        # pingouin 0.7.0 calls dropna(inplace=True), which pandas 3.1 deprecates; harmless here
        warnings.filterwarnings("ignore", message="The inplace keyword", category=Warning)
        anova = pg.anova(data=data, dv="score", between="group", detailed=True).set_index("Source")
    ss_between, ss_within = float(anova.loc["group", "SS"]), float(anova.loc["Within", "SS"])
    ms_within = ss_within / (n_total - k)
    kruskal = pg.kruskal(data=data, dv="score", between="group").iloc[0]
    games_howell = pg.pairwise_gameshowell(data=data, dv="score", between="group", effsize="hedges")
    by_group = {g: data.loc[data["group"] == g, "score"].to_numpy() for g in GROUPS}
    return {
        "n": {g: len(v) for g, v in by_group.items()},
        "welch_anova": {
            "F": float(welch["F"]),
            "ddof1": float(welch["ddof1"]),
            "ddof2": float(welch["ddof2"]),
            "p": float(welch["p_unc"]),
        },
        "classic_anova": {
            "ss_between": ss_between,
            "ss_within": ss_within,
            # omega² = (SS_b - (k-1)·MS_w) / (SS_t + MS_w)
            "omega_squared": (ss_between - (k - 1) * ms_within) / (ss_between + ss_within + ms_within),
        },
        "kruskal": {
            "H": float(kruskal["H"]),
            "p": float(kruskal["p_unc"]),
            "epsilon_squared": float(kruskal["H"]) / (n_total - 1),  # H / (n - 1)
        },
        # pingouin orders groups alphabetically and reports A - B; ours follow the mapping and report b - a
        "games_howell": [
            {
                "A": row.A,
                "B": row.B,
                "diff": float(row.diff),
                "T": float(row.T),
                "df": float(row.df),
                "pval": float(row.pval),
                "hedges": float(row.hedges),
            }
            for row in games_howell.itertuples()
        ],
        # RBC of mwu(x=b, y=a) is P(b > a) - P(b < a): our cliffs_delta(a, b)
        "mwu_rbc": [
            {"a": a, "b": b, "RBC": float(pg.mwu(by_group[b], by_group[a])["RBC"].iloc[0])} for a, b in combinations(GROUPS, 2)
        ],
    }


def two_groups() -> dict[str, Any]:
    """Welch's t and the gap for peer specialists (self) against staff (others)."""
    all_scores = scores()
    peer = all_scores["peer specialists"][np.isfinite(all_scores["peer specialists"])]
    staff = all_scores["staff"][np.isfinite(all_scores["staff"])]
    ttest = pg.ttest(staff, peer, correction=True).iloc[0]  # staff - peer
    return {
        "a": "peer specialists",
        "b": "staff",
        "T": float(ttest["T"]),
        "dof": float(ttest["dof"]),
        "p": float(ttest["p_val"]),
        "ci95_rounded_2dp": _floats(ttest["CI95"]),  # pingouin rounds this interval to 2 decimals
        "hedges": float(pg.compute_effsize(staff, peer, paired=False, eftype="hedges")),
        "rbc": float(pg.mwu(staff, peer)["RBC"].iloc[0]),
    }


def cronbach() -> dict[str, Any]:
    """alpha and its interval per group, from the complete cases and from the data with NaN.

    With NaN and nan_policy="listwise", pingouin 0.7.0 drops the incomplete rows for alpha
    but takes n for the Feldt interval from before the drop (too narrow an interval);
    both are stored so the tests pin that difference down.
    """
    sets = {"pooled": pooled_items(), **item_matrices()}
    out: dict[str, Any] = {}
    for name, matrix in sets.items():
        frame = pd.DataFrame(matrix, columns=list(ITEMS))
        complete = frame.dropna()
        alpha, ci = pg.cronbach_alpha(data=complete)
        _alpha_nan, ci_nan = pg.cronbach_alpha(data=frame, nan_policy="listwise")
        out[name] = {
            "rows": len(frame),
            "n": len(complete),
            "alpha": float(alpha),
            "ci_rounded_3dp": _floats(ci),  # pingouin rounds the interval to 3 decimals
            "listwise_ci_rounded_3dp": _floats(ci_nan),
        }
    # item statistics on the pooled complete cases, as ours are computed
    complete = pd.DataFrame(pooled_items(), columns=list(ITEMS)).dropna()
    total = complete.sum(axis=1)
    out["pooled"]["items"] = {
        item: {
            "alpha_if_deleted": float(pg.cronbach_alpha(data=complete.drop(columns=item))[0]),
            "item_rest_r": float(complete[item].corr(total - complete[item])),  # pandas, by hand
        }
        for item in ITEMS
    }
    return out


def reference() -> dict[str, Any]:
    return {
        "generated_by": f"tests/analysis/make_reference.py with pingouin {pg.__version__}",
        "three_groups": group_comparison(),
        "two_groups": two_groups(),
        "cronbach": cronbach(),
    }


if __name__ == "__main__":
    REFERENCE.write_text(json.dumps(reference(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE}")
