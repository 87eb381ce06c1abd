"""The instrument model: frozen dataclasses built by the loader.

Everything here is plain data; validation lives in ``validate.py`` and
scoring in ``scoring.py``. Texts are stored per audience and language even
when the file gives one wording for everyone, so callers never branch on the
file's shorthand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

#: Stored code for "prefer not to answer" (an item with ``allow_skip``).
PREFER_NOT_TO_ANSWER = -9
#: Export code for an item the respondent never saw (audience or ``show_if``).
NOT_SHOWN = -8

ItemType = Literal["likert", "single", "multi", "number", "text", "longtext"]
ITEM_TYPES: tuple[str, ...] = ("likert", "single", "multi", "number", "text", "longtext")
CHOICE_TYPES: frozenset[str] = frozenset({"likert", "single", "multi"})
TEXT_TYPES: frozenset[str] = frozenset({"text", "longtext"})
DEFAULT_MAX_LENGTH: Mapping[str, int] = {"text": 200, "longtext": 4000}
MISSING_OPTION_KEYS: tuple[str, ...] = ("not_observed", "dont_know", "not_applicable")
#: The questions asked about each role task; a task becomes one stored item per part.
TASK_PARTS: tuple[str, ...] = ("role", "frequency", "comment")
#: Suffix of the item id a task part is stored under (the role rating keeps the task's own id).
TASK_PART_SUFFIX: Mapping[str, str] = {"role": "", "frequency": "_now", "comment": "_note"}
#: Role-rating codes: 1 should not be done by peers, 2 not appropriate, 3 appropriate, 4 essential.
ROLE_CODES: tuple[int, ...] = (1, 2, 3, 4)
#: Frequency codes: 1 never, 2 less than monthly, 3 monthly, 4 weekly, 5 daily.
FREQUENCY_CODES: tuple[int, ...] = (1, 2, 3, 4, 5)

#: language -> text
Text = Mapping[str, str]


def text_in(text: Text | None, language: str) -> str:
    """``text`` in ``language``, else in English, else in the first language it has ("" for none)."""
    if not text:
        return ""
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


@dataclass(frozen=True)
class Option:
    code: int
    label: Text
    key: str | None = None
    audiences: tuple[str, ...] | None = None  # None: every audience

    def offered_to(self, audience: str) -> bool:
        return self.audiences is None or audience in self.audiences


@dataclass(frozen=True)
class ResponseScale:
    id: str
    options: tuple[Option, ...]
    missing_options: tuple[Option, ...] = ()

    @property
    def min(self) -> int:
        return self.options[0].code

    @property
    def max(self) -> int:
        return self.options[-1].code

    @property
    def codes(self) -> frozenset[int]:
        return frozenset(o.code for o in self.options)

    def options_for(self, audience: str) -> tuple[Option, ...]:
        """The substantive options, then the missing options, that this audience is offered."""
        return tuple(o for o in self.options + self.missing_options if o.offered_to(audience))

    def codes_for(self, audience: str) -> frozenset[int]:
        """The codes of :meth:`options_for`, worked out once per scale and audience (every answer is checked)."""
        known: dict[str, frozenset[int]] = self.__dict__.setdefault("_codes_for", {})
        if audience not in known:
            known[audience] = frozenset(o.code for o in self.options_for(audience))
        return known[audience]

    def label(self, code: int, language: str) -> str | None:
        for option in self.options + self.missing_options:
            if option.code == code:
                return option.label[language]
        return None


@dataclass(frozen=True)
class TaskPart:
    """Marks an item as one question about a role task (see :class:`Task`)."""

    task: str
    part: str  # role | frequency | comment
    domain: str


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    #: audience -> language -> text
    text: Mapping[str, Text]
    audiences: tuple[str, ...]
    scale: ResponseScale | None = None
    required: bool = False
    allow_skip: bool = False
    reverse: bool = False
    show_if: Any = None  # conditions.Condition; typed loosely to avoid an import cycle
    section: str | None = None
    help: Text | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = True
    max_length: int | None = None
    task: TaskPart | None = None

    def text_for(self, audience: str, language: str) -> str:
        return self.text[audience][language]

    def asked_of(self, audience: str) -> bool:
        return audience in self.audiences

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    def accepts_code(self, code: int, audience: str) -> bool:
        """Whether ``code`` is an option this audience may choose."""
        if self.scale is None:
            return False
        return code in self.scale.codes_for(audience)


@dataclass(frozen=True)
class Band:
    max: float
    label: Text


@dataclass(frozen=True)
class Reference:
    source: str
    mean: float | None = None
    sd: float | None = None
    n: int | None = None


@dataclass(frozen=True)
class Subscale:
    id: str
    label: Text
    items: tuple[str, ...]
    scoring: Literal["mean", "sum"] = "mean"
    min_answered: float = 0.8
    description: Text | None = None
    bands: tuple[Band, ...] = ()
    reference: Reference | None = None

    def band_for(self, score: float) -> Band | None:
        for band in self.bands:
            if score <= band.max:
                return band
        return None


@dataclass(frozen=True)
class Section:
    id: str
    title: Text


@dataclass(frozen=True)
class Domain:
    """A group of role tasks; each domain is also a page of the respondent's survey."""

    id: str
    title: Text


