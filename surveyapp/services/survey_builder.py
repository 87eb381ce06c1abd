"""The survey builder's use-cases: edit a draft, the next wave of a series, delete a draft, lengths.

Every spec, from the admin form or from a YAML file, is checked by the one
validator (instruments.survey_spec.check_survey_spec). A survey's
instruments stay pinned: editing a draft or starting the next wave keeps the
instrument versions the survey already stores, and only an instrument added
to it is read from today's files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ..db import Audience, Invitation, Response, Survey, SurveyInstrument, User, db
from ..instruments import Instrument, instrument_files, load_directory
from ..instruments.survey_length import Length, lengths_by_audience, survey_length
from ..instruments.survey_parts import routing_rules
from ..instruments.survey_spec import SurveySpec, check_survey_spec
from .audit import record
from .instrument_registry import store_instrument
from .surveys import SurveyError, _check_wave, _survey_from_spec, get_survey, pages_for, whole_snapshot

__all__ = [
    "available_instruments",
    "delete_draft",
    "next_wave",
    "pinned_instruments",
    "spec_export",
    "spec_lengths",
    "spec_of",
    "survey_lengths",
    "update_draft",
]


_files: dict[tuple[tuple[str, int, int], ...], dict[str, Instrument]] = {}


def available_instruments(instruments_dir: str | Path, survey: Survey | None = None) -> dict[str, Instrument]:
    """Instruments a survey can use: today's files, with the survey's own pinned versions in their place.

    The files are read again only when one of them changed (name, size, modification time): the builder asks
    on every recount, and checking seven files against the schema takes most of a second.
    """
    files = instrument_files(instruments_dir)
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    if stamp not in _files:
        _files.clear()
        _files[stamp] = load_directory(instruments_dir)
    instruments = dict(_files[stamp])
    if survey is not None:
        instruments.update(pinned_instruments(survey))
    return instruments


def pinned_instruments(survey: Survey) -> dict[str, Instrument]:
    """The whole published versions a survey stores (without its short forms)."""
    return {link.instrument_version.key: whole_snapshot(link.instrument_version) for link in survey.instruments}


def spec_of(survey: Survey) -> dict[str, Any]:
    """The survey's spec as a mapping (the form's starting values and the YAML export)."""
    return dict(survey.spec or {})


def spec_export(slug: str, now: dt.datetime, actor: User | None) -> str:
    """The survey's spec as YAML, for a file or another Peerscope (audited like every export)."""
    from ..instruments.survey_spec import spec_yaml
    from .audit import log

    survey = get_survey(slug)
    text = spec_yaml(spec_of(survey))
    log("export.spec", actor, survey.slug, None, now)
    return text


def spec_lengths(spec: SurveySpec) -> dict[str, Length]:
    """Per audience: questions and estimated minutes of a checked spec."""
    ordered = [spec.asked[k] for k in spec.instruments if k in spec.asked]
    return lengths_by_audience(ordered, spec.audiences, routing_rules(spec.raw.get("routing")))


def survey_lengths(survey: Survey) -> dict[str, Length]:
    """Per audience: questions and estimated minutes of a stored survey, as its respondents get it."""
    return {a.key: survey_length(pages_for(survey, a.key)) for a in survey.audiences}


def _responses(survey: Survey) -> int:
    return db.session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == survey.id)) or 0


def _editable(survey: Survey) -> None:
    if survey.status != "draft":
        raise SurveyError(
            f"'{survey.slug}' is {survey.status}, and only a draft can be edited: people may already have answered it. "
            "Start its next wave instead."
        )
    if survey.round is not None and survey.round > 1:
        raise SurveyError(f"'{survey.slug}' is round {survey.round} of a Delphi, which follows its first round's spec")
    count = _responses(survey)
    if count:
        raise SurveyError(f"'{survey.slug}' already has {count} responses, so its questions can no longer change")


