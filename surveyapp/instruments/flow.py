"""The pages a respondent moves through: every instrument of a survey, split by section.

Answers are keyed ``<instrument>.<item>`` across a survey; ``show_if`` sees
only the answers of its own instrument. A survey's routing
(instruments.survey_parts) sees every earlier answer and skips whole pages:
a skipped page shows no item, so its answers are neither asked, stored nor
required, exactly like items hidden by ``show_if``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from .answers import StoredValue, to_condition_value
from .conditions import Condition, evaluate
from .model import Instrument, Item, Page
from .survey_parts import RoutingRule, skip_condition

__all__ = ["SurveyPage", "asked_pages", "item_key", "routed_out", "step", "survey_pages", "visible_items"]


def item_key(instrument: Instrument, item: Item) -> str:
    return f"{instrument.id}.{item.id}"


@dataclass(frozen=True)
class SurveyPage:
    number: int  # 1-based
    instrument: Instrument
    page: Page
    first_of_instrument: bool
    #: when this page is skipped for the respondent (routing), on answers keyed instrument.item; None: always asked
    skip_when: Condition | None = None

    def answer_keys(self) -> list[str]:
        return list(self._answer_keys)

    @cached_property
    def _answer_keys(self) -> tuple[str, ...]:
        """Worked out once per page (pages are immutable): every request of a respondent asks for them often."""
        return tuple(item_key(self.instrument, i) for i in self.page.items)


def survey_pages(
    instruments: Sequence[Instrument],
    audience: str,
    leave_out: frozenset[str] = frozenset(),
    routing: Sequence[RoutingRule] = (),
) -> tuple[SurveyPage, ...]:
    """The pages in order; ``leave_out`` names answer keys not asked in this survey (a page left empty is dropped)."""
    pages: list[SurveyPage] = []
    for instrument in instruments:
        kept = [
            replace(page, items=tuple(i for i in page.items if item_key(instrument, i) not in leave_out))
            for page in instrument.pages_for(audience)
        ]
        for page in (p for p in kept if p.items):
            first = not any(p.instrument is instrument for p in pages)
            skip = skip_condition(routing, audience, instrument.id, page.section.id if page.section else None)
            pages.append(SurveyPage(len(pages) + 1, instrument, page, first, skip))
    return tuple(pages)


def _routing_answers(answers: Mapping[str, StoredValue]) -> dict[str, object]:
    return {key: to_condition_value(v) for key, v in answers.items()}


def routed_out(page: SurveyPage, answers: Mapping[str, StoredValue]) -> bool:
    """Whether the survey's routing skips this whole page for the answers given so far."""
    return page.skip_when is not None and evaluate(page.skip_when, _routing_answers(answers))


def asked_pages(pages: Sequence[SurveyPage], answers: Mapping[str, StoredValue]) -> list[SurveyPage]:
    """The pages routing leaves for this respondent, in order (progress counts these)."""
    return [p for p in pages if not routed_out(p, answers)]


def step(pages: Sequence[SurveyPage], answers: Mapping[str, StoredValue], number: int, direction: int) -> int:
    """The page number to go to from ``number`` in ``direction`` (+1 / -1), over pages routing skips.

    Past the last page: ``len(pages) + 1`` (the review); before the first: the first asked page.
    """
    target = number + direction
    while 1 <= target <= len(pages) and routed_out(pages[target - 1], answers):
        target += direction
    if target < 1:
        return step(pages, answers, 0, 1)
    return min(target, len(pages) + 1)


def visible_items(page: SurveyPage, answers: Mapping[str, StoredValue]) -> list[Item]:
    """Items of ``page`` whose show_if holds for the answers given so far (this page's included).

    None when routing skips the page.
    """
    if routed_out(page, answers):
        return []
    prefix = f"{page.instrument.id}."
    own = {key[len(prefix) :]: to_condition_value(v) for key, v in answers.items() if key.startswith(prefix)}
    shown: list[Item] = []
    for item in page.page.items:
        if evaluate(item.show_if, own):
            shown.append(item)
        else:  # a hidden item's answer must not steer later conditions
            own.pop(item.id, None)
    return shown
