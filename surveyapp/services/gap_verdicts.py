"""Beside each perception gap and audience comparison: do the audiences read these questions alike?

The verdicts come from the validation report (services.validation: measurement
invariance per subscale, checked across all the audiences asked it together,
not pair by pair). Fitting those models takes seconds on a survey the size of
the demo, several times what the whole dashboard costs, so the dashboard never
fits them: it reads the verdicts the last report stored in the dashboard cache
(a researcher's or admin's visit to the report, `surveyapp validate`, or
`surveyapp demo` fills it). Verdicts from earlier responses are still shown,
saying so; none at all says "not yet checked".
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from ..db import DashboardCache, Survey, db
from .validation_words import NOT_YET_CHECKED

__all__ = ["VERDICTS_GROUPING", "attach_verdicts"]

#: the dashboard cache row holding services.validation.subscale_verdicts() of the report by audience
VERDICTS_GROUPING = "invariance:2|audience"


def attach_verdicts(survey: Survey, result: dict[str, Any], version: str) -> None:
    """Add the verdicts to a dashboard ``result`` compared by audience: its gaps, its subscales and a section note."""
    row = db.session.execute(
        select(DashboardCache.payload, DashboardCache.data_version, DashboardCache.computed_at).where(
            DashboardCache.survey_id == survey.id, DashboardCache.grouping == VERDICTS_GROUPING
        )
    ).first()
    verdicts: dict[str, dict[str, Any]] = {} if row is None else json.loads(row.payload)
    if row is None:
        state, note = "missing", NOT_YET_CHECKED
    elif row.data_version == version:
        state, note = "current", None
    else:
        state = "earlier"
        note = (
            f"Whether the audiences read these questions alike was checked on {row.computed_at:%d %B %Y}, "
            "before the latest responses were added; the researchers' validation report checks it again."
        )
    result["invariance"] = {"state": state, "note": note, "scope": "all audiences asked each subscale, together"}
    # (instrument, item) -> the audiences that answer it differently from the rest at the same level of its subscale
    flagged: dict[tuple[str, str], set[str]] = {}
    for key, verdict in verdicts.items():
        for item, groups in verdict.get("answered_differently_by", {}).items():
            flagged.setdefault((key.split(".", 1)[0], item), set()).update(groups)
    for gap in result["gaps"]:
        if gap["level"] == "subscale":
            verdict = verdicts.get(f"{gap['instrument_id']}.{gap['id']}")
            gap["measured_alike"] = verdict["measured_alike"] if verdict else "not yet checked"
            gap["invariance_note"] = verdict["plain"] if verdict else NOT_YET_CHECKED
        else:
            apart = flagged.get((gap["instrument_id"], gap["id"]), set()) & {gap["self_group"], gap["other_group"]}
            gap["measured_alike"] = "no" if apart else ""
    for block in result["instruments"]:
        for subscale in block["subscales"]:
            verdict = verdicts.get(f"{block['id']}.{subscale['id']}")
            if len(subscale["groups"]) > 1:
                subscale["invariance_note"] = verdict["plain"] if verdict else NOT_YET_CHECKED
                subscale["measured_alike"] = verdict["measured_alike"] if verdict else "not yet checked"
