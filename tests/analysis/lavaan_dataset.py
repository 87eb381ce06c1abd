"""A data set with a known factor structure, for checking the CFA and invariance code against R lavaan.

Three groups answer eight items measuring two correlated factors (x1-x4 and x5-x8).
Loadings and residual variances are the same in every group; the groups differ
in their factor means and variances, and item x3's intercept is shifted by 0.6
in the "staff" group, so metric invariance holds and scalar invariance fails on x3.
Values are rounded to 4 decimals so that the CSV both sides read is exact.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import numpy.typing as npt

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "lavaan_data.csv"
ITEMS = ("x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8")
STRUCTURE = {"f1": ("x1", "x2", "x3", "x4"), "f2": ("x5", "x6", "x7", "x8")}
GROUPS = {"peer": 320, "staff": 260, "user": 210}
SHIFTED_ITEM, SHIFTED_GROUP, SHIFT = "x3", "staff", 0.6

_LOADINGS = np.array([[1.0, 0], [0.8, 0], [0.9, 0], [0.7, 0], [0, 1.0], [0, 0.85], [0, 0.75], [0, 0.9]])
_INTERCEPTS = np.array([3.0, 3.2, 2.8, 3.1, 3.4, 3.0, 2.9, 3.3])
_RESIDUAL_SD = np.array([0.6, 0.7, 0.65, 0.75, 0.6, 0.7, 0.7, 0.65])
_FACTOR_MEANS = {"peer": (0.0, 0.0), "staff": (0.2, -0.1), "user": (-0.15, 0.25)}
_FACTOR_SD = {"peer": (0.8, 0.7), "staff": (0.9, 0.75), "user": (0.7, 0.8)}
_FACTOR_R = 0.4


def generate(seed: int = 20261207) -> dict[str, npt.NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    out = {}
    for group, n in GROUPS.items():
        sd = np.array(_FACTOR_SD[group])
        cov = np.outer(sd, sd) * np.array([[1.0, _FACTOR_R], [_FACTOR_R, 1.0]])
        eta = rng.multivariate_normal(_FACTOR_MEANS[group], cov, size=n)
        intercepts = _INTERCEPTS.copy()
        if group == SHIFTED_GROUP:
            intercepts[ITEMS.index(SHIFTED_ITEM)] += SHIFT
        x = intercepts + eta @ _LOADINGS.T + rng.normal(size=(n, len(ITEMS))) * _RESIDUAL_SD
        out[group] = np.round(x, 4)
    return out


def write_csv(path: Path = FIXTURE) -> None:
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["group", *ITEMS])
        for group, rows in generate().items():
            for row in rows:
                writer.writerow([group, *(f"{v:.4f}" for v in row)])


def read_csv(path: Path = FIXTURE) -> dict[str, npt.NDArray[np.float64]]:
    rows: dict[str, list[list[float]]] = {}
    with path.open(encoding="utf-8") as source:
        for record in csv.DictReader(source):
            rows.setdefault(record["group"], []).append([float(record[i]) for i in ITEMS])
    return {g: np.array(r) for g, r in rows.items()}
