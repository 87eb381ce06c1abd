"""The family of cells a manager can request for one survey, and which of them are shown.

Every figure on a dashboard, in a table download or in `surveyapp stats` is
computed over one cell: the respondents of a set of audiences (everyone, one
audience, or the audiences asked a question or subscale), optionally narrowed
to one answer of a single-choice question ("compare by"). A cell's key is
``(question key or "", audiences, answer code or "")``; the answer code
``NO_ANSWER`` stands for everyone who skipped, declined or was not asked the
question, never shown but counted, since it is what remains when the shown
answers are subtracted from the total.

:func:`survey_disclosure` lists the whole family for a survey's published
responses and lets :func:`surveyapp.analysis.disclosure.protect` decide, once,
which cells are hidden; every view then only looks its cells up.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..analysis.disclosure import Disclosure, protect
from ..db import Survey
from ..instruments.flow import item_key
from .survey_data import SurveyData
from .surveys import survey_instruments

__all__ = [
    "NO_ANSWER",
    "CellKey",
    "audience_sets",
    "family_masks",
    "published_audiences",
    "question_groupings",
    "shows",
    "survey_disclosure",
    "total_key",
]

NO_ANSWER = "__no_answer__"
CellKey = tuple[str, tuple[str, ...], str]


def question_groupings(survey: Survey) -> list[tuple[str, Any]]:
    """The single-choice questions a dashboard can compare by: (answer key, (instrument, item))."""
    return [
        (item_key(instrument, item), (instrument, item))
        for instrument in survey_instruments(survey)
        for item in instrument.items
        if item.type == "single" and item.scale is not None
    ]


def audience_sets(survey: Survey) -> list[tuple[str, ...]]:
    """Everyone, each audience alone, and the audiences asked each question or subscale."""
    order = [a.key for a in survey.audiences]
    sets: dict[tuple[str, ...], None] = {tuple(order): None}
    sets.update({(a,): None for a in order})
    for instrument in survey_instruments(survey):
        for item in instrument.items:
            if item.type == "likert":
                sets[tuple(a for a in order if item.asked_of(a))] = None
        for subscale in instrument.subscales:
            sets[tuple(a for a in order if a in instrument.audiences and subscale in instrument.subscales_for(a))] = None
    return [s for s in sets if s]


def total_key(audiences: tuple[str, ...]) -> CellKey:
    return ("", audiences, "")


def survey_disclosure(survey: Survey, data: SurveyData, rows: npt.NDArray[np.bool_] | None = None) -> Disclosure:
    """Decide suppression for every cell of ``survey``'s family over its published rows (``rows`` of ``data``)."""
    order = [a.key for a in survey.audiences]
    audience = data.audience if rows is None else data.audience[rows]
    questions = question_groupings(survey)
    columns = [np.full(len(audience), -1, dtype=np.int64)]
    for position, key in enumerate(order):
        columns[0][audience == key] = position
    categories: list[list[str]] = []
    for key, (_, item) in questions:
        codes = [str(o.code) for o in item.scale.options]
        categories.append([*codes, NO_ANSWER])
        column = data.column(key) if rows is None else data.column(key)[rows]
        index = np.full(column.shape, len(codes), dtype=np.int64)  # no answer, "prefer not to answer" or not asked
        for position, option in enumerate(item.scale.options):
            index[column == option.code] = position
        columns.append(index)
    units, weights = _combinations(columns, [len(order) + 1, *(len(c) for c in categories)])
    keys: list[Hashable] = []
    masks: list[npt.NDArray[np.bool_]] = []
    candidates: list[bool] = []
    partitions: list[tuple[Hashable, list[Hashable]]] = []

    def add(key: CellKey, mask: npt.NDArray[np.bool_], candidate: bool = True) -> None:
        keys.append(key)
        masks.append(mask)
        candidates.append(candidate)

    sets = audience_sets(survey)
    in_set = {s: np.isin(units[:, 0], [order.index(a) for a in s]) for s in sets}
    for s in sets:
        add(total_key(s), in_set[s])
        if len(s) > 1:
            partitions.append((total_key(s), [total_key((a,)) for a in s]))
    for column, ((key, _), cats) in enumerate(zip(questions, categories, strict=True), start=1):
        for s in sets:
            for position, category in enumerate(cats):
                add((key, s, category), in_set[s] & (units[:, column] == position), category != NO_ANSWER)
            partitions.append((total_key(s), [(key, s, c) for c in cats]))
            if len(s) > 1:
                partitions.extend(((key, s, c), [(key, (a,), c) for a in s]) for c in cats)
    return protect(
        keys,
        np.array(masks, dtype=bool).reshape(len(keys), len(units)),
        np.asarray(weights, dtype=np.int64),
        survey.min_cell_size,
        candidates=candidates,
        partitions=partitions,
    )


