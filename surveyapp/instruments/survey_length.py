"""How long a survey is for one audience: questions and estimated minutes.

Planning figures, not measurements: about 8 seconds for a rating or a single
choice (published web-survey timings put a closed question at 5-10 seconds
on a phone), longer for a multiple choice, a number or typed text. Optional
free-text boxes are counted at the time it takes to read them and decide;
respondents who write more take longer. With routing or ``show_if`` the
length is a range: ``shortest`` leaves out every page or question that some
answer can skip, ``longest`` asks everything.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .flow import SurveyPage, survey_pages
from .model import Instrument, Item
from .survey_parts import RoutingRule

__all__ = ["SECONDS", "Length", "item_seconds", "lengths_by_audience", "survey_length"]

#: seconds per question by type
SECONDS = {"likert": 8, "single": 8, "multi": 12, "number": 10, "text": 20, "longtext": 40}
OPTIONAL_TEXT_SECONDS = 12


def item_seconds(item: Item) -> int:
    if item.type in ("text", "longtext") and not item.required:
        return OPTIONAL_TEXT_SECONDS
    return SECONDS.get(item.type, 8)


@dataclass(frozen=True)
class Length:
    questions_min: int
    questions_max: int
    seconds_min: int
    seconds_max: int
    pages_min: int
    pages_max: int

    @property
    def minutes_min(self) -> int:
        return max(1, math.ceil(self.seconds_min / 60))

    @property
    def minutes_max(self) -> int:
        return max(1, math.ceil(self.seconds_max / 60))

    @property
    def is_range(self) -> bool:
        return self.minutes_min != self.minutes_max or self.questions_min != self.questions_max

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "questions_min": self.questions_min,
            "questions_max": self.questions_max,
            "minutes_min": self.minutes_min,
            "minutes_max": self.minutes_max,
            "pages_min": self.pages_min,
            "pages_max": self.pages_max,
            "is_range": self.is_range,
        }


def survey_length(pages: Sequence[SurveyPage]) -> Length:
    """The length of an audience's pages (instruments.flow.survey_pages)."""
    q_min = q_max = s_min = s_max = p_min = 0
    for page in pages:
        items = page.page.items
        q_max += len(items)
        s_max += sum(item_seconds(i) for i in items)
        if page.skip_when is None:
            always = [i for i in items if i.show_if is None]
            q_min += len(always)
            s_min += sum(item_seconds(i) for i in always)
            p_min += 1
    return Length(q_min, q_max, s_min, s_max, p_min, len(pages))


def lengths_by_audience(
    instruments: Sequence[Instrument], audiences: Sequence[str], routing: Sequence[RoutingRule] = ()
) -> dict[str, Length]:
    """Each audience's length for a survey's instruments as asked (short forms applied) and its routing."""
    return {a: survey_length(survey_pages(instruments, a, routing=routing)) for a in audiences}
