"""Creating surveys from specs, changing their status, listing them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select

from ..db import Audience, InstrumentVersion, Response, Survey, SurveyInstrument, User, db
from ..db.surveys import SURVEY_STATUSES
from ..instruments import Instrument, instrument_from_snapshot, load_directory
from ..instruments.flow import SurveyPage, survey_pages
from ..instruments.survey_parts import routing_rules, short_form
from ..instruments.survey_spec import SurveySpec, check_survey_spec, parse_survey_spec
from .audit import record
from .instrument_registry import store_instrument

__all__ = ["SurveyError", "create_survey", "get_survey", "list_surveys", "set_status", "survey_instruments"]


class SurveyError(ValueError):
    """A use-case refused, with a message meant for the person who asked."""


def create_survey(
    spec_text: str | Mapping[str, Any],
    source: str,
    instruments_dir: str | Path,
    now: dt.datetime,
    actor: User | None,
    how: str = "spec",
    instruments: Mapping[str, Instrument] | None = None,
) -> Survey:
    """Create a draft survey from a spec (YAML text, or the mapping the builder's form made), storing snapshots
    of the instruments it uses.

    ``instruments``: the directory's instruments when the caller has just loaded them (the demo creates two
    waves), saving a second read of every file. Raises InstrumentError (spec or instrument files broken),
    InstrumentChangedError (an instrument file was edited without a version bump) or SurveyError.
    """
    instruments = load_directory(instruments_dir) if instruments is None else instruments
    if isinstance(spec_text, str):
        spec = parse_survey_spec(spec_text, source, instruments)
    else:
        spec = check_survey_spec(dict(spec_text), source, instruments)
    if db.session.scalar(select(Survey.id).where(Survey.slug == spec.slug)) is not None:
        raise SurveyError(
            gettext("a survey with the address '%(slug)s' already exists; set another 'slug:' in the spec", slug=spec.slug)
        )
    if spec.series:
        _check_wave(spec.series, spec.wave)
    survey = _survey_from_spec(spec, now)
    for position, key in enumerate(spec.instruments):
        registered = store_instrument(instruments[key], now)
        survey.instruments.append(SurveyInstrument(instrument_version_id=registered.row_id, position=position))
    survey.audiences = [Audience(key=a) for a in spec.audiences]
    db.session.add(survey)
    db.session.flush()
    record("survey.create", actor, survey.slug, {"instruments": list(spec.instruments), "from": how}, now)
    db.session.commit()
    return survey


def _check_wave(series: str, wave: int | None, exclude: int | None = None) -> None:
    """Two surveys of one series with the same wave number would be pooled as one wave on the dashboards."""
    waves = db.session.execute(
        select(Survey.slug, Survey.wave).where(Survey.series == series, Survey.id != (exclude or -1))
    ).all()
    taken = {w: slug for slug, w in waves if w is not None}
    if wave is not None and wave in taken:
        following = max(taken) + 1
        raise SurveyError(
            gettext(
                "wave %(wave)s of the series '%(series)s' already exists (survey '%(slug)s'); "
                "set 'wave: %(following)s' for the next wave, or another 'series:' for a separate survey",
                wave=wave,
                series=series,
                slug=taken[wave],
                following=following,
            )
        )


def _survey_from_spec(spec: SurveySpec, now: dt.datetime) -> Survey:
    def at(day: dt.date | None) -> dt.datetime | None:
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else None

    return Survey(
        slug=spec.slug,
        title=dict(spec.title),
        series=spec.series,
        wave=spec.wave,
        status="draft",
        opens_at=at(spec.opens_at),
        closes_at=at(spec.closes_at),
        anonymity=spec.anonymity,
        languages=list(spec.languages),
        min_cell_size=spec.min_cell_size,
        texts=spec.texts,
        spec=dict(spec.raw),
        created_at=now,
        round=1 if spec.delphi is not None else None,
    )


def get_survey(slug: str) -> Survey:
    survey = db.session.scalar(select(Survey).where(Survey.slug == slug))
    if survey is None:
        known = ", ".join(db.session.scalars(select(Survey.slug).order_by(Survey.slug))) or "none yet"
        raise SurveyError(f"no survey '{slug}' (surveys: {known})")
    return survey


def set_status(slug: str, status: str, now: dt.datetime, actor: User | None) -> Survey:
    if status not in SURVEY_STATUSES:
        raise SurveyError(
            gettext("unknown status '%(status)s'; use one of %(statuses)s", status=status, statuses=", ".join(SURVEY_STATUSES))
        )
    survey = get_survey(slug)
    previous = survey.status
    survey.status = status
    record("survey.status", actor, slug, {"from": previous, "to": status}, now)
    db.session.commit()
    return survey


_snapshots: dict[tuple[str, str, str, tuple[str, ...]], Instrument] = {}


def survey_instruments(survey: Survey) -> list[Instrument]:
    """The survey's instruments exactly as published (snapshots, not today's files).

    Parsed snapshots are cached by content hash: they never change, so the
    cache is safe with several processes and hosts.
    """
    out = []
    forms = (survey.spec or {}).get("short_forms", {})
    for link in survey.instruments:
        row = link.instrument_version
        parts = tuple(forms.get(row.key, ()))
        cache_key = (row.key, row.version, row.content_hash, parts)
        if cache_key not in _snapshots:  # a short form: the snapshot with only the parts this survey keeps
            _snapshots[cache_key] = short_form(whole_snapshot(row), parts)
        out.append(_snapshots[cache_key])
    return out


def whole_snapshot(row: InstrumentVersion) -> Instrument:
    """A stored instrument version, parsed once per process (its content hash never changes)."""
    cache_key = (row.key, row.version, row.content_hash, ())
    if cache_key not in _snapshots:
        _snapshots[cache_key] = instrument_from_snapshot(row.definition, f"{row.key} {row.version}")
    return _snapshots[cache_key]


def pages_for(survey: Survey, audience: str) -> tuple[SurveyPage, ...]:
    instruments = survey_instruments(survey)
    routing = routing_rules((survey.spec or {}).get("routing"))
    return survey_pages(instruments, audience, not_asked(survey, instruments), routing)


def not_asked(survey: Survey, instruments: Sequence[Instrument]) -> frozenset[str]:
    """Answer keys of the survey's instruments that this survey does not ask.

    A Delphi asks its instruments' "is a task missing?" question only in round
    1 and only when its ``delphi:`` block sets ``propose_tasks: true``; later
    rounds leave out the tasks settled earlier when the block says
    ``settled: drop`` (services.delphi_rounds).
    """
    delphi = (survey.spec or {}).get("delphi")
    if delphi is None:
        return frozenset()
    left_out: set[str] = set()
    if not delphi.get("propose_tasks", False) or (survey.round or 1) > 1:
        left_out |= {
            f"{i.id}.{i.task_questions.proposal_item}" for i in instruments if i.task_questions and i.task_questions.proposal_item
        }
    dropped = set((survey.round_feedback or {}).get("dropped", ()))
    if dropped:
        left_out |= {
            f"{i.id}.{item}" for i in instruments for t in i.tasks if f"{i.id}.{t.role_item}" in dropped for item in t.item_ids()
        }
    return frozenset(left_out)


@dataclass(frozen=True)
class SurveySummary:
    slug: str
    title: str
    status: str
    audiences: tuple[str, ...]
    #: audience -> (in progress, submitted)
    counts: Mapping[str, tuple[int, int]]
    #: the Delphi round (None when the survey is no Delphi)
    round: int | None = None


def list_surveys() -> list[SurveySummary]:
    rows = db.session.execute(
        select(Response.survey_id, Audience.key, Response.status, func.count())
        .join(Audience, Audience.id == Response.audience_id)
        .group_by(Response.survey_id, Audience.key, Response.status)
    ).all()
    counts: dict[tuple[int, str], dict[str, int]] = {}
    for survey_id, audience, status, n in rows:
        counts.setdefault((survey_id, audience), {})[status] = n
    out = []
    for survey in db.session.scalars(select(Survey).order_by(Survey.created_at, Survey.id)):
        keys = tuple(a.key for a in survey.audiences)
        per = {
            k: (counts.get((survey.id, k), {}).get("in_progress", 0), counts.get((survey.id, k), {}).get("submitted", 0))
            for k in keys
        }
        out.append(SurveySummary(survey.slug, survey.title[survey.languages[0]], survey.status, keys, per, survey.round))
    return out


def is_open(survey: Survey, now: dt.datetime) -> bool:
    """Open for answers: status open and within the dates (closes_at is the first day it is closed)."""
    if survey.status != "open":
        return False
    opens = _aware(survey.opens_at)
    closes = _aware(survey.closes_at)
    return (opens is None or now >= opens) and (closes is None or now < closes + dt.timedelta(days=1))


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; everything is stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment
