"""Where computed results live between requests: the ``dashboard_cache`` table, keyed by survey and grouping,
valid while the data version (the survey's published responses and the result format) is unchanged, so every
host shares one cache. Results are stored as JSON, so :func:`json_ready` turns dataclasses and numpy values
into plain data first."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select

from ..db import DashboardCache, Response, Survey, db

__all__ = ["RESULT_FORMAT", "cached_result", "data_version", "json_ready", "store_result", "version_of"]

#: changes whenever the result's shape or content rules change, so results cached by older code are recomputed
#: (results in the reader's language did not change it: their grouping key names the language, so rows cached before
#: are never read, and the invariance verdicts stored under this version stay current)
RESULT_FORMAT = 4


def data_version(surveys: Sequence[Survey]) -> str:
    """What a cached result was computed from: the result format and the surveys' published responses."""
    ids = [s.id for s in surveys]
    published, started = db.session.execute(
        select(
            func.count().filter(Response.status == "submitted", Response.published.is_(True)),
            func.count(),
        ).where(Response.survey_id.in_(ids))
    ).one()
    return version_of(published, started)


def version_of(published: int, responses: int) -> str:
    """The data version from counts already at hand: ``published`` submitted responses of ``responses`` in all."""
    return f"{RESULT_FORMAT}:{published}:{responses}"


def cached_result(survey: Survey, grouping: str, version: str) -> Any | None:
    """The result stored for ``survey`` under ``grouping`` if it was computed from ``version``, else None."""
    row = db.session.scalar(
        select(DashboardCache).where(DashboardCache.survey_id == survey.id, DashboardCache.grouping == grouping)
    )
    return json.loads(row.payload) if row is not None and row.data_version == version else None


def store_result(survey: Survey, grouping: str, version: str, result: Any) -> None:
    payload = json.dumps(result)
    row = db.session.scalar(
        select(DashboardCache).where(DashboardCache.survey_id == survey.id, DashboardCache.grouping == grouping)
    )
    if row is None:
        db.session.add(
            DashboardCache(
                survey_id=survey.id,
                grouping=grouping,
                data_version=version,
                payload=payload,
                computed_at=dt.datetime.now(dt.UTC),
            )
        )
    else:
        row.data_version, row.payload, row.computed_at = version, payload, dt.datetime.now(dt.UTC)


def json_ready(value: Any) -> Any:
    """Dataclasses and numpy values to plain JSON-ready data; NaN and infinities to None."""
    if is_dataclass(value) and not isinstance(value, type):
        return json_ready(asdict(value))
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    return value
