"""The training-needs list of a survey: competency gaps of the 360 instrument, with suppression.

Peers rate their own practice, staff and service users rate the peers as a
team (PEER-PRACTICE 360). This module loads the submitted answers, leaves out
every audience below the survey's minimum cell size (with a note, and never
inside a pooled "all others" figure either, so a hidden audience cannot be
recovered by subtraction), and hands the ratings to the pure ranking in
:mod:`surveyapp.analysis.training`. The result is plain JSON-ready data read
by the page, its CSV download, ``surveyapp training`` and the job-definition
document's development plan.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
import numpy.typing as npt

from ..analysis.suppression import Suppression
from ..analysis.training import MIN_GAP, POOLED, Competency, Target, TrainingEntry, sentence, training_needs
from ..db import Survey
from ..instruments import Instrument
from ..instruments.audiences import SELF_AUDIENCE, audience_name
from ..instruments.flow import item_key
from ..instruments.scoring import recoded_matrix, score_matrix
from .cells import published_audiences
from .survey_data import SurveyData, numeric_item_keys
from .surveys import survey_instruments

__all__ = ["COMPETENCY_INSTRUMENTS", "survey_training_needs"]

#: instruments whose subscales are competency domains peers are rated on by others (a 360)
COMPETENCY_INSTRUMENTS = ("peer-practice-360",)
NOT_OBSERVED_KEY = "not_observed"


def _not_observed_code(instrument: Instrument, item_id: str) -> int | None:
    scale = instrument.item(item_id).scale
    if scale is None:
        return None
    return next((o.code for o in scale.missing_options if o.key == NOT_OBSERVED_KEY), None)


def _not_observed(instrument: Instrument, item_ids: list[str], data: SurveyData, rows: npt.NDArray[np.bool_]) -> tuple[int, int]:
    """("not observed" answers, answers of any kind but a skip) over ``item_ids`` for ``rows``."""
    seen = given = 0
    for item_id in item_ids:
        item = instrument.item(item_id)
        code = _not_observed_code(instrument, item_id)
        column = data.column(item_key(instrument, item))[rows]
        rated = np.isin(column, list(item.scale.codes)) if item.scale else np.zeros(column.shape, bool)
        unseen = column == code if code is not None else np.zeros(column.shape, bool)
        seen += int(unseen.sum())
        given += int((rated | unseen).sum())
    return seen, given


def _competencies(instrument: Instrument, data: SurveyData, others: list[str], min_cell: int, language: str) -> list[Competency]:
    language = language if language in instrument.languages else instrument.languages[0]
    self_rows = data.of_audiences([SELF_AUDIENCE])
    out: list[Competency] = []
    for subscale in instrument.subscales:
        scale = instrument.scale_of(subscale)
        item_ids = list(subscale.items)
        if not all(instrument.item(i).asked_of(a) for i in item_ids for a in [SELF_AUDIENCE, *others]):
            continue  # a domain is compared only where every audience rates every one of its items
        raw = data.matrix([f"{instrument.id}.{i}" for i in item_ids])
        domain_scores, _ = score_matrix(instrument, subscale, raw)
        recoded = recoded_matrix(instrument, subscale, raw)  # higher always means more of the competency
        domain = subscale.label[language]
        targets = [(Target("domain", subscale.id, domain, subscale.id, domain, scale.min, scale.max), domain_scores, item_ids)]
        for column, item_id in enumerate(item_ids):
            item = instrument.item(item_id)
            marker = " (reverse-keyed, recoded)" if item.reverse else ""
            others_words = item.text_for(others[0], language) if others else item.text_for(SELF_AUDIENCE, language)
            target = Target(
                "item",
                item_id,
                others_words + marker,
                subscale.id,
                domain,
                scale.min,
                scale.max,
                item.text_for(SELF_AUDIENCE, language) + marker,
            )
            targets.append((target, recoded[:, column], [item_id]))
        for target, values, ids in targets:
            kept: dict[str, npt.NDArray[np.float64]] = {}
            unseen: dict[str, tuple[int, int]] = {}
            for other in others:
                rows = data.of_audiences([other])
                theirs = values[rows]
                theirs = theirs[~np.isnan(theirs)]
                if theirs.size < min_cell:
                    continue  # too few ratings of this competency: left out here, as on the dashboard
                kept[other] = theirs
                unseen[other] = _not_observed(instrument, ids, data, rows)
            mine = values[self_rows]
            mine = mine[~np.isnan(mine)]
            if mine.size < min_cell:
                kept = {}
            out.append(Competency(target, mine, kept, unseen))
    return out


def _entry(entry: TrainingEntry, labels: dict[str, str]) -> dict[str, Any]:
    def gap(g: Any) -> dict[str, Any]:
        return {
            "audience": g.audience,
            "audience_label": labels.get(g.audience, g.audience),
            "n_self": g.gap.n_self,
            "n_other": g.gap.n_other,
            "mean_self": g.gap.mean_self,
            "mean_other": g.gap.mean_other,
            "diff": g.gap.diff,
            "ci_low": g.gap.ci_low,
            "ci_high": g.gap.ci_high,
            "hedges_g": g.gap.hedges_g,
            "cliffs_delta": g.gap.cliffs_delta,
            "reading": g.gap.label,
            "not_observed": g.not_observed,
        }

    return {
        **asdict(entry.target),
        "status": entry.status,
        "lead": entry.lead.audience if entry.lead else None,
        "sentence": sentence(entry, labels, labels[SELF_AUDIENCE]),
        "gaps": [gap(g) for g in entry.gaps],
    }


def _clean(value: Any) -> Any:
    """NaN and infinities to None, numpy numbers to Python ones: the result goes to JSON as is."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def survey_training_needs(survey: Survey, min_gap: float = MIN_GAP) -> dict[str, Any]:
    """The ranked training-needs list of ``survey`` (domains and items), small audiences left out with a note.

    Returns ``{"survey", "min_gap", "audiences", "notes", "instruments": [{"id", "title", "domains", "items"}]}``;
    an empty ``instruments`` list means the survey has no competency instrument.
    """
    language = survey.languages[0]
    survey_labels = survey.texts.get("audience_labels") or {}
    labels = {a.key: audience_name(a.key, survey_labels, language) for a in survey.audiences}
    others_named = [labels[a.key] for a in survey.audiences if a.key != SELF_AUDIENCE]
    pooled = [others_named[0], *(n.lower() for n in others_named[1:])] if others_named else []
    labels[POOLED] = " and ".join(pooled) if len(pooled) <= 2 else "All other audiences"
    chosen = [i for i in survey_instruments(survey) if i.id in COMPETENCY_INSTRUMENTS]
    data, visible = published_audiences(survey, numeric_item_keys(chosen)) if chosen else (None, {})
    counts = {a.key: int(data.of_audiences([a.key]).sum()) for a in survey.audiences} if data is not None else {}
    # the dashboard's one decision for the whole survey (services.cells), so nothing here can be subtracted from it
    hidden = {k for k, n in counts.items() if n > 0 and not visible[k]}
    too_small = {k for k in hidden if counts[k] < survey.min_cell_size}
    hide = Suppression(frozenset(hidden), frozenset(too_small), frozenset(hidden - too_small), survey.min_cell_size)
    notes = [n for n in [hide.note(labels)] if n]
    shown = [k for k in labels if k != POOLED and hide.shows(k) and counts.get(k, 0) > 0]
    others = [k for k in shown if k != SELF_AUDIENCE]
    result: dict[str, Any] = {
        "survey": {"slug": survey.slug, "title": survey.title[language], "min_cell_size": survey.min_cell_size},
        "min_gap": min_gap,
        "audiences": [
            {"key": k, "label": labels[k], "n": counts[k] if hide.shows(k) else None, "hidden": not hide.shows(k)} for k in counts
        ],
        "notes": notes,
        "instruments": [],
    }
    if data is None:
        return result
    if SELF_AUDIENCE not in shown:
        notes.append(f"{labels.get(SELF_AUDIENCE, SELF_AUDIENCE)}' own ratings are hidden, so no gap can be shown.")
        others = []
    elif not others:
        notes.append("No other audience has enough responses to compare with peers' own ratings.")
    for instrument in chosen:
        entries = training_needs(_competencies(instrument, data, others, survey.min_cell_size, language), min_gap)
        result["instruments"].append(
            {
                "id": instrument.id,
                "title": instrument.short_title[language],
                "domains": [_entry(e, labels) for e in entries if e.target.level == "domain"],
                "items": [_entry(e, labels) for e in entries if e.target.level == "item"],
            }
        )
    return _clean(result)
