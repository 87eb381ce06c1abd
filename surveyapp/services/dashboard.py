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
that changes with every publication, so every host shares the cache.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select

from ..analysis.comparisons import compare_groups, explain
from ..analysis.descriptives import describe
from ..analysis.gaps import perception_gap
from ..analysis.likert import distribution
from ..analysis.reliability import reliability
from ..analysis.suppression import Suppression
from ..db import Audience, DashboardCache, Response, Survey, User, db
from ..instruments import Instrument, Subscale
from ..instruments.audiences import SELF_AUDIENCE, audience_name
from ..instruments.flow import item_key
from ..instruments.scoring import needs_every_item, recoded_matrix, score_matrix
from .access import can_see
from .audit import record
from .cells import NO_ANSWER, CellKey, SurveyDisclosure, question_groupings, shows, survey_disclosure, total_key
from .comments import survey_comments
from .gap_verdicts import attach_verdicts
from .publication import publish_ready
from .survey_data import SurveyData, load_survey_data, numeric_item_keys
from .surveys import SurveyError, survey_instruments

__all__ = ["grouping_options", "survey_dashboard"]

NOT_ASKED = NO_ANSWER


def grouping_options(survey: Survey, viewer: User | None) -> list[tuple[str, str]]:
    """What ``viewer`` can compare by: audience, any single-choice item, and wave in a series."""
    options = [("audience", "Audience")]
    for key, (instrument, item) in question_groupings(survey):
        language = instrument.languages[0]
        options.append((key, f"{instrument.short_title[language]}: {item.text[item.audiences[0]][language]}"))
    if survey.series and sum(map(len, _series(survey, viewer))) > 1:
        options.append(("wave", "Wave"))  # waves without a grant are left out, with a note
    return options


def _series(survey: Survey, viewer: User | None) -> tuple[list[Survey], list[Survey]]:
    """The waves of ``survey``'s series that ``viewer`` may see, and those left out (None: the operator sees all)."""
    if not survey.series:
        return [survey], []
    waves = list(db.session.scalars(select(Survey).where(Survey.series == survey.series).order_by(Survey.wave, Survey.id)))
    if viewer is None:
        return waves, []
    seen = [w for w in waves if w.id == survey.id or can_see(viewer, w)]
    return seen, [w for w in waves if w not in seen]


#: changes whenever the result's shape or content rules change, so results cached by older code are recomputed
RESULT_FORMAT = 3


def data_version(surveys: Sequence[Survey]) -> str:
    """What a cached result was computed from: the result format and the surveys' published responses."""
    ids = [s.id for s in surveys]
    published, started = db.session.execute(
        select(
            func.count().filter(Response.status == "submitted", Response.published.is_(True)),
            func.count(),
        ).where(Response.survey_id.in_(ids))
    ).one()
    return f"{RESULT_FORMAT}:{published}:{started}"


def check_grouping(survey: Survey, options: dict[str, str], by: str, among: str | None) -> dict[str, str]:
    """``options`` (key -> label) once ``by`` is one of them and ``among`` one of the survey's audiences, used only
    with a question or wave; a SurveyError saying what is allowed otherwise."""
    if by not in options:
        raise SurveyError(f"cannot compare by '{by}'; choose one of: {', '.join(options)}")
    audiences = [a.key for a in survey.audiences]
    if among is not None and (by == "audience" or among not in audiences):
        later = "by a question or by wave" if "wave" in options else "by a question"
        raise SurveyError(
            f"'among' must be one of the survey's audiences ({', '.join(audiences)}) and is only used when comparing {later}"
        )
    return options


