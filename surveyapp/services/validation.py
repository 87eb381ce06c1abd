"""The instrument validation report: do the survey's instruments measure what they claim, equally for every group?

For each instrument of a survey, :func:`survey_validation` gives, as plain JSON:

* a confirmatory factor analysis of its subscale structure (each subscale a factor)
  per group and for the groups pooled, with lavaan's fit statistics;
* measurement invariance across the groups, per subscale, for the items the
  subscale shares across the groups' parallel forms (the same item id asked of
  each audience), with the verdict in words first;
* an item analysis per group (floor, ceiling, non-substantive shares, item-rest
  correlations) and an exploratory factor analysis per group.

Groups below the survey's minimum cell size never appear (they would fail the
100-per-group rule anyway); groups from 100 respondents up take part. The result
is cached with the dashboard's cache, under the same data version, so it is
recomputed only when responses change. Access (grants) is checked by the caller,
as for the dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
import numpy.typing as npt

from ..analysis.cfa import fit_cfa, group_data
from ..analysis.invariance import (
    CONFIGURAL_CFI,
    CONFIGURAL_RMSEA,
    DELTA_CFI,
    DELTA_RMSEA,
    MIN_N_PER_GROUP,
    Invariance,
    measurement_invariance,
)
from ..analysis.item_analysis import FLOOR_CEILING_SHARE, exploratory_factors, item_profiles
from ..db import Survey
from ..instruments import Instrument, Subscale
from ..instruments.scoring import recoded_matrix
from .dashboard_cache import cached_result, data_version, json_ready, store_result
from .gap_verdicts import VERDICTS_GROUPING
from .groupings import Groups, check_grouping, grouping_options
from .survey_data import SurveyData, load_survey_data, numeric_item_keys
from .surveys import SurveyError, survey_instruments
from .validation_words import MEASURED_ALIKE, join_names, plain_verdict, subscale_sentence

__all__ = ["subscale_verdicts", "survey_validation", "validation_rows"]

#: changes whenever the result's shape changes, so results cached by older code are recomputed
RESULT_FORMAT = 3


def survey_validation(
    survey: Survey, instrument_id: str | None = None, by: str = "audience", among: str | None = None, use_cache: bool = True
) -> dict[str, Any]:
    """The validation report for ``survey`` (one instrument, or all), comparing groups by audience or a question."""
    options = _groupings(survey, by, among)
    instruments = survey_instruments(survey)
    if instrument_id is not None:
        instruments = [i for i in instruments if i.id == instrument_id]
        if not instruments:
            known = ", ".join(i.id for i in survey_instruments(survey))
            raise SurveyError(f"the survey has no instrument '{instrument_id}'; its instruments: {known}")
    grouping = f"validation:{RESULT_FORMAT}|{by}|{instrument_id or ''}|{among or ''}"
    version = data_version([survey])
    cached = cached_result(survey, grouping, version) if use_cache else None
    if cached is not None:
        return cached
    data = load_survey_data([survey], numeric_item_keys(survey_instruments(survey)))
    groups = Groups(survey, data, by, {}, among)
    result = _report(survey, instruments, data, groups, by, options[by])
    if use_cache:
        store_result(survey, grouping, version, result)
        if by == "audience" and instrument_id is None:  # what the dashboard shows beside its gaps (services.gap_verdicts)
            store_result(survey, VERDICTS_GROUPING, version, subscale_verdicts(result))
    return result


def _groupings(survey: Survey, by: str, among: str | None) -> dict[str, str]:
    """What a report can compare by (the dashboard's groupings but waves), after checking ``by`` and ``among``."""
    options = {key: label for key, label in grouping_options(survey, None) if key != "wave"}  # researchers: no waves
    return check_grouping(survey, options, by, among)


def _report(
    survey: Survey, instruments: Sequence[Instrument], data: SurveyData, groups: Groups, by: str, by_label: str
) -> dict[str, Any]:
    min_cell = survey.min_cell_size
    counts = {k: int(groups.rows(k).sum()) for k in groups.keys}
    shown = [k for k in groups.keys if counts[k] >= min_cell]
    hidden = [k for k in groups.keys if 0 < counts[k] < min_cell]
    notes = []
    if hidden:
        notes.append(
            f"Left out to protect anonymity: {join_names([groups.labels[k] for k in hidden])} "
            f"(fewer than {min_cell} responses each)."
        )
    result: dict[str, Any] = {
        "survey": {"slug": survey.slug, "title": survey.title[survey.languages[0]], "min_cell_size": min_cell},
        "by": by,
        "by_label": by_label,
        "among": groups.among,
        "criteria": {
            "min_n_per_group": MIN_N_PER_GROUP,
            "delta_cfi": DELTA_CFI,
            "delta_rmsea": DELTA_RMSEA,
            "configural_cfi": CONFIGURAL_CFI,
            "configural_rmsea": CONFIGURAL_RMSEA,
            "floor_ceiling_share": FLOOR_CEILING_SHARE,
            "estimation": "maximum likelihood on complete cases, as R lavaan's defaults",
        },
        "groups": [{"key": k, "label": groups.labels[k], "n": counts[k]} for k in shown],
        "instruments": [_instrument(instrument, data, groups, shown) for instrument in instruments],
        "notes": notes,
    }
    return json_ready(result)


def _structure(subscales: Sequence[Subscale]) -> dict[str, tuple[str, ...]]:
    """Subscale -> items, leaving out a subscale that shares an item with an earlier one (one factor per item)."""
    used: set[str] = set()
    out = {}
    for subscale in subscales:
        if len(subscale.items) >= 2 and not used & set(subscale.items):
            out[subscale.id] = tuple(subscale.items)
            used |= set(subscale.items)
    return out


def _audiences_of(groups: Groups, data: SurveyData, key: str) -> set[str]:
    return set(np.unique(data.audience[groups.rows(key)]).tolist())


def _subscales_for_group(instrument: Instrument, audiences: set[str]) -> tuple[Subscale, ...]:
    """Subscales every audience in the group is asked (so each row has all their items)."""
    if not audiences:
        return ()
    return tuple(s for s in instrument.subscales if all(s in instrument.subscales_for(a) for a in audiences))


def _recoded(instrument: Instrument, subscales: Sequence[Subscale], data: SurveyData, rows: npt.NDArray[np.bool_]) -> Any:
    blocks = [recoded_matrix(instrument, s, data.matrix([f"{instrument.id}.{i}" for i in s.items])[rows]) for s in subscales]
    return np.column_stack(blocks) if blocks else np.empty((int(rows.sum()), 0))


def _instrument(instrument: Instrument, data: SurveyData, groups: Groups, shown: Sequence[str]) -> dict[str, Any]:
    language = instrument.languages[0]
    label = {s.id: s.label[language] for s in instrument.subscales}
    audiences = {k: _audiences_of(groups, data, k) for k in shown}
    per_group_subscales = {k: _subscales_for_group(instrument, audiences[k]) for k in shown}
    cfa_groups = []
    for key in shown:
        structure = _structure(per_group_subscales[key])
        cfa_groups.append({"key": key, "label": groups.labels[key], **_cfa(instrument, structure, data, groups.rows(key))})
    common = [s for s in instrument.subscales if all(s in per_group_subscales[k] for k in shown)] if shown else []
    pooled_rows = np.zeros(len(data), dtype=bool)
    for key in shown:
        pooled_rows |= groups.rows(key)
    pooled = _cfa(instrument, _structure(common), data, pooled_rows) if common else None
    subscales = []
    for subscale in instrument.subscales:
        members = [k for k in shown if subscale in per_group_subscales[k]]
        subscales.append(_subscale(instrument, subscale, data, groups, members))
    return {
        "id": instrument.id,
        "version": instrument.version,
        "title": instrument.title[language],
        "short_title": instrument.short_title[language],
        "validated": instrument.validated,
        "sentences": [s["sentence"] for s in subscales],
        "cfa": {"groups": cfa_groups, "pooled": pooled, "factors": {k: label[k] for k in _structure(common)}},
        "subscales": subscales,
        "items": _items(instrument, data, groups, shown, per_group_subscales),
        "efa": [
            {"key": k, "label": groups.labels[k], **_efa(instrument, per_group_subscales[k], data, groups.rows(k))} for k in shown
        ],
    }


def _cfa(instrument: Instrument, structure: dict[str, tuple[str, ...]], data: SurveyData, rows: Any) -> dict[str, Any]:
    if not structure:
        return {"status": "not_testable", "reason": "no subscale of two or more items", "n": None}
    subscales = [next(s for s in instrument.subscales if s.id == f) for f in structure]
    matrix = _recoded(instrument, subscales, data, rows)
    complete = matrix[np.all(np.isfinite(matrix), axis=1)]
    n = int(complete.shape[0])
    if n < MIN_N_PER_GROUP:
        reason = (
            f"too few to tell: {n} responses answered every item of these subscales "
            f"(a factor analysis needs at least {MIN_N_PER_GROUP}; 'not observed' and skipped items count as missing)"
        )
        return {"status": "too_few", "reason": reason, "n": n}
    if len(structure) == 1 and len(next(iter(structure.values()))) < 3:
        return {"status": "not_testable", "reason": "one subscale of two items: the model is not identified", "n": n}
    items = [i for s in subscales for i in s.items]
    if np.any(np.ptp(complete, axis=0) == 0.0):
        return {"status": "not_testable", "reason": "an item had the same answer from everyone", "n": n}
    fit = fit_cfa([group_data(complete)], structure, items)
    return {
        "status": "ok",
        "reason": "improper solution: a variance reached zero" if fit.boundary else None,
        "n": n,
        "fit": asdict(fit.fit),
        "std_loadings": fit.std_loadings[0],
        "converged": fit.converged,
    }


def _subscale(
    instrument: Instrument, subscale: Subscale, data: SurveyData, groups: Groups, members: Sequence[str]
) -> dict[str, Any]:
    language = instrument.languages[0]
    items = list(subscale.items)
    names = [groups.labels[k] for k in members]
    if len(items) < 3:
        outcome = Invariance("not_testable", "two items cannot be tested on their own", tuple(names), {}, (), "not_testable", ())
    else:
        matrices = {
            groups.labels[k]: recoded_matrix(
                instrument, subscale, data.matrix([f"{instrument.id}.{i}" for i in items])[groups.rows(k)]
            )
            for k in members
        }
        outcome = measurement_invariance(matrices, {subscale.id: tuple(items)}, items)
    texts = {i: instrument.item(i).text[instrument.item(i).audiences[0]][language] for i in items}
    return {
        "id": subscale.id,
        "label": subscale.label[language],
        "items": items,
        "groups": names,
        "invariance": asdict(outcome),
        "non_invariant_items": [{"id": i, "text": texts[i]} for i in outcome.non_invariant_items],
        "sentence": subscale_sentence(subscale.label[language], outcome, texts),
        "plain": plain_verdict(subscale.label[language], outcome, texts),
    }


def _items(
    instrument: Instrument,
    data: SurveyData,
    groups: Groups,
    shown: Sequence[str],
    per_group_subscales: dict[str, tuple[Subscale, ...]],
) -> list[dict[str, Any]]:
    language = instrument.languages[0]
    out: dict[str, dict[str, Any]] = {}
    for key in shown:
        rows = groups.rows(key)
        for subscale in per_group_subscales[key]:
            scale = instrument.scale_of(subscale)
            raw = data.matrix([f"{instrument.id}.{i}" for i in subscale.items])[rows]
            missing = {o.code: o.key or f"code_{o.code}" for o in scale.missing_options}
            recoded = recoded_matrix(instrument, subscale, raw)
            for profile in item_profiles(raw, subscale.items, scale.min, scale.max, missing, recoded):
                item = instrument.item(profile.item)
                entry = out.setdefault(
                    profile.item,
                    {"id": profile.item, "subscale": subscale.id, "text": item.text[item.audiences[0]][language], "groups": []},
                )
                entry["groups"].append({"key": key, "label": groups.labels[key], **asdict(profile)})
    return list(out.values())


def _efa(instrument: Instrument, subscales: Sequence[Subscale], data: SurveyData, rows: Any) -> dict[str, Any]:
    items = [i for s in subscales for i in s.items]
    if len(items) < 3:
        return {"status": "not_testable", "reason": "fewer than three subscale items"}
    return asdict(exploratory_factors(_recoded(instrument, subscales, data, rows), items))


def validation_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's fit and invariance tables as flat rows (what `validate --format csv` writes)."""
    rows = []
    for instrument in result["instruments"]:
        for group in [*instrument["cfa"]["groups"], {"label": "All groups", **(instrument["cfa"]["pooled"] or {})}]:
            fit = group.get("fit") or {}
            rows.append(
                {
                    "instrument": instrument["id"],
                    "analysis": "cfa",
                    "subscale": "",
                    "group": group["label"],
                    "model": "",
                    "status": group.get("status"),
                    "n": group.get("n"),
                    **{k: fit.get(k) for k in _FIT_COLUMNS},
                    "chisq_diff": None,
                    "df_diff": None,
                    "p_diff": None,
                    "delta_cfi": None,
                    "delta_rmsea": None,
                    "holds": None,
                    "verdict": "",
                    "note": group.get("reason") or "",
                }
            )
        for subscale in instrument["subscales"]:
            outcome = subscale["invariance"]
            steps = outcome["steps"] or [None]
            for step in steps:
                fit = step["fit"] if step else {}
                rows.append(
                    {
                        "instrument": instrument["id"],
                        "analysis": "invariance",
                        "subscale": subscale["id"],
                        "group": "; ".join(subscale["groups"]),
                        "model": step["level"] if step else "",
                        "status": outcome["status"],
                        "n": sum(outcome["n"].values()) if outcome["n"] else None,
                        **{k: fit.get(k) for k in _FIT_COLUMNS},
                        **{k: step[k] if step else None for k in ("chisq_diff", "df_diff", "p_diff", "delta_cfi", "delta_rmsea")},
                        "holds": step["holds"] if step else None,
                        "verdict": outcome["verdict"],
                        "note": "; ".join(
                            [
                                *(i["id"] for i in subscale["non_invariant_items"]),
                                *([outcome["reason"]] if outcome["reason"] else []),
                            ]
                        ),
                    }
                )
    return rows


_FIT_COLUMNS = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr")


def subscale_verdicts(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``instrument.subscale`` -> its invariance verdict, sentences and non-invariant items.

    What the dashboard's gap and comparison views show beside each parallel subscale:
    means compared as they are where the verdict is "scalar", with care ("partial_scalar",
    pointing to the named items) or item by item otherwise. ``plain`` is the sentence for
    managers; ``groups`` the audiences checked together (one verdict across all of them).
    """
    return {
        f"{instrument['id']}.{subscale['id']}": {
            "verdict": subscale["invariance"]["verdict"],
            "measured_alike": MEASURED_ALIKE.get(subscale["invariance"]["verdict"], ""),
            "sentence": subscale["sentence"],
            "plain": subscale["plain"],
            "groups": subscale["groups"],
            "n": sum(subscale["invariance"]["n"].values()),
            "non_invariant_items": [i["id"] for i in subscale["non_invariant_items"]],
            "answered_differently_by": {
                i["id"]: _answered_differently_by(subscale["invariance"], i["id"]) for i in subscale["non_invariant_items"]
            },
            "means_comparable": subscale["invariance"]["verdict"] == "scalar",
        }
        for instrument in result["instruments"]
        for subscale in instrument["subscales"]
    }


def _answered_differently_by(outcome: dict[str, Any], item: str) -> list[str]:
    """The groups a non-invariant item sets apart: the one named as furthest from the rest, or (two groups) both."""
    deviant = (outcome.get("deviant_groups") or {}).get(item)
    return [deviant[0]] if deviant and len(outcome["groups"]) > 2 else list(outcome["groups"])
