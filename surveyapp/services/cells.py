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

import hashlib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from ..analysis.disclosure import Disclosure, protect
from ..analysis.suppression import Suppression
from ..db import Survey
from ..instruments.flow import item_key
from .survey_data import SurveyData
from .surveys import survey_instruments

__all__ = [
    "NO_ANSWER",
    "CellKey",
    "SurveyDisclosure",
    "audience_sets",
    "audience_suppression",
    "family_masks",
    "grouping_keys",
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


#: measure decisions already taken, by family, weights and kind: a decision depends on nothing else, so each worker
#: keeps the last few hundred (a cache only: any host that lacks one takes it again and gets the same answer)
_DECIDED: dict[tuple[bytes, bool, bytes], Disclosure] = {}
_DECIDED_LIMIT = 512


@dataclass
class _Family:
    keys: list[Hashable]
    members: npt.NDArray[np.bool_]  # cells x units
    candidates: list[bool]
    partitions: list[tuple[Hashable, list[Hashable]]]
    min_cell: int

    def protect(self, weights: npt.NDArray[np.int64]) -> Disclosure:
        return protect(
            self.keys,
            self.members,
            weights,
            self.min_cell,
            candidates=self.candidates,
            partitions=self.partitions,
            keep=self.totals,
        )

    @cached_property
    def fingerprint(self) -> bytes:
        return hashlib.sha256(repr((self.keys, self.partitions, self.min_cell)).encode() + self.members.tobytes()).digest()

    @property
    def totals(self) -> list[bool]:
        """Audience totals: hidden only when no breakdown cell would do, since each takes a whole audience with it."""
        return [isinstance(k, tuple) and k[0] == "" for k in self.keys]


class SurveyDisclosure:
    """The survey's suppression decision over its respondents, and over those with a value for one measure.

    A subscale's figures cover only the people with a score (who answered enough of its items). Those people are
    a family of their own: five peers in a unit, one of whom skipped, leave a subscale figure about four, which the
    unit's all-audience figure minus its staff and service-user figures gives back. :meth:`values` decides the
    family again with each unit weighted by its people with a score, and adds what the respondents' decision
    hides (hiding more never lets anything be worked out).

    When a score needs every item (``linked``), its total over a cell is also the sum of the items' totals, which
    the items' answer counts publish over the cell's respondents: the cell's respondents minus its people with
    a score are then the few who skipped, and their answers follow. For such measures the decision is taken over
    units split into "has a score" and "has none", the respondents' cells fixed as already decided beside the
    same cells restricted to those with a score. Measures with the same people share one decision.
    """

    def __init__(self, family: _Family, unit_of_row: npt.NDArray[np.int64], rows: npt.NDArray[np.bool_] | None) -> None:
        self._family = family
        self._unit_of_row = unit_of_row
        self._rows = rows
        self._units = family.members.shape[1]
        self.respondents: Disclosure = family.protect(np.bincount(unit_of_row, minlength=self._units))

    @property
    def sizes(self) -> Mapping[Hashable, int]:
        return self.respondents.sizes

    @property
    def hidden(self) -> frozenset[Hashable]:
        return self.respondents.hidden

    @property
    def min_cell(self) -> int:
        return self.respondents.min_cell

    def shows(self, key: Hashable) -> bool:
        return self.respondents.shows(key)

    def reason(self, key: Hashable) -> str | None:
        return self.respondents.reason(key)

    def values(self, has_value: npt.NDArray[np.bool_], linked: bool = False) -> Disclosure:
        """The decision for a measure that the survey's rows have where ``has_value`` holds; ``linked``: its
        total over a cell follows from the items' published answer counts (a score that needs every item)."""
        mask = has_value if self._rows is None else has_value[self._rows]
        with_value = np.bincount(self._unit_of_row[mask], minlength=self._units)
        key = (self._family.fingerprint, linked, with_value.tobytes())
        decided = _DECIDED.get(key)
        if decided is None:
            decided = self._decide_values(with_value, linked)
            _DECIDED[key] = decided
            while len(_DECIDED) > _DECIDED_LIMIT:
                _DECIDED.pop(next(iter(_DECIDED)))
        return decided

    def _decide_values(self, with_value: npt.NDArray[np.int64], linked: bool) -> Disclosure:
        family, everyone = self._family, self.respondents
        without = np.bincount(self._unit_of_row, minlength=self._units) - with_value
        if not without.any():
            return everyone
        if not linked:
            own = family.protect(with_value)
            return Disclosure(own.sizes, own.hidden | everyone.hidden, own.too_small, family.min_cell)
        measure = [("values", k) for k in family.keys]
        rename = dict(zip(family.keys, measure, strict=True))
        members = np.block([[family.members, family.members], [family.members, np.zeros_like(family.members)]])
        joint = protect(
            [*family.keys, *measure],
            members,
            np.concatenate([with_value, without]),
            family.min_cell,
            candidates=[*family.candidates, *family.candidates],
            partitions=[
                *family.partitions,
                *((rename[total], [rename[p] for p in parts]) for total, parts in family.partitions),
            ],
            settled={k: everyone.shows(k) for k in family.keys},
            keep=[*family.totals, *family.totals],
        )
        return Disclosure(
            sizes={k: joint.sizes[rename[k]] for k in family.keys},
            hidden=frozenset(k for k in family.keys if rename[k] in joint.hidden),
            too_small=frozenset(k for k in family.keys if rename[k] in joint.too_small),
            min_cell=family.min_cell,
        )


def survey_disclosure(survey: Survey, data: SurveyData, rows: npt.NDArray[np.bool_] | None = None) -> SurveyDisclosure:
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
    units, unit_of_row = _combinations(columns, [len(order) + 1, *(len(c) for c in categories)])
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
    family = _Family(
        keys, np.array(masks, dtype=bool).reshape(len(keys), len(units)), candidates, partitions, survey.min_cell_size
    )
    return SurveyDisclosure(family, unit_of_row, rows)


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
    """The distinct rows of ``columns`` (each 0 <= value < its radix; -1 allowed in the first) and each row's index
    among them.

    One number per row in mixed radix, so the distinct rows are one 1-D ``np.unique`` (fast for 100,000 rows).
    """
    if np.prod([float(base + 1) for base in radix]) >= 2.0**62:  # too many questions for one number: slower, same result
        table = np.column_stack(columns) if len(columns[0]) else np.empty((0, len(columns)), dtype=np.int64)
        units, inverse = np.unique(table, axis=0, return_inverse=True)
        return units.reshape(-1, len(columns)), np.asarray(inverse, dtype=np.int64).reshape(-1)
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for column, base in zip(columns, radix, strict=True):
        code = code * (base + 1) + (column + 1)
    distinct, inverse = np.unique(code, return_inverse=True)
    units = np.empty((len(distinct), len(columns)), dtype=np.int64)
    for position in range(len(columns) - 1, -1, -1):
        base = radix[position] + 1
        units[:, position] = distinct % base - 1
        distinct = distinct // base
    return units, np.asarray(inverse, dtype=np.int64).reshape(-1)


def shows(disclosure: Disclosure | SurveyDisclosure, key: CellKey, n: int) -> bool:
    """Whether the cell may be shown; a cell outside the family (an older wave's other layout) by its size alone."""
    if key in disclosure.sizes:
        return disclosure.shows(key)
    return not 0 < n < disclosure.min_cell


def grouping_keys(survey: Survey) -> list[str]:
    """The answer keys the family needs besides a view's own: its compare-by questions."""
    return [key for key, _ in question_groupings(survey)]


def audience_suppression(
    survey: Survey, data: SurveyData, decision: SurveyDisclosure, values: npt.NDArray[np.bool_] | None = None
) -> Suppression:
    """Per audience, what the survey's one decision hides (over those with a value where ``values`` is given), for
    views that show audiences only (Delphi rounds): they hide exactly what the dashboard hides, so nothing they
    show can be subtracted from the dashboard's figures."""
    measure = decision.respondents if values is None else decision.values(values)
    counts = {}
    for audience in survey.audiences:
        rows = data.of_audiences([audience.key])
        counts[audience.key] = int((rows if values is None else rows & values).sum())
    too_small = {a for a, n in counts.items() if 0 < n < survey.min_cell_size}
    hidden = too_small | {a for a, n in counts.items() if not shows(measure, total_key((a,)), n)}
    return Suppression(frozenset(hidden), frozenset(too_small), frozenset(hidden - too_small), survey.min_cell_size)


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
