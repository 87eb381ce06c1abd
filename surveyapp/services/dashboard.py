"""The survey dashboard: every figure the manager pages, the downloads and `surveyapp stats` show.

One function, :func:`survey_dashboard`, computes everything from one load of
the survey's answers and returns plain data (dicts and lists, JSON-ready).
The web pages, their CSV downloads and the CLI all read this one result, so
a number cannot differ between them, and small-cell suppression is applied
here, once, before anything leaves.

Managers see *published* responses only (services.publication: figures move
in steps of at least the minimum cell size), and only surveys they were
granted (a wave without a grant is left out, with a note). Which cells are
hidden is decided once per survey for every view a manager could request
(services.cells), so no figure can be worked out by subtracting others.

Results are cached in the database (``dashboard_cache``) under a data version
that changes with every publication, so every host shares the cache. A result's
words (sentences, notes, group, instrument and subscale names) are in one
language, so the language is part of the cache key: a Hebrew reader's result is
never an English reader's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import force_locale, gettext

from ..db import Survey, User, db
from ..instruments.audiences import audience_name
from ..instruments.model import text_in
from .audit import record
from .cells import survey_disclosure
from .comments import survey_comments
from .dashboard_blocks import instrument_block
from .dashboard_cache import cached_result, data_version, json_ready, store_result, version_of
from .dashboard_gaps import gaps, missing_gaps_note
from .dashboard_overview import overview
from .gap_verdicts import attach_verdicts
from .groupings import Groups, check_grouping, grouping_options, no_answer_count, series_waves
from .publication import publish_ready
from .survey_data import load_survey_data, numeric_item_keys
from .surveys import survey_instruments

__all__ = ["check_grouping", "data_version", "grouping_options", "subscale_rows", "survey_dashboard"]


def survey_dashboard(
    survey: Survey,
    by: str = "audience",
    use_cache: bool = True,
    among: str | None = None,
    *,
    viewer: User | None,
    now: dt.datetime | None = None,
    audit: str | None = "dashboard.view",
    language: str | None = None,
) -> dict[str, Any]:
    """Everything ``viewer`` may see of ``survey`` compared by ``by``, with suppression applied.

    ``viewer`` None is the operator at the command line, who can read the database anyway and
    sees every wave; a user sees only the waves they were granted (the caller checks ``survey``).
    ``among`` limits a comparison by a question or wave to one audience: peers rate themselves
    where staff and service users rate peers, so pooling the audiences mixes two perspectives.
    ``audit``: the audit action recorded for this view (None when the caller records its own).
    ``language``: the reader's (the survey's first by default); every word of the result is in it, instruments'
    texts in English where they have none in it.
    """
    now = now or dt.datetime.now(dt.UTC)
    language = language or survey.languages[0]
    valid = check_grouping(survey, dict(grouping_options(survey, viewer, language)), by, among)
    surveys, left_out = series_waves(survey, viewer) if by == "wave" else ([survey], [])
    publications = publish_ready(surveys)
    publication = next(p for s, p in zip(surveys, publications, strict=True) if s.id == survey.id)
    # the counts publish_ready made give the data version: at a million responses each count costs a scan
    version = version_of(sum(p.published for p in publications), sum(p.responses for p in publications))
    grouping = f"{by}|{among or ''}|{','.join(str(s.id) for s in surveys)}|{language}"
    result = cached_result(survey, grouping, version) if use_cache else None
    with force_locale(language):
        if result is None:
            result = _compute(survey, surveys, by, valid[by], among, language)
            if use_cache:
                store_result(survey, grouping, version, result)
        if by == "audience":
            attach_verdicts(survey, result, version)
        if left_out:
            waves = ", ".join(gettext("wave %(n)s", n=w.wave) for w in left_out)
            result["notes"].append(
                gettext("Not shown: %(waves)s of this series — your account has no access to it.", waves=waves)
            )
        result["publication"] = {
            "published": publication.published,
            "waiting": publication.waiting,
            "step": publication.step,
            "sentence": publication.sentence,
        }
    result["language"] = language
    if audit:
        record(audit, viewer, survey.slug, {"by": by, "among": among}, now)
    db.session.commit()
    return result


def _compute(
    survey: Survey, surveys: Sequence[Survey], by: str, by_label: str, among: str | None, language: str
) -> dict[str, Any]:
    instruments = survey_instruments(survey)
    data = load_survey_data(surveys, numeric_item_keys(instruments), published_only=True)
    disclosure = survey_disclosure(survey, data, data.survey_id == survey.id if len(surveys) > 1 else None)
    disclosures = {"": disclosure}
    if by == "wave":  # each wave's cells as that wave's own dashboards show them
        for index, wave in enumerate(surveys):
            own = survey_disclosure(wave, data, data.survey_id == wave.id) if wave.id != survey.id else disclosure
            disclosures[str(wave.wave or index + 1)] = own
    groups = Groups(survey, data, by, disclosures, among, language)
    min_cell = survey.min_cell_size
    counts = {k: int(groups.rows(k).sum()) for k in groups.keys}
    top = groups.suppression(counts)
    notes = [n for n in [top.note(groups.labels, gettext)] if n]
    result: dict[str, Any] = {
        "survey": {
            "slug": survey.slug,
            "title": text_in(survey.title, language),
            "min_cell_size": min_cell,
            "anonymity": survey.anonymity,
            "status": survey.status,
        },
        "by": by,
        "by_label": by_label,
        "among": among,
        "among_label": audience_name(among, survey.texts.get("audience_labels") or {}, language) if among else None,
        "groups": [
            {"key": k, "label": groups.labels[k], "n": counts[k] if top.shows(k) else None, "hidden": not top.shows(k)}
            for k in groups.keys
        ],
        "no_answer": no_answer_count(survey, data, groups, top, disclosure),
        "overview": overview(survey, data, min_cell, disclosure, language),
        "instruments": [],
        "gaps": [],
        "notes": notes,
    }
    for instrument in instruments:
        block = instrument_block(instrument, data, groups, min_cell, language)
        if block["subscales"] or block["items"]:
            result["instruments"].append(block)
        result["gaps"].extend(gaps(instrument, data, groups, min_cell, language))
    result["gaps"].sort(key=lambda g: -abs(g["diff"]))
    result["gaps_note"] = missing_gaps_note(result["gaps"], groups)
    result["comments"] = survey_comments(survey, among, language)
    return json_ready(result)


def subscale_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The subscale table as flat rows (what `stats --format csv` and the table download write)."""
    rows = []
    for instrument in result["instruments"]:
        for subscale in instrument["subscales"]:
            for group in subscale["groups"]:
                rel = group.get("reliability") or {}
                rows.append(
                    {
                        "instrument": instrument["id"],
                        "subscale": subscale["id"],
                        "group": group["label"],
                        "n": None if group["hidden"] else group.get("n"),
                        "mean": group.get("mean"),
                        "sd": group.get("sd"),
                        "median": group.get("median"),
                        "q1": group.get("q1"),
                        "q3": group.get("q3"),
                        "ci_low": group.get("ci_low"),
                        "ci_high": group.get("ci_high"),
                        "alpha": rel.get("alpha"),
                        "omega": rel.get("omega"),
                        "suppressed": group["hidden"],
                    }
                )
    return rows