def survey_dashboard(
    survey: Survey,
    by: str = "audience",
    use_cache: bool = True,
    among: str | None = None,
    *,
    viewer: User | None,
    now: dt.datetime | None = None,
    audit: str | None = "dashboard.view",
) -> dict[str, Any]:
    """Everything ``viewer`` may see of ``survey`` compared by ``by``, with suppression applied.

    ``viewer`` None is the operator at the command line, who can read the database anyway and
    sees every wave; a user sees only the waves they were granted (the caller checks ``survey``).
    ``among`` limits a comparison by a question or wave to one audience: peers rate themselves
    where staff and service users rate peers, so pooling the audiences mixes two perspectives.
    ``audit``: the audit action recorded for this view (None when the caller records its own).
    """
    now = now or dt.datetime.now(dt.UTC)
    valid = check_grouping(survey, dict(grouping_options(survey, viewer)), by, among)
    surveys, left_out = _series(survey, viewer) if by == "wave" else ([survey], [])
    publication = next(p for s, p in zip(surveys, publish_ready(surveys), strict=True) if s.id == survey.id)
    version = data_version(surveys)
    grouping = f"{by}|{among or ''}|{','.join(str(s.id) for s in surveys)}"
    key = (DashboardCache.survey_id == survey.id, DashboardCache.grouping == grouping)
    cached = db.session.scalar(select(DashboardCache).where(*key)) if use_cache else None
    if cached is not None and cached.data_version == version:
        result = json.loads(cached.payload)
    else:
        result = _compute(survey, surveys, by, valid[by], among)
        if use_cache:
            _store(survey, grouping, version, result)
    if by == "audience":
        attach_verdicts(survey, result, version)
    if left_out:
        waves = ", ".join(f"wave {w.wave}" for w in left_out)
        result["notes"].append(f"Not shown: {waves} of this series — your account has no access to it.")
    result["publication"] = {
        "published": publication.published,
        "waiting": publication.waiting,
        "step": publication.step,
        "sentence": publication.sentence,
    }
    if audit:
        record(audit, viewer, survey.slug, {"by": by, "among": among}, now)
    db.session.commit()
    return result


def _store(survey: Survey, by: str, version: str, result: dict[str, Any]) -> None:
    payload = json.dumps(result)
    row = db.session.scalar(select(DashboardCache).where(DashboardCache.survey_id == survey.id, DashboardCache.grouping == by))
    if row is None:
        db.session.add(
            DashboardCache(
                survey_id=survey.id, grouping=by, data_version=version, payload=payload, computed_at=dt.datetime.now(dt.UTC)
            )
        )
    else:
        row.data_version, row.payload, row.computed_at = version, payload, dt.datetime.now(dt.UTC)


def _clean(value: Any) -> Any:
    """Dataclasses and numpy values to plain JSON-ready data; NaN and infinities to None."""
    if is_dataclass(value) and not isinstance(value, type):
        return _clean(asdict(value))
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    return value


class _Groups:
    """Which row belongs to which group, for the chosen comparison, and which cell of the survey's family it is."""

    def __init__(
        self, survey: Survey, data: SurveyData, by: str, disclosures: Mapping[str, SurveyDisclosure], among: str | None = None
    ) -> None:
        self.among = among
        self.by = by
        self.audiences = tuple(a.key for a in survey.audiences)
        self.disclosures = disclosures  # by wave key for comparisons by wave; "" otherwise
        self.min_cell = survey.min_cell_size
        labels = survey.texts.get("audience_labels") or {}
        language = survey.languages[0]
        if by == "audience":
            self.keys = [a.key for a in survey.audiences]
            self.labels = {k: audience_name(k, labels, language) for k in self.keys}
            self.of_row = data.audience
        elif by == "wave":
            waves = sorted(set(data.wave.tolist()))
            self.keys = [str(w) for w in waves]
            self.labels = {k: f"Wave {k}" for k in self.keys}
            self.of_row = data.wave.astype(str)
        else:
            instrument_id, item_id = by.split(".", 1)
            instrument = next(i for i in survey_instruments(survey) if i.id == instrument_id)
            item = instrument.item(item_id)
            assert item.scale is not None  # noqa: S101 - grouping_options offers single-choice items only
            self.keys = [str(o.code) for o in item.scale.options]
            self.labels = {str(o.code): o.label[instrument.languages[0]] for o in item.scale.options}
            column = data.column(by)
            self.of_row = np.array([str(int(v)) if not np.isnan(v) else NOT_ASKED for v in column])
        if among is not None:
            self.of_row = np.where(data.of_audiences([among]), self.of_row, NOT_ASKED)

        self._masks = {key: self.of_row == key for key in self.keys}

    def rows(self, key: str, among: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.bool_]:
        mask = self._masks[key]
        return mask & among if among is not None else mask

    def cell(self, key: str, asked: Sequence[str] | None = None) -> CellKey:
        """The family cell of group ``key`` restricted to the audiences ``asked`` (None: everyone)."""
        if self.by == "audience":
            return total_key((key,))
        audiences = (self.among,) if self.among else tuple(a for a in self.audiences if asked is None or a in asked)
        return total_key(audiences) if self.by == "wave" else (self.by, audiences, key)

    def suppression(
        self,
        counts: Mapping[str, int],
        asked: Sequence[str] | None = None,
        values: npt.NDArray[np.bool_] | None = None,
        linked: bool = False,
    ) -> Suppression:
        """Which of the groups with ``counts`` respondents are hidden, and why (decided for the survey's whole family,
        over the rows with a score where ``values`` is given: a subscale's figures cover only those)."""
        too_small, other = set(), set()
        for key, n in counts.items():
            decision = self.disclosures[key if self.by == "wave" else ""]
            disclosure = decision if values is None else decision.values(values, linked)
            cell = self.cell(key, asked)
            if 0 < n < self.min_cell or (cell in disclosure.sizes and disclosure.reason(cell) == "too_small"):
                too_small.add(key)
            elif not shows(disclosure, cell, n):
                other.add(key)
        return Suppression(frozenset(too_small | other), frozenset(too_small), frozenset(other), self.min_cell)


