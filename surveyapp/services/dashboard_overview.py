"""The dashboard's overview: responses started and submitted per audience, completion, time taken, submissions per
day, each hidden as the survey's family of cells requires (services.cells)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from flask_babel import gettext
from sqlalchemy import func, select

from ..analysis.suppression import Suppression
from ..db import Audience, Response, Survey, db
from ..instruments.audiences import audience_name
from .cells import SurveyDisclosure, shows, total_key
from .survey_data import SurveyData

__all__ = ["overview"]


def overview(
    survey: Survey, data: SurveyData, min_cell: int, disclosure: SurveyDisclosure, language: str | None = None
) -> dict[str, Any]:
    rows = db.session.execute(
        select(Audience.key, Response.status, func.count())
        .join(Audience, Audience.id == Response.audience_id)
        .where(Response.survey_id == survey.id)
        .group_by(Audience.key, Response.status)
    ).all()
    started: dict[str, int] = {a.key: 0 for a in survey.audiences}
    submitted: dict[str, int] = dict.fromkeys(started, 0)
    own = data.survey_id == survey.id  # comparing waves loads the whole series; the overview is this survey's
    for audience, _, n in rows:
        started[audience] += n
    for audience in submitted:  # published responses: figures move in steps (services.publication)
        submitted[audience] = int((data.of_audiences([audience]) & own).sum())
    hidden = _overview_suppression(disclosure, submitted, min_cell)
    minutes = data.minutes
    labels = survey.texts.get("audience_labels") or {}
    per_audience = []
    for key in started:
        shown = hidden.shows(key)
        mask = data.of_audiences([key]) & own
        per_audience.append(
            {
                "key": key,
                "label": audience_name(key, labels, language or survey.languages[0]),
                "started": started[key] if shown else None,
                "submitted": submitted[key] if shown else None,
                "completion_rate": (submitted[key] / started[key] if started[key] else None) if shown else None,
                "median_minutes": _median_minutes(minutes[mask]) if shown else None,
                "hidden": not shown,
            }
        )
    day = func.date(Response.submitted_at)
    by_day = db.session.execute(
        select(day, func.count())
        .where(Response.survey_id == survey.id, Response.status == "submitted", Response.published.is_(True))
        .group_by(day)
        .order_by(day)
    ).all()
    total_started = sum(started.values())
    total_submitted = sum(submitted.values())
    total_ok = not hidden.total_hidden
    return {
        "audiences": per_audience,
        "started": total_started if total_ok else None,
        "submitted": total_submitted if total_ok else None,
        "completion_rate": (total_submitted / total_started if total_started else None) if total_ok else None,
        "median_minutes": _median_minutes(minutes[own]) if total_submitted >= min_cell and total_ok else None,
        # a day with fewer than min_cell submissions shows as "fewer than N", never exactly
        "by_day": [{"date": str(d), "submitted": int(c) if c >= min_cell else None} for d, c in by_day],
        "note": hidden.note({a["key"]: a["label"] for a in per_audience}, gettext),
    }


def _overview_suppression(disclosure: SurveyDisclosure, submitted: Mapping[str, int], min_cell: int) -> Suppression:
    """The overview's audiences and total, hidden as the survey's whole family of cells requires."""
    too_small = {a for a, n in submitted.items() if 0 < n < min_cell}
    hidden = {a for a in submitted if not shows(disclosure, total_key((a,)), submitted[a])}
    everyone = tuple(submitted)
    total_hidden = not shows(disclosure, total_key(everyone), sum(submitted.values()))
    return Suppression(frozenset(hidden | too_small), frozenset(too_small), frozenset(hidden - too_small), min_cell, total_hidden)


def _median_minutes(minutes: npt.NDArray[np.float64]) -> float | None:
    """The median completion time, or None when no response has one (all imported, say)."""
    known = minutes[~np.isnan(minutes)]
    return float(np.median(known)) if known.size else None
