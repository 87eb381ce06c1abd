"""What a task shows in Delphi round n+1: round n's result per audience and the respondent's own earlier answer.

The figures come from the snapshot stored with the round when it was created
(``survey.round_feedback``); this module only lays them out for the page.
The respondent's own answers come from their link (services.delphi_rounds.previous_answers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from ...instruments.model import Instrument
from ...services.delphi_carry import CarriedTask
from ..i18n import audience_label

#: the bar's order, "in the role" first
BAR_CODES = ("4", "3", "2", "1", "dont_know")
DONT_KNOW_CODE = 9


@dataclass(frozen=True)
class Segment:
    code: str
    label: str
    percent: int
    start: float  # 0-100, for the SVG rectangle
    width: float


@dataclass(frozen=True)
class AudienceResult:
    label: str
    segments: tuple[Segment, ...]
    description: str  # the bar in words, for screen readers
    summary: str  # shown under the bar


@dataclass(frozen=True)
class TaskFeedback:
    round: int
    audiences: tuple[AudienceResult, ...]
    own_role: str | None  # the label of the respondent's earlier rating
    own_role_code: int | None
    own_frequency: str | None
    own_frequency_code: int | None
    settled: str | None  # included | excluded, when the task is shown for confirmation


def _percent(share: float | None) -> int:
    return round(100 * share) if share is not None else 0


def _median_text(median: float | None, label: Any) -> str:
    if median is None:
        return ""
    if float(median).is_integer():
        return gettext("median: %(answer)s", answer=label(int(median)))
    lower, upper = int(median), int(median) + 1
    between = gettext("between %(lower)s and %(upper)s", lower=label(lower), upper=label(upper))
    return gettext("median: %(answer)s", answer=between)


def task_feedback(
    feedback: Mapping[str, Any] | None,
    instrument: Instrument,
    task_id: str,
    previous: Mapping[str, CarriedTask],
    language: str,
    survey_labels: Mapping[str, Mapping[str, str]] | None,
) -> TaskFeedback | None:
    """The task's feedback block, or None outside round 2 and later."""
    if not feedback:
        return None
    task = instrument.task(task_id)
    key = f"{instrument.id}.{task.role_item}"
    result = feedback.get("tasks", {}).get(key)
    if result is None:
        return None
    role_item = instrument.item(task.role_item)

    def label(code: int) -> str:
        return (role_item.scale.label(code, language) if role_item.scale else None) or str(code)

    audiences = []
    for audience, figures in result.get("audiences", {}).items():
        shares = figures["bar"]
        start = 0.0
        segments = []
        for code in BAR_CODES:
            share = shares.get(code) or 0.0
            text = label(DONT_KNOW_CODE if code == "dont_know" else int(code))
            segments.append(Segment(code, text, _percent(share), round(100 * start, 2), round(100 * share, 2)))
            start += share
        name = audience_label(audience, survey_labels, language)
        description = f"{name}: " + ", ".join(f"{s.label} {s.percent}%" for s in segments)
        summary = " · ".join(
            part
            for part in (
                gettext("%(percent)s%% essential or appropriate", percent=_percent(figures.get("share_in_role"))),
                _median_text(figures.get("median"), label),
                gettext("answers: %(n)s", n=figures["n"] + figures.get("dont_know", 0)),
            )
            if part
        )
        audiences.append(AudienceResult(name, tuple(segments), description, summary))
    own_role, own_often = previous.get(key, (None, None))
    frequency_item = instrument.item(task.frequency_item) if task.frequency_item else None
    own_frequency = None
    if own_often is not None and frequency_item is not None and frequency_item.scale is not None:
        own_frequency = frequency_item.scale.label(own_often, language)
    settled = result.get("verdict") if key in feedback.get("confirm", ()) else None
    return TaskFeedback(
        round=int(feedback.get("round", 1)),
        audiences=tuple(audiences),
        own_role=label(own_role) if own_role is not None else None,
        own_role_code=own_role,
        own_frequency=own_frequency,
        own_frequency_code=own_often if own_frequency is not None else None,
        settled=settled,
    )
