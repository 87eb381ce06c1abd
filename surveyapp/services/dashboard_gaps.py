"""Perception gaps on the dashboard: how staff and service users see peers' work against peers' view of their own,
for every subscale and Likert item asked of both in different words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
import numpy.typing as npt

from ..analysis.disclosure import Disclosure
from ..analysis.gaps import perception_gap
from ..instruments import Instrument
from ..instruments.audiences import SELF_AUDIENCE
from ..instruments.flow import item_key
from ..instruments.scoring import score_matrix
from .cells import total_key
from .groupings import Groups
from .survey_data import SurveyData

__all__ = ["gaps"]


def _parallel(instrument: Instrument, item_ids: Sequence[str], other: str) -> bool:
    """Items asked of peers and of ``other`` in different words: the other audience rates peers."""
    for item_id in item_ids:
        item = instrument.item(item_id)
        if not (item.asked_of(SELF_AUDIENCE) and item.asked_of(other)):
            return False
        if item.text[SELF_AUDIENCE] == item.text[other]:
            return False
    return True


def gaps(instrument: Instrument, data: SurveyData, groups: Groups, min_cell: int, disclosure: Disclosure) -> list[dict[str, Any]]:
    """Perception gaps: how staff and service users see peers, against peers' view of themselves."""
    language = instrument.languages[0]
    out: list[dict[str, Any]] = []
    self_rows = data.of_audiences([SELF_AUDIENCE])
    targets: list[tuple[str, str, str, npt.NDArray[np.float64]]] = []
    for subscale in instrument.subscales:
        scores, _ = score_matrix(instrument, subscale, data.matrix([f"{instrument.id}.{i}" for i in subscale.items]))
        targets.append(("subscale", subscale.id, subscale.label[language], scores))
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
            if not (disclosure.shows(total_key((SELF_AUDIENCE,))) and disclosure.shows(total_key((other,)))):
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
