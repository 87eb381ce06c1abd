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

from flask_babel import get_locale, gettext
from sqlalchemy import select

from ..db import DashboardCache, Survey, db
from .validation_words import NOT_YET_CHECKED, TOO_FEW_TO_CHECK

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
    not_yet = gettext(NOT_YET_CHECKED)
    if row is None:
        state, note = "missing", not_yet
    elif row.data_version == version:
        state, note = "current", None
    else:
        state = "earlier"
        note = gettext(
            "Whether the audiences read these questions alike was checked on %(date)s, before the latest responses "
            "were added; the researchers' validation report checks it again.",
            date=f"{row.computed_at:%Y-%m-%d}",
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
            gap["invariance_note"] = _plain(verdict) if verdict else not_yet
        else:
            apart = flagged.get((gap["instrument_id"], gap["id"]), set()) & {gap["self_group"], gap["other_group"]}
            gap["measured_alike"] = "no" if apart else ""
    result["invariance"]["summary"] = _summary(result["gaps"])
    for block in result["instruments"]:
        for subscale in block["subscales"]:
            verdict = verdicts.get(f"{block['id']}.{subscale['id']}")
            if len(subscale["groups"]) > 1:
                subscale["invariance_note"] = _plain(verdict) if verdict else not_yet
                subscale["measured_alike"] = verdict["measured_alike"] if verdict else "not yet checked"


def _plain(verdict: dict[str, Any]) -> str:
    """The verdict for managers in the reader's language: the validation report's own sentence in English (it
    names the groups and questions), elsewhere the verdict's meaning in the reader's language."""
    if str(get_locale() or "en") == "en":
        return str(verdict["plain"])
    kind = verdict.get("verdict")
    if kind == "scalar":
        return gettext("Measured alike: the audiences read these questions the same way, so the comparison is shown as it is.")
    if kind == "partial_scalar":
        return gettext(
            "Not measured alike on every question: read differences with care, and look at the questions' own figures."
        )
    if kind in ("metric", "configural", "none"):
        return gettext(
            "Not measured alike: the audiences read these questions differently, so a difference in scores may not be a "
            "real difference. Compare them question by question instead."
        )
    if kind == "too_few":
        return gettext(TOO_FEW_TO_CHECK)
    return gettext("Whether the audiences read these questions alike cannot be checked.")


def _grouped() -> dict[str, str]:
    """Verdicts whose note is the same for every subscale, listed once with the subscales' names."""
    return {
        "yes": gettext(
            "Measured alike: the audiences read these subscales' questions the same way, so their gaps are shown as they are"
        ),
        "too few to tell": gettext(TOO_FEW_TO_CHECK).removesuffix("."),
        "not yet checked": gettext(NOT_YET_CHECKED).removesuffix("."),
        "cannot be checked": gettext("Whether the audiences read these questions alike cannot be checked"),
    }


def _summary(gaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The notes under the gap table: the subscales that differ first, one by one, then the others by verdict."""
    grouped_texts = _grouped()
    seen: dict[str, dict[str, Any]] = {}
    for gap in gaps:
        if gap["level"] == "subscale":
            seen.setdefault(f"{gap['instrument_id']}.{gap['id']}", gap)
    own = [
        {
            "own": True,
            "measured_alike": g["measured_alike"],
            "text": g["invariance_note"],
            "subscales": [f"{g['label']} ({g['instrument']})"],
        }
        for g in seen.values()
        if g["measured_alike"] not in grouped_texts
    ]
    grouped = [
        {
            "own": False,
            "measured_alike": kind,
            "text": text,
            "subscales": [g["label"] for g in seen.values() if g["measured_alike"] == kind],
        }
        for kind, text in grouped_texts.items()
    ]
    return own + [g for g in grouped if g["subscales"]]