def _compute(survey: Survey, surveys: Sequence[Survey], by: str, by_label: str, among: str | None) -> dict[str, Any]:
    instruments = survey_instruments(survey)
    data = load_survey_data(surveys, numeric_item_keys(instruments), published_only=True)
    disclosure = survey_disclosure(survey, data, data.survey_id == survey.id if len(surveys) > 1 else None)
    disclosures = {"": disclosure}
    if by == "wave":  # each wave's cells as that wave's own dashboards show them
        for index, wave in enumerate(surveys):
            own = survey_disclosure(wave, data, data.survey_id == wave.id) if wave.id != survey.id else disclosure
            disclosures[str(wave.wave or index + 1)] = own
    groups = _Groups(survey, data, by, disclosures, among)
    min_cell = survey.min_cell_size
    counts = {k: int(groups.rows(k).sum()) for k in groups.keys}
    top = groups.suppression(counts)
    notes = [n for n in [top.note(groups.labels)] if n]
    result: dict[str, Any] = {
        "survey": {
            "slug": survey.slug,
            "title": survey.title[survey.languages[0]],
            "min_cell_size": min_cell,
            "anonymity": survey.anonymity,
            "status": survey.status,
        },
        "by": by,
        "by_label": by_label,
        "among": among,
        "among_label": audience_name(among, survey.texts.get("audience_labels") or {}, survey.languages[0]) if among else None,
        "groups": [
            {"key": k, "label": groups.labels[k], "n": counts[k] if top.shows(k) else None, "hidden": not top.shows(k)}
            for k in groups.keys
        ],
        "overview": _overview(survey, data, min_cell, disclosure),
        "instruments": [],
        "gaps": [],
        "notes": notes,
    }
    for instrument in instruments:
        block = _instrument_block(instrument, data, groups, min_cell)
        if block["subscales"] or block["items"]:
            result["instruments"].append(block)
        if by == "audience":
            result["gaps"].extend(_gaps(instrument, data, groups, min_cell, disclosure))
    result["gaps"].sort(key=lambda g: -abs(g["diff"]))
    result["comments"] = survey_comments(survey, among)
    return _clean(result)


def _overview(survey: Survey, data: SurveyData, min_cell: int, disclosure: SurveyDisclosure) -> dict[str, Any]:
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
                "label": audience_name(key, labels, survey.languages[0]),
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
        "note": hidden.note({a["key"]: a["label"] for a in per_audience}),
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


def _asked_rows(instrument: Instrument, subscale_or_item_audiences: Sequence[str], data: SurveyData) -> npt.NDArray[np.bool_]:
    return data.of_audiences(subscale_or_item_audiences)