def update_draft(
    slug: str, data: Mapping[str, Any], source: str, instruments_dir: str | Path, now: dt.datetime, actor: User | None
) -> Survey:
    """Replace a draft's spec (from the form or a file); its pinned instrument versions stay."""
    survey = get_survey(slug)
    _editable(survey)
    instruments = available_instruments(instruments_dir, survey)
    spec = check_survey_spec(dict(data), source, instruments)
    if spec.slug != survey.slug and db.session.scalar(select(Survey.id).where(Survey.slug == spec.slug)) is not None:
        raise SurveyError(f"a survey with the address '{spec.slug}' already exists; choose another address")
    if spec.series:
        _check_wave(spec.series, spec.wave, exclude=survey.id)
    removed = [a for a in survey.audiences if a.key not in spec.audiences]
    for audience in removed:
        issued = db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.audience_id == audience.id))
        if issued:
            raise SurveyError(
                f"links were already made for the audience '{audience.key}' ({issued}); keep the audience, "
                "or delete this draft and create it again"
            )
    before = spec_of(survey)
    fresh = _survey_from_spec(spec, survey.created_at)
    for column in (
        "slug",
        "title",
        "series",
        "wave",
        "opens_at",
        "closes_at",
        "anonymity",
        "languages",
        "min_cell_size",
        "texts",
        "spec",
    ):
        setattr(survey, column, getattr(fresh, column))
    pinned = {link.instrument_version.key: link.instrument_version_id for link in survey.instruments}
    survey.instruments.clear()
    db.session.flush()
    for position, key in enumerate(spec.instruments):
        row_id = pinned.get(key) or store_instrument(instruments[key], now).row_id
        survey.instruments.append(SurveyInstrument(instrument_version_id=row_id, position=position))
    for audience in removed:
        survey.audiences.remove(audience)
    kept = {a.key for a in survey.audiences}
    survey.audiences.extend(Audience(key=a) for a in spec.audiences if a not in kept)
    changed = sorted(k for k in set(before) | set(spec.raw) if before.get(k) != spec.raw.get(k))
    record("survey.edit", actor, survey.slug, {"changed": changed, "previous_slug": slug if slug != survey.slug else None}, now)
    db.session.commit()
    return survey


def next_wave(
    slug: str,
    opens_at: dt.date | None,
    closes_at: dt.date | None,
    now: dt.datetime,
    actor: User | None,
    new_slug: str | None = None,
) -> Survey:
    """A draft copy of a survey as the next wave of its series: same instruments at the same versions, new dates."""
    source = get_survey(slug)
    if source.round is not None:
        raise SurveyError(f"'{slug}' is a Delphi: it continues with its next round (Start Delphi round …), not a new wave")
    series = source.series or re.sub(r"-?(wave-?)?\d+$", "", source.slug) or source.slug
    if source.series is None:  # the first wave becomes wave 1 of a series named after it
        source.series, source.wave = series, source.wave or 1
        source.spec = {**source.spec, "series": series, "wave": source.wave}
    waves = db.session.scalars(select(Survey.wave).where(Survey.series == series)).all()
    wave = max([w or 1 for w in waves] or [1]) + 1
    data = {k: v for k, v in spec_of(source).items() if k not in ("opens_at", "closes_at")}
    data.update(series=series, wave=wave, slug=new_slug or _free_slug(f"{series}-wave-{wave}"))
    if opens_at:
        data["opens_at"] = opens_at.isoformat()
    if closes_at:
        data["closes_at"] = closes_at.isoformat()
    spec = check_survey_spec(data, f"the next wave of '{slug}'", pinned_instruments(source))
    if db.session.scalar(select(Survey.id).where(Survey.slug == spec.slug)) is not None:
        raise SurveyError(f"a survey with the address '{spec.slug}' already exists; choose another address")
    survey = _survey_from_spec(spec, now)
    for link in source.instruments:
        survey.instruments.append(SurveyInstrument(instrument_version_id=link.instrument_version_id, position=link.position))
    survey.audiences = [Audience(key=a) for a in spec.audiences]
    db.session.add(survey)
    db.session.flush()
    versions = {link.instrument_version.key: link.instrument_version.version for link in source.instruments}
    record("survey.next_wave", actor, survey.slug, {"from": slug, "series": series, "wave": wave, "versions": versions}, now)
    db.session.commit()
    return survey


