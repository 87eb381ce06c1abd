"""Across the waves of a series: each subscale's mean per audience, and whether each action's finding moved.

Every figure here is read from one wave's own dashboard result compared by audience, as the viewer would see
that wave's results page (its suppression, its published responses), and only for waves the viewer was
granted. Nothing is shown that those pages do not show, so putting waves side by side reveals nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from ..analysis.findings import Measure, in_sentence, measure, movement
from ..db import Survey, SurveyAction, User
from ..instruments.audiences import audience_name
from .actions import series_actions, series_waves, wave_numbers

__all__ = ["action_plan", "series_results", "subscale_trends", "survey_action_plan"]

Result = Mapping[str, Any]


def series_results(survey: Survey, result: Result, viewer: User | None, now: dt.datetime) -> list[tuple[int, Survey, Result]]:
    """(wave number, wave, its dashboard by audience) for each wave of the series ``viewer`` may see.

    ``result`` is ``survey``'s own result by audience, already computed by the caller.
    """
    from .dashboard import survey_dashboard  # the statistics libraries, loaded only by pages that need them

    waves = series_waves(survey, viewer)
    numbers = wave_numbers(waves)
    out = []
    for wave in waves:
        own = (
            result
            if wave.id == survey.id
            else survey_dashboard(wave, "audience", viewer=viewer, now=now, audit=None, language=result.get("language"))
        )
        out.append((numbers[wave.id], wave, own))
    return out


def subscale_trends(results: Sequence[tuple[int, Survey, Result]]) -> list[dict[str, Any]]:
    """Per subscale of the latest wave, each audience's mean with its 95% interval in every wave that shows it;
    only subscales with figures in at least two waves."""
    if len(results) < 2:
        return []
    latest = results[-1][2]
    trends = []
    for block in latest["instruments"]:
        for subscale in block["subscales"]:
            lines: dict[str, dict[str, Any]] = {}
            waves_seen = set()
            for number, _wave, result in results:
                found = _subscale(result, block["id"], subscale["id"])
                for group in found["groups"] if found else []:
                    if group.get("hidden") or group.get("mean") is None:
                        continue
                    line = lines.setdefault(group["key"], {"key": group["key"], "label": group["label"], "points": []})
                    line["points"].append(
                        {
                            "wave": number,
                            "mean": group["mean"],
                            "ci_low": group.get("ci_low"),
                            "ci_high": group.get("ci_high"),
                            "n": group["n"],
                        }
                    )
                    waves_seen.add(number)
            if len(waves_seen) >= 2:
                trends.append(
                    {
                        "instrument_id": block["id"],
                        "instrument": block["title"],
                        "id": subscale["id"],
                        "label": subscale["label"],
                        "min": subscale["min"],
                        "max": subscale["max"],
                        "lines": list(lines.values()),
                        "waves": sorted(waves_seen),
                    }
                )
    return trends


def _subscale(result: Result, instrument: str, subscale: str) -> Mapping[str, Any] | None:
    for block in result.get("instruments", []):
        if block["id"] == instrument:
            return next((s for s in block["subscales"] if s["id"] == subscale), None)
    return None


def action_plan(
    actions: Sequence[SurveyAction], results: Sequence[tuple[int, Survey, Result]], labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Each action with its finding's figure in every wave shown (None where that wave's page hides it) and
    whether it moved between the first and the last of them. ``labels``: audience key -> name."""
    origin = {wave.id: number for number, wave, _ in results}
    plan = []
    for action in actions:
        waves = []
        if action.finding_key:
            for number, _wave, result in results:
                figure = measure(result, action.finding_key)
                waves.append({"wave": number, **(asdict(figure) if figure else {"diff": None})})
        moved = movement([_as_measure(w) for w in waves]) if waves else None
        a, b = action.finding_key.split("|")[2:4] if action.finding_key else ("", "")
        plan.append(
            {
                "id": action.id,
                "finding_key": action.finding_key,
                "finding_title": action.finding_title,
                "kind": action.finding_key.split("|")[0] if action.finding_key else None,
                "group_a": in_sentence(str(labels.get(a, a))),  # as they read inside a sentence: "peer specialists"
                "group_b": in_sentence(str(labels.get(b, b))),
                "what": action.what,
                "who": action.who,
                "due": action.due.isoformat() if action.due else None,
                "status": action.status,
                "origin_wave": origin.get(action.survey_id),  # None: a wave this viewer was not granted
                "created": action.created_at.date().isoformat(),
                "waves": waves,
                "movement": asdict(moved) if moved else None,
            }
        )
    return plan


def _as_measure(wave: Mapping[str, Any]) -> Measure | None:
    if wave.get("diff") is None:
        return None
    return Measure(**{k: v for k, v in wave.items() if k != "wave"})


def survey_action_plan(
    survey: Survey, result: Result, viewer: User | None, now: dt.datetime, labels: Mapping[str, str] | None = None
) -> tuple[list[dict[str, Any]], list[tuple[int, Survey, Result]]]:
    """``survey``'s action plan as ``viewer`` may see it (action_plan), and the waves it was read from.

    ``result``: the survey's dashboard by audience; ``labels``: audience names in the reader's language (the
    survey's own names in its first language when None). The report renders the plan with
    templates/dashboard/_actions.html as ``{"plan": plan}``.
    """
    if labels is None:
        own = survey.texts.get("audience_labels") or {}
        labels = {a.key: audience_name(a.key, own, survey.languages[0]) for a in survey.audiences}
    results = series_results(survey, result, viewer, now)
    return action_plan(series_actions(survey), results, labels), results