def _instrument_block(instrument: Instrument, data: SurveyData, groups: _Groups, min_cell: int) -> dict[str, Any]:
    language = instrument.languages[0]
    block: dict[str, Any] = {
        "id": instrument.id,
        "version": instrument.version,
        "title": instrument.title[language],
        "short_title": instrument.short_title[language],
        "validated": instrument.validated,
        "subscales": [],
        "items": [],
    }
    for subscale in instrument.subscales:
        audiences = [
            a
            for a in instrument.audiences
            if subscale in instrument.subscales_for(a) and (groups.among is None or a == groups.among)
        ]
        if audiences:
            block["subscales"].append(_subscale_block(instrument, subscale, audiences, data, groups, min_cell))
    for item in instrument.items:
        if item.type == "likert" and item.scale is not None and (groups.among is None or item.asked_of(groups.among)):
            block["items"].append(_item_block(instrument, item, data, groups, min_cell))
    return block


def _subscale_block(
    instrument: Instrument, subscale: Subscale, audiences: Sequence[str], data: SurveyData, groups: _Groups, min_cell: int
) -> dict[str, Any]:
    language = instrument.languages[0]
    scale = instrument.scale_of(subscale)
    keys = [f"{instrument.id}.{i}" for i in subscale.items]
    asked = _asked_rows(instrument, audiences, data)
    raw = data.matrix(keys)
    scores, _ = score_matrix(instrument, subscale, raw)
    recoded = recoded_matrix(instrument, subscale, raw)
    low, high = (scale.min, scale.max) if subscale.scoring == "mean" else (scale.min * len(keys), scale.max * len(keys))
    asked_counts = {k: int(groups.rows(k, asked).sum()) for k in groups.keys}
    scored_counts = {k: int((groups.rows(k, asked) & ~np.isnan(scores)).sum()) for k in groups.keys}
    counts = {k: n for k, n in scored_counts.items() if asked_counts[k]}
    hide = groups.suppression(counts, audiences, ~np.isnan(scores), needs_every_item(subscale))
    per_group, samples = [], {}
    for key in groups.keys:
        if not asked_counts[key]:
            continue
        mask = groups.rows(key, asked)
        values = scores[mask]
        entry: dict[str, Any] = {"key": key, "label": groups.labels[key], "hidden": not hide.shows(key)}
        if hide.shows(key):
            finite = values[~np.isnan(values)]
            summary = describe(finite)
            entry.update(asdict(summary))
            entry["n_asked"] = asked_counts[key]
            entry["p5"], entry["p95"] = (
                (float(np.percentile(finite, 5)), float(np.percentile(finite, 95))) if finite.size else (None, None)
            )
            entry["bands"] = (
                [
                    {"label": b.label[language], "max": b.max, "share": float(np.mean(_band_index(finite, subscale) == i))}
                    for i, b in enumerate(subscale.bands)
                ]
                if finite.size and subscale.bands
                else []
            )
            entry["reliability"] = asdict(reliability(recoded[mask], list(subscale.items)))
            samples[groups.labels[key]] = finite
        per_group.append(entry)
    comparison = compare_groups(samples)
    sentence = explain(comparison, subscale.label[language].lower(), scale_points=int(high - low + 1))
    if comparison.status == "single_group" and hide.hidden:
        sentence = (
            f"The other groups are too small to show, so {subscale.label[language].lower()} "
            "cannot be compared here (see the note)."
        )
    return {
        "id": subscale.id,
        "label": subscale.label[language],
        "n_items": len(keys),
        "scoring": subscale.scoring,
        "min": low,
        "max": high,
        "reverse_items": [i for i in subscale.items if instrument.item(i).reverse],
        "groups": per_group,
        "comparison": asdict(comparison),
        "sentence": sentence,
        "note": hide.note(groups.labels),
        "bands": [{"label": b.label[language], "max": b.max} for b in subscale.bands],
        "reference": asdict(subscale.reference) if subscale.reference else None,
    }


def _band_index(scores: npt.NDArray[np.float64], subscale: Subscale) -> npt.NDArray[np.int64]:
    return np.searchsorted(np.array([b.max for b in subscale.bands]), scores, side="left")