def family_masks(survey: Survey, data: SurveyData) -> list[npt.NDArray[np.bool_]]:
    """Which rows of ``data`` fall in each cell of the survey's family (every audience set, alone and by each
    answer of each single-choice question, "no answer" included): what a batch of publication must not change by
    fewer than the minimum cell size (services.publication)."""
    questions = question_groupings(survey)
    masks = []
    for s in audience_sets(survey):
        in_set = data.of_audiences(s)
        masks.append(in_set)
        for key, (_, item) in questions:
            column = data.column(key)
            answered = np.zeros(len(column), dtype=bool)
            for option in item.scale.options:
                chosen = column == option.code
                answered |= chosen
                masks.append(in_set & chosen)
            masks.append(in_set & ~answered)
    return masks


def _combinations(columns: list[npt.NDArray[np.int64]], radix: list[int]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct rows of ``columns`` (each 0 <= value < its radix; -1 allowed in the first) and how many share each.

    One number per row in mixed radix, so the distinct rows are one 1-D ``np.unique`` (fast for 100,000 rows).
    """
    if np.prod([float(base + 1) for base in radix]) >= 2.0**62:  # too many questions for one number: slower, same result
        table = np.column_stack(columns) if len(columns[0]) else np.empty((0, len(columns)), dtype=np.int64)
        units, counts = np.unique(table, axis=0, return_counts=True)
        return units.reshape(-1, len(columns)), counts.astype(np.int64)
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for column, base in zip(columns, radix, strict=True):
        code = code * (base + 1) + (column + 1)
    distinct, counts = np.unique(code, return_counts=True)
    units = np.empty((len(distinct), len(columns)), dtype=np.int64)
    for position in range(len(columns) - 1, -1, -1):
        base = radix[position] + 1
        units[:, position] = distinct % base - 1
        distinct = distinct // base
    return units, counts.astype(np.int64)


def shows(disclosure: Disclosure, key: CellKey, n: int) -> bool:
    """Whether the cell may be shown; a cell outside the family (an older wave's other layout) by its size alone."""
    if key in disclosure.sizes:
        return disclosure.shows(key)
    return not 0 < n < disclosure.min_cell


def published_audiences(survey: Survey, keys: Sequence[str]) -> tuple[SurveyData, dict[str, bool]]:
    """The survey's published responses with ``keys`` (a full step published first) and, per audience, whether
    the survey's one suppression decision shows it: views beside the dashboard (training needs, Delphi results)
    hide exactly the audiences the dashboard hides, so nothing they show can be subtracted from it."""
    from .publication import publish_ready
    from .survey_data import load_survey_data, numeric_item_keys

    publish_ready([survey])
    columns = dict.fromkeys([*keys, *(key for key, _ in question_groupings(survey))])
    wanted = [k for k in numeric_item_keys(survey_instruments(survey)) if k in columns]
    data = load_survey_data([survey], wanted, published_only=True)
    disclosure = survey_disclosure(survey, data)
    shown = {}
    for audience in survey.audiences:
        n = int(data.of_audiences([audience.key]).sum())
        shown[audience.key] = n > 0 and shows(disclosure, total_key((audience.key,)), n)
    return data, shown