@dataclass(frozen=True)
class TaskQuestions:
    """What every audience is asked about each task (texts: audience -> language -> text)."""

    role: Mapping[str, Text]
    frequency: Mapping[str, Text]
    frequency_audiences: tuple[str, ...]
    comment: Mapping[str, Text] | None = None
    comment_max_length: int = 1000
    #: the free-text item where respondents propose missing tasks (a Delphi's first round)
    proposal_item: str | None = None


@dataclass(frozen=True)
class Task:
    """A role task (``type: task`` in the file), stored as one item per question asked about it.

    ``role_item`` holds the rating "should this be part of the peer specialist's
    role here?" (codes :data:`ROLE_CODES`, plus "don't know" as a missing
    option); ``frequency_item`` "how often do you do this now?" for the
    audiences in ``TaskQuestions.frequency_audiences``; ``comment_item`` an
    optional comment.
    """

    id: str
    domain: str
    #: audience -> language -> the task's wording
    text: Mapping[str, Text]
    audiences: tuple[str, ...]
    role_item: str
    frequency_item: str | None = None
    comment_item: str | None = None

    def item_ids(self) -> tuple[str, ...]:
        return tuple(i for i in (self.role_item, self.frequency_item, self.comment_item) if i is not None)


@dataclass(frozen=True)
class Page:
    """What one respondent sees on one page: a section's items for their audience."""

    section: Section | None
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    languages: tuple[str, ...]
    title: Text
    short_title: Text
    audiences: tuple[str, ...]
    citation: str
    licence: Mapping[str, Any]
    provenance: Mapping[str, Any]
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...] = ()
    scales: Mapping[str, ResponseScale] = field(default_factory=dict)
    sections: tuple[Section, ...] = ()
    #: audience -> language -> text (empty when the file gives none)
    instructions: Mapping[str, Text] = field(default_factory=dict)
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    content_hash: str = ""
    domains: tuple[Domain, ...] = ()
    tasks: tuple[Task, ...] = ()
    task_questions: TaskQuestions | None = None
    #: the parsed file, as stored in the database snapshot
    definition: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)

    def domain(self, domain_id: str) -> Domain:
        for domain in self.domains:
            if domain.id == domain_id:
                return domain
        raise KeyError(domain_id)

    @property
    def has_tasks(self) -> bool:
        return bool(self.tasks)

    def items_for(self, audience: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.asked_of(audience))

    def subscales_for(self, audience: str) -> tuple[Subscale, ...]:
        """Subscales whose every item is asked of ``audience``."""
        asked = {i.id for i in self.items_for(audience)}
        return tuple(s for s in self.subscales if set(s.items) <= asked)

    def scale_of(self, subscale: Subscale) -> ResponseScale:
        scale = self.item(subscale.items[0]).scale
        if scale is None:  # validation makes every subscale item a likert item
            raise ValueError(f"subscale {subscale.id} has no scale")
        return scale

    def pages_for(self, audience: str) -> tuple[Page, ...]:
        """The instrument split into pages: one per section, in item order."""
        items = self.items_for(audience)
        if not items:
            return ()
        if not self.sections:
            return (Page(None, items),)
        by_id = {s.id: s for s in self.sections}
        pages: list[Page] = []
        for section in self.sections:
            section_items = tuple(i for i in items if i.section == section.id)
            if section_items:
                pages.append(Page(by_id[section.id], section_items))
        unsectioned = tuple(i for i in items if i.section is None)
        if unsectioned:
            pages.insert(0, Page(None, unsectioned))
        return tuple(pages)

    @property
    def validated(self) -> bool:
        return bool(self.provenance.get("validated", False))

    def translation_validated(self, language: str) -> bool:
        if language == self.languages[0]:
            return True
        return self.translations.get(language, {}).get("status") == "validated"

    def instructions_for(self, audience: str, language: str) -> str | None:
        texts = self.instructions.get(audience)
        return texts[language] if texts else None
