"""What a dashboard can compare by (audience, a single-choice question, wave), and which row is in which group.

:class:`Groups` also names each group's cell in the survey's family of cells (services.cells), so every view
hides exactly the groups the survey's one suppression decision hides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from flask_babel import gettext
from sqlalchemy import select

from ..analysis.suppression import Suppression
from ..db import Survey, User, db
from ..instruments.audiences import audience_name, in_sentence
from ..instruments.model import text_in
from .access import can_see
from .cells import NO_ANSWER, CellKey, SurveyDisclosure, question_groupings, shows, total_key
from .survey_data import SurveyData
from .surveys import SurveyError, survey_instruments

__all__ = ["NOT_ASKED", "Groups", "check_grouping", "grouping_options", "no_answer_count", "series_waves"]

NOT_ASKED = NO_ANSWER


def grouping_options(survey: Survey, viewer: User | None, language: str | None = None) -> list[tuple[str, str]]:
    """What ``viewer`` can compare by: audience, any single-choice item, and wave in a series (named in
    ``language``, the survey's first by default)."""
    language = language or survey.languages[0]
    options = [("audience", gettext("Audience"))]
    for key, (instrument, item) in question_groupings(survey):
        title, text = text_in(instrument.short_title, language), text_in(item.text[item.audiences[0]], language)
        options.append((key, f"{title}: {text}"))
    if survey.series and sum(map(len, series_waves(survey, viewer))) > 1:
        options.append(("wave", gettext("Wave")))  # waves without a grant are left out, with a note
    return options


def series_waves(survey: Survey, viewer: User | None) -> tuple[list[Survey], list[Survey]]:
    """The waves of ``survey``'s series that ``viewer`` may see, and those left out (None: the operator sees all)."""
    if not survey.series:
        return [survey], []
    waves = list(db.session.scalars(select(Survey).where(Survey.series == survey.series).order_by(Survey.wave, Survey.id)))
    if viewer is None:
        return waves, []
    seen = [w for w in waves if w.id == survey.id or can_see(viewer, w)]
    return seen, [w for w in waves if w not in seen]


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


class Groups:
    """Which row belongs to which group, for the chosen comparison, and which cell of the survey's family it is."""

    def __init__(
        self,
        survey: Survey,
        data: SurveyData,
        by: str,
        disclosures: Mapping[str, SurveyDisclosure],
        among: str | None = None,
        language: str | None = None,
    ) -> None:
        self.among = among
        self.by = by
        self.audiences = tuple(a.key for a in survey.audiences)
        self.disclosures = disclosures  # by wave key for comparisons by wave; "" otherwise
        self.min_cell = survey.min_cell_size
        labels = survey.texts.get("audience_labels") or {}
        language = language or survey.languages[0]
        self.audience_labels = {k: audience_name(k, labels, language) for k in self.audiences}
        if by == "audience":
            self.keys = [a.key for a in survey.audiences]
            self.labels = {k: audience_name(k, labels, language) for k in self.keys}
            self.of_row = data.audience
        elif by == "wave":
            waves = sorted(set(data.wave.tolist()))
            self.keys = [str(w) for w in waves]
            self.labels = {k: gettext("Wave %(n)s", n=k) for k in self.keys}
            self.of_row = data.wave.astype(str)
        else:
            instrument_id, item_id = by.split(".", 1)
            instrument = next(i for i in survey_instruments(survey) if i.id == instrument_id)
            item = instrument.item(item_id)
            assert item.scale is not None  # noqa: S101 - grouping_options offers single-choice items only
            self.keys = [str(o.code) for o in item.scale.options]
            self.labels = {str(o.code): text_in(o.label, language) for o in item.scale.options}
            column = data.column(by)
            self.of_row = np.array([str(int(v)) if not np.isnan(v) else NOT_ASKED for v in column])
        #: how each group's label reads inside a sentence: "staff", "wave 2", "those answering “Day hospital”"
        self.in_sentence = {self.labels[k]: self._sentence_name(k) for k in self.keys}
        self.of_row_everyone = self.of_row  # before "among": perception gaps set two audiences side by side
        if among is not None:
            self.of_row = np.where(data.of_audiences([among]), self.of_row, NOT_ASKED)

        self._masks = {key: self.of_row == key for key in self.keys}

    def rows(self, key: str, among: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.bool_]:
        mask = self._masks[key]
        return mask & among if among is not None else mask

    def _sentence_name(self, key: str) -> str:
        if self.by == "audience":
            return in_sentence(self.labels[key])
        if self.by == "wave":
            return gettext("wave %(n)s", n=key)
        return gettext("those answering “%(answer)s”", answer=self.labels[key])

    def rows_of_everyone(self, key: str) -> npt.NDArray[np.bool_]:
        """The rows of group ``key`` in every audience, whatever "among" chose."""
        return self.of_row_everyone == key

    def audience_shown(
        self, key: str, audience: str, n: int, values: npt.NDArray[np.bool_] | None = None, linked: bool = False
    ) -> bool:
        """Whether ``audience`` within group ``key`` (``n`` respondents, or ``n`` with a score where ``values`` is
        given) may be shown: its own cell of the family."""
        decision = self.disclosures[key if self.by == "wave" else ""]
        disclosure = decision if values is None else decision.values(values, linked)
        if self.by in ("audience", "wave"):
            return shows(disclosure, total_key((audience,)), n)
        return shows(disclosure, (self.by, (audience,), key), n)

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


def no_answer_count(
    survey: Survey, data: SurveyData, groups: Groups, top: Suppression, disclosure: SurveyDisclosure
) -> dict[str, Any] | None:
    """Compared by a question: how many of those asked it (within "among") gave no answer, so are in no group.

    Only when that count is publishable: every answer group is shown and so is the total of those asked, so the
    count is the total minus the groups, a difference the survey's suppression decision already allows (it holds
    0 or at least the minimum cell size, services.cells). With any group hidden, nothing is said: the count would
    let the hidden groups be worked out.
    """
    if groups.by in ("audience", "wave") or top.hidden:
        return None
    instrument_id, item_id = groups.by.split(".", 1)
    item = next(i for i in survey_instruments(survey) if i.id == instrument_id).item(item_id)
    asked = tuple(a for a in groups.audiences if item.asked_of(a) and groups.among in (None, a))
    if not asked:
        return None
    rows = int(data.of_audiences(asked).sum())
    n = rows - sum(int(groups.rows(k).sum()) for k in groups.keys)
    if not shows(disclosure, total_key(asked), rows) or 0 < n < groups.min_cell:
        return None
    return {
        "n": n,
        "audiences": list(asked),
        "among": in_sentence(groups.audience_labels[groups.among]) if groups.among else None,
        "asked_of_all": len(asked) == len(groups.audiences),
    }
