"""The fixed data set behind the reference numbers: three audiences of unequal size
answering a 5-item, 1-5 subscale, item 3 reverse-keyed (already recoded) and about
5% of answers missing.

Generated from a seed, never from the clock, so the reference JSON written by
``make_reference.py`` stays valid; change anything here and regenerate it.
"""

from __future__ import annotations

import numpy as np

SEED = 20240611
ITEMS = ("clear", "expected", "unclear_r", "priorities", "boundaries")
GROUPS = ("peer specialists", "staff", "service users")  # the mapping order the app would use
SIZES = {"peer specialists": 25, "staff": 40, "service users": 33}
_LATENT = {"peer specialists": (1.0, 0.7), "staff": (0.0, 1.3), "service users": (0.4, 1.0)}  # mean, sd
_LOADINGS = np.array([0.9, 0.8, -0.6, 0.7, 0.5])  # item 3 is worded the other way round
MISSING_SHARE = 0.05
SCALE_MIN, SCALE_MAX = 1, 5


def item_matrices() -> dict[str, np.ndarray]:
    """Respondents x items per group, reverse-keyed item recoded, NaN = missing."""
    rng = np.random.default_rng(SEED)
    out = {}
    for group in GROUPS:
        mean, sd = _LATENT[group]
        theta = rng.normal(mean, sd, SIZES[group])
        raw = 3.0 + theta[:, None] * _LOADINGS + rng.normal(0.0, 0.8, (SIZES[group], len(ITEMS)))
        answers = np.clip(np.rint(raw), SCALE_MIN, SCALE_MAX)
        answers[:, 2] = SCALE_MIN + SCALE_MAX - answers[:, 2]  # recode, as scoring does before averaging
        answers[rng.random(answers.shape) < MISSING_SHARE] = np.nan
        out[group] = answers
    return out


def scores() -> dict[str, np.ndarray]:
    """Subscale means per respondent; NaN when fewer than 4 of 5 items were answered (the 80% rule)."""
    out = {}
    for group, matrix in item_matrices().items():
        answered = np.isfinite(matrix).sum(axis=1)
        total = np.where(np.isfinite(matrix), matrix, 0.0).sum(axis=1)
        out[group] = np.where(answered >= 4, total / np.maximum(answered, 1), np.nan)
    return out


def pooled_items() -> np.ndarray:
    return np.vstack([item_matrices()[g] for g in GROUPS])
