"""The pages a respondent moves through: every instrument of a survey, split by section.

Answers are keyed ``<instrument>.<item>`` across a survey; ``show_if`` sees
only the answers of its own instrument.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .answers import StoredValue, to_condition_value
from .conditions import evaluate
from .model import Instrument, Item, Page

__all__ = ["SurveyPage", "item_key", "survey_pages", "visible_items"]


def item_key(instrument: Instrument, item: Item) -> str:
    return f"{instrument.id}.{item.id}"


@dataclass(frozen=True)
class SurveyPage:
    number: int  # 1-based
    instrument: Instrument
    page: Page
    first_of_instrument: bool

    def answer_keys(self) -> list[str]:
        return [item_key(self.instrument, i) for i in self.page.items]


def survey_pages(
    instruments: Sequence[Instrument], audience: str, leave_out: frozenset[str] = frozenset()
) -> tuple[SurveyPage, ...]:
    """The pages in order; ``leave_out`` names answer keys not asked in this survey (a page left empty is dropped)."""
    pages: list[SurveyPage] = []
    for instrument in instruments:
        kept = [
            replace(page, items=tuple(i for i in page.items if item_key(instrument, i) not in leave_out))
            for page in instrument.pages_for(audience)
        ]
        for page in (p for p in kept if p.items):
            pages.append(SurveyPage(len(pages) + 1, instrument, page, not any(p.instrument is instrument for p in pages)))
    return tuple(pages)


def visible_items(page: SurveyPage, answers: Mapping[str, StoredValue]) -> list[Item]:
    """Items of ``page`` whose show_if holds for the answers given so far (this page's included)."""
    prefix = f"{page.instrument.id}."
    own = {key[len(prefix) :]: to_condition_value(v) for key, v in answers.items() if key.startswith(prefix)}
    shown: list[Item] = []
    for item in page.page.items:
        if evaluate(item.show_if, own):
            shown.append(item)
        else:  # a hidden item's answer must not steer later conditions
            own.pop(item.id, None)
    return shown