def _free_slug(wanted: str) -> str:
    slug, n = wanted[:80], 2
    while db.session.scalar(select(Survey.id).where(Survey.slug == slug)) is not None:
        slug, n = f"{wanted[:76]}-{n}", n + 1
    return slug


def delete_draft(slug: str, now: dt.datetime, actor: User | None) -> None:
    """Delete a draft nobody has answered (its links, if any were made, stop working)."""
    survey = get_survey(slug)
    if survey.status != "draft":
        raise SurveyError(
            f"'{slug}' is {survey.status}; only a draft can be deleted. Close it instead: its answers are kept and "
            "nobody can add new ones."
        )
    count = _responses(survey)
    if count:
        raise SurveyError(
            f"'{slug}' cannot be deleted: it has {count} responses (answers people gave, or imported). "
            "Leave it closed instead, or export and keep its data first."
        )
    follows = db.session.scalar(select(func.count()).select_from(Survey).where(Survey.parent_round_id == survey.id))
    if follows:
        raise SurveyError(f"'{slug}' cannot be deleted: a later Delphi round follows it")
    issued = db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.survey_id == survey.id)) or 0
    record("survey.delete", actor, slug, {"title": survey.title, "links_made": issued, "spec": spec_of(survey)}, now)
    db.session.delete(survey)  # its instruments and audiences with it; links, grants and caches by the database's cascade
    db.session.commit()


def draft_lengths(data: Mapping[str, Any], catalogue: Mapping[str, Instrument]) -> dict[str, Length]:
    """Lengths of a spec being written, even one with mistakes: what can be understood of it is counted."""
    from ..instruments.survey_parts import part_items, short_form

    forms = data.get("short_forms") or {}
    ordered = []
    for key in data.get("instruments") or ():
        instrument = catalogue.get(key)
        if instrument is None:
            continue
        parts = [p for p in forms.get(key, ()) if part_items(instrument, p) is not None]
        ordered.append(short_form(instrument, parts) if parts and not instrument.has_tasks else instrument)
    try:
        rules = routing_rules([r for r in data.get("routing") or () if isinstance(r, dict) and "when" in r and "skip" in r])
    except (AttributeError, KeyError, TypeError):
        rules = ()
    audiences = [a for a in data.get("audiences") or () if isinstance(a, str)]
    return lengths_by_audience(ordered, audiences, rules)


def page_skip_texts(survey: Survey, pages: Any) -> dict[int, list[str]]:
    """Page number -> when routing skips it, in words (the preview shows them)."""
    from ..instruments.conditions import parse
    from ..instruments.survey_parts import RoutingRule, describe

    instruments = {i.id: i for i in survey_instruments_of(survey)}
    out: dict[int, list[str]] = {}
    raw_rules = (survey.spec or {}).get("routing") or ()
    for page in pages:
        if page.skip_when is None:
            continue
        section = page.page.section.id if page.page.section else None
        for raw in raw_rules:
            condition, problems = parse(raw["when"])
            if condition is None or problems:
                continue
            rule = RoutingRule(condition, tuple(raw["skip"]), tuple(raw["audiences"]) if raw.get("audiences") else None)
            if rule.skips(page.instrument.id, section):
                out.setdefault(page.number, []).append(describe(condition, instruments, survey.languages[0]))
    return out


def survey_instruments_of(survey: Survey) -> list[Instrument]:
    from .surveys import survey_instruments

    return survey_instruments(survey)
