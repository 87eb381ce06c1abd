"""The action plan: a manager turns a finding into an action, kept with the survey's series across waves.

Actions belong to the series (a survey without a series keeps its own), so the next wave's results list
them with the same finding's figure in every wave the viewer may see (services.trends). Everyone granted a
wave of the series reads the plan; managers and admins write it. Every change is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select

from ..db import ACTION_STATUSES, Survey, SurveyAction, User, db
from .access import can_see
from .audit import record
from .surveys import SurveyError

__all__ = [
    "ACTION_STATUSES",
    "EDITOR_ROLES",
    "ActionError",
    "ActionInput",
    "can_edit_actions",
    "get_action",
    "save_action",
    "series_actions",
    "series_waves",
]

EDITOR_ROLES = ("admin", "manager")
MAX_WHAT, MAX_WHO = 1000, 200


class ActionError(SurveyError):
    """An action that cannot be saved as entered; ``field`` names the form field to show the message beside."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ActionInput:
    what: str
    who: str
    due: dt.date | None
    status: str = "planned"
    finding_key: str | None = None
    finding_title: str | None = None


def can_edit_actions(user: User, survey: Survey) -> bool:
    return user.role in EDITOR_ROLES and can_see(user, survey)


def series_waves(survey: Survey, viewer: User | None) -> list[Survey]:
    """The waves of ``survey``'s series that ``viewer`` may see, oldest first (just ``survey`` without a series)."""
    if not survey.series:
        return [survey]
    waves = db.session.scalars(select(Survey).where(Survey.series == survey.series).order_by(Survey.wave, Survey.id))
    return [w for w in waves if w.id == survey.id or viewer is None or can_see(viewer, w)]


def _of_series(survey: Survey) -> ColumnElement[bool]:
    if survey.series:
        return or_(SurveyAction.series == survey.series, SurveyAction.survey_id == survey.id)
    return SurveyAction.survey_id == survey.id


def series_actions(survey: Survey) -> list[SurveyAction]:
    """The actions of ``survey``'s series (the caller has checked the viewer may see ``survey``), oldest first."""
    return list(db.session.scalars(select(SurveyAction).where(_of_series(survey)).order_by(SurveyAction.id)))


def get_action(survey: Survey, action_id: int) -> SurveyAction:
    """The action ``action_id`` if it belongs to ``survey``'s series; an ActionError otherwise (same for unknown)."""
    action = db.session.scalar(select(SurveyAction).where(SurveyAction.id == action_id, _of_series(survey)))
    if action is None:
        raise ActionError("There is no such action in this survey's action plan.")
    return action


def _checked(entry: ActionInput) -> ActionInput:
    what, who = " ".join(entry.what.split()), " ".join(entry.who.split())
    if not what:
        raise ActionError("Say what will be done.", "what")
    if len(what) > MAX_WHAT:
        raise ActionError(f"Keep what will be done under {MAX_WHAT} characters (it has {len(what)}).", "what")
    if not who:
        raise ActionError("Say who will do it: a person or a team.", "who")
    if len(who) > MAX_WHO:
        raise ActionError(f"Keep who will do it under {MAX_WHO} characters (it has {len(who)}).", "who")
    if entry.status not in ACTION_STATUSES:
        raise ActionError(f"Choose a status: {', '.join(ACTION_STATUSES)}.", "status")
    for field, text in (("what", what), ("who", who), ("what", (entry.finding_title or "") + (entry.finding_key or ""))):
        if "\x00" in text:
            raise ActionError("The text holds a character that cannot be stored (NUL): please type it again.", field)
    return ActionInput(what, who, entry.due, entry.status, entry.finding_key or None, (entry.finding_title or None))


def save_action(
    survey: Survey, entry: ActionInput, *, actor: User, now: dt.datetime, action_id: int | None = None
) -> SurveyAction:
    """Create an action on ``survey`` (or change action ``action_id`` of its series) for ``actor``, audited."""
    if not can_edit_actions(actor, survey):
        raise ActionError("Only managers and administrators granted this survey can change its action plan.")
    entry = _checked(entry)
    if action_id is None:
        action = SurveyAction(
            survey_id=survey.id,
            series=survey.series,
            finding_key=entry.finding_key,
            finding_title=(entry.finding_title or "")[:300] or None,
            created_at=now,
            created_by=actor.id,
        )
        db.session.add(action)
    else:
        action = get_action(survey, action_id)
    before = {"what": action.what, "who": action.who, "due": _iso(action.due), "status": action.status}
    action.what, action.who, action.due, action.status, action.updated_at = entry.what, entry.who, entry.due, entry.status, now
    db.session.flush()
    after = {"what": action.what, "who": action.who, "due": _iso(action.due), "status": action.status}
    detail = {"action": action.id, "finding": action.finding_key}
    if action_id is None:
        record("action.create", actor, survey.slug, {**detail, **after}, now)
    else:
        changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
        record("action.update", actor, survey.slug, {**detail, "changed": changed}, now)
    db.session.commit()
    return action


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def wave_numbers(waves: Sequence[Survey]) -> dict[int, int]:
    """Survey id -> its wave number (its place in the series when the spec gave none)."""
    return {w.id: w.wave or index + 1 for index, w in enumerate(waves)}
