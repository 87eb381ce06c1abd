"""Perception gaps on the dashboard: how staff and service users see peers' work against peers' view of their own,
for every subscale and Likert item asked of both in different words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
import numpy.typing as npt
from flask_babel import gettext

from ..analysis.gaps import perception_gap
from ..instruments import Instrument
from ..instruments.audiences import SELF_AUDIENCE, in_sentence
from ..instruments.flow import item_key
from ..instruments.model import text_in
from ..instruments.scoring import needs_every_item
from .groupings import Groups
from .survey_data import SurveyData

__all__ = ["compared_audiences", "gaps", "missing_gaps_note"]


def _parallel(instrument: Instrument, item_ids: Sequence[str], other: str) -> bool:
    """Items asked of peers and of ``other`` in different words: the other audience rates peers."""
    for item_id in item_ids:
        item = instrument.item(item_id)
        if not (item.asked_of(SELF_AUDIENCE) and item.asked_of(other)):
            return False
        if item.text[SELF_AUDIENCE] == item.text[other]:
            return False
    return True


def _targets(instrument: Instrument, data: SurveyData, language: str) -> list[tuple[str, str, str, npt.NDArray[np.float64]]]:
    """Every subscale score and Likert item of ``instrument``, recoded so that higher means more of the construct."""
    targets: list[tuple[str, str, str, npt.NDArray[np.float64]]] = []
    for subscale in instrument.subscales:
        scores = data.subscale_scores(instrument, subscale)
        targets.append(("subscale", subscale.id, text_in(subscale.label, language), scores))
    for item in instrument.items:
        if item.type == "likert" and item.scale is not None:
            column = data.column(item_key(instrument, item))
            values = np.where(np.isin(column, list(item.scale.codes)), column, np.nan)
            if item.reverse:  # recoded like the scores, so a higher value always means more of the construct
                values = item.scale.min + item.scale.max - values
            text = text_in(item.text[item.audiences[0]], language)
            if item.reverse:
                text = gettext("%(question)s (reverse-keyed, recoded)", question=text)
            targets.append(("item", item.id, text, values))
    return targets


def compared_audiences(groups: Groups) -> list[str]:
    """The audiences whose view of peers is set against peers' own: all of them, or the one chosen under "among"."""
    if groups.by == "audience":
        return [k for k in groups.keys if k != SELF_AUDIENCE]
    return [a for a in groups.audiences if a != SELF_AUDIENCE and groups.among in (None, SELF_AUDIENCE, a)]


def gap_slices(groups: Groups, data: SurveyData) -> list[tuple[str | None, npt.NDArray[np.bool_]]]:
    """Where gaps are computed: over everyone when comparing audiences; otherwise within each group (each unit,
    each answer, each wave), with every audience of that group, whatever "among" chose."""
    if groups.by == "audience":
        return [(None, np.ones(len(data), dtype=bool))]
    return [(key, groups.rows_of_everyone(key)) for key in groups.keys]


def gaps(
    instrument: Instrument, data: SurveyData, groups: Groups, min_cell: int, language: str | None = None
) -> list[dict[str, Any]]:
    """Perception gaps: how staff and service users see peers, against peers' view of themselves.

    Compared by a question or by wave, each gap is computed within one group (peers in unit A against staff in unit
    A), and only where both audiences of that group are cells the survey's suppression decision shows (services.cells)
    and each has at least ``min_cell`` answers: a small cell never leaves, not even as a gap.
    """
    language = language or instrument.languages[0]
    out: list[dict[str, Any]] = []
    targets = [(*target, ~np.isnan(target[3])) for target in _targets(instrument, data, language)]
    self_rows = data.of_audiences([SELF_AUDIENCE])
    for group, rows in gap_slices(groups, data):
        own: dict[int, npt.NDArray[np.float64]] = {}  # per target: peers' values in this group, whoever they are set against
        for other in compared_audiences(groups):
            mine_rows, their_rows = self_rows & rows, data.of_audiences([other]) & rows
            if not (
                groups.audience_shown(group or "", SELF_AUDIENCE, int(mine_rows.sum()))
                and groups.audience_shown(group or "", other, int(their_rows.sum()))
            ):
                continue  # a hidden audience leaves no figure, not even as a gap
            for number, (level, ident, label, values, scored) in enumerate(targets):
                item_ids = next(s.items for s in instrument.subscales if s.id == ident) if level == "subscale" else [ident]
                if not _parallel(instrument, item_ids, other):
                    continue
                mine = own.get(number)
                if mine is None:
                    mine = own[number] = values[mine_rows & scored]
                theirs = values[their_rows & scored]
                if mine.size < min_cell or theirs.size < min_cell:
                    continue
                if level == "subscale":  # its figures cover those with a score: decided over them (services.cells)
                    linked = needs_every_item(next(s for s in instrument.subscales if s.id == ident))
                    if not (
                        groups.audience_shown(group or "", SELF_AUDIENCE, mine.size, scored, linked)
                        and groups.audience_shown(group or "", other, theirs.size, scored, linked)
                    ):
                        continue
                gap = perception_gap(mine, theirs, groups.audience_labels[SELF_AUDIENCE], groups.audience_labels[other])
                if gap is None:
                    continue
                entry = asdict(gap)
                entry["reading"] = entry.pop("label")  # aligned / others_higher / self_higher / unclear
                entry.update(
                    {
                        "instrument": text_in(instrument.short_title, language),
                        "instrument_id": instrument.id,
                        "level": level,
                        "id": ident,
                        "label": label,
                        "other": other,
                        "group": group,
                        "group_label": groups.labels[group] if group is not None else None,
                    }
                )
                out.append(entry)
    return out


def missing_gaps_note(gap_list: list[dict[str, Any]], groups: Groups) -> str | None:
    """Compared by a question or wave: which groups with respondents have no gap at all, and why (said once)."""
    if groups.by == "audience" or not gap_list:
        return None
    with_gaps = {g["group"] for g in gap_list}
    without = [groups.labels[k] for k in groups.keys if k not in with_gaps and groups.rows_of_everyone(k).any()]
    if not without:
        return None
    names = [in_sentence(groups.audience_labels[a]) for a in (SELF_AUDIENCE, *compared_audiences(groups))]
    audiences = names[0] if len(names) == 1 else gettext("%(some)s or %(last)s", some=", ".join(names[:-1]), last=names[-1])
    return gettext(
        "No perception gaps for %(groups)s: there, %(audiences)s are too few to show without risking who answered.",
        groups=", ".join(without),
        audiences=audiences,
    )