def _item_block(instrument: Instrument, item: Any, data: SurveyData, groups: _Groups, min_cell: int) -> dict[str, Any]:
    language = instrument.languages[0]
    key = item_key(instrument, item)
    asked = _asked_rows(instrument, item.audiences, data)
    column = data.column(key)
    scale = item.scale
    asked_counts = {k: int(groups.rows(k, asked).sum()) for k in groups.keys}
    hide = groups.suppression({k: n for k, n in asked_counts.items() if n}, item.audiences)
    per_group = []
    for group in groups.keys:
        if not asked_counts[group]:
            continue
        entry: dict[str, Any] = {"key": group, "label": groups.labels[group], "hidden": not hide.shows(group)}
        if hide.shows(group):
            dist = distribution(
                column[groups.rows(group, asked)], [o.code for o in scale.options], [o.code for o in scale.missing_options]
            )
            entry.update(asdict(dist))
            entry["percentages"] = list(dist.percentages())
        per_group.append(entry)
    first = item.audiences[0]
    return {
        "key": key,
        "id": item.id,
        "text": item.text[first][language],
        "texts": {a: item.text[a][language] for a in item.audiences},
        "reverse": item.reverse,
        "options": [o.label[language] for o in scale.options],
        "missing_options": [o.label[language] for o in scale.missing_options],
        "groups": per_group,
        "note": hide.note(groups.labels),
    }


def _parallel(instrument: Instrument, item_ids: Sequence[str], other: str) -> bool:
    """Items asked of peers and of ``other`` in different words: the other audience rates peers."""
    for item_id in item_ids:
        item = instrument.item(item_id)
        if not (item.asked_of(SELF_AUDIENCE) and item.asked_of(other)):
            return False
        if item.text[SELF_AUDIENCE] == item.text[other]:
            return False
    return True


def _gaps(
    instrument: Instrument, data: SurveyData, groups: _Groups, min_cell: int, disclosure: SurveyDisclosure
) -> list[dict[str, Any]]:
    """Perception gaps: how staff and service users see peers, against peers' view of themselves."""
    language = instrument.languages[0]
    out: list[dict[str, Any]] = []
    self_rows = data.of_audiences([SELF_AUDIENCE])
    targets: list[tuple[str, str, str, npt.NDArray[np.float64]]] = []
    measures: dict[str, Any] = {}
    for subscale in instrument.subscales:
        scores, _ = score_matrix(instrument, subscale, data.matrix([f"{instrument.id}.{i}" for i in subscale.items]))
        targets.append(("subscale", subscale.id, subscale.label[language], scores))
        measures[subscale.id] = disclosure.values(~np.isnan(scores), needs_every_item(subscale))
    for item in instrument.items:
        if item.type == "likert" and item.scale is not None:
            column = data.column(item_key(instrument, item))
            values = np.where(np.isin(column, list(item.scale.codes)), column, np.nan)
            if item.reverse:  # recoded like the scores, so a higher value always means more of the construct
                values = item.scale.min + item.scale.max - values
            marker = " (reverse-keyed, recoded)" if item.reverse else ""
            targets.append(("item", item.id, item.text[item.audiences[0]][language] + marker, values))
    for level, ident, label, values in targets:
        item_ids = next(s.items for s in instrument.subscales if s.id == ident) if level == "subscale" else [ident]
        for other in [k for k in groups.keys if k != SELF_AUDIENCE]:
            if not _parallel(instrument, item_ids, other):
                continue
            # a subscale's gap covers those with a score; an item's, its answers, which its counts already publish
            measure = measures[ident] if level == "subscale" else disclosure
            if not (measure.shows(total_key((SELF_AUDIENCE,))) and measure.shows(total_key((other,)))):
                continue  # a hidden audience leaves no figure, not even as a gap
            mine, theirs = values[self_rows], values[data.of_audiences([other])]
            mine, theirs = mine[~np.isnan(mine)], theirs[~np.isnan(theirs)]
            if mine.size < min_cell or theirs.size < min_cell:
                continue  # small cells never leave, not even as a gap
            gap = perception_gap(mine, theirs, groups.labels[SELF_AUDIENCE], groups.labels[other])
            if gap is None:
                continue
            entry = asdict(gap)
            entry["reading"] = entry.pop("label")  # aligned / others_higher / self_higher / unclear
            entry.update(
                {
                    "instrument": instrument.short_title[language],
                    "instrument_id": instrument.id,
                    "level": level,
                    "id": ident,
                    "label": label,
                    "other": other,
                }
            )
            out.append(entry)
    return out


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
