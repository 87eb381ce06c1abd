"""What counts as a valid answer to an item: one rule for web forms, saving and import.

Raw answers arrive as strings (a form field, a CSV cell). :func:`parse_answer`
turns one into a stored value or says, in words a respondent understands, why
it cannot be stored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .model import PREFER_NOT_TO_ANSWER, Item

__all__ = ["SKIP", "AnswerError", "StoredValue", "parse_answer", "to_condition_value"]

#: the raw value a form or file uses for "prefer not to answer"
SKIP = str(PREFER_NOT_TO_ANSWER)
TEXT_TYPES = ("text", "longtext")

NUL_MESSAGE = (
    "This answer contains a hidden NUL character (usually from pasted text), which cannot be saved. Please type the answer again."
)


class AnswerError(ValueError):
    """A raw answer that cannot be stored. ``code`` tells a tampered value from a typing slip."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        # required | not_a_number | out_of_range | not_whole | too_long | not_an_option | skip_not_allowed | nul_character
        self.code = code


@dataclass(frozen=True)
class StoredValue:
    """What goes into an answer row.

    ``multi``: ``text`` holds the chosen codes of a multi-choice item as a
    JSON list. Only the item's type says so (whoever reads answer rows passes
    it): free text is whatever the respondent typed, "[1, 2]" included.
    """

    num: float | None = None
    text: str | None = None
    skipped: bool = False
    multi: bool = False

    @property
    def value(self) -> Any:
        """The value as scoring and show_if see it: a code, a number, a text, a list of codes, or -9 when skipped."""
        if self.skipped:
            return PREFER_NOT_TO_ANSWER
        if self.num is not None:
            return int(self.num) if self.num.is_integer() else self.num
        if self.multi and self.text is not None:
            return json.loads(self.text)
        return self.text


def _number(raw: str) -> float:
    value = float(raw.strip().replace(",", "."))
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def parse_answer(item: Item, audience: str, raw: str | Sequence[str] | None) -> StoredValue | None:
    """Turn a raw answer into a stored value; None when nothing was given.

    Raises :class:`AnswerError` when the answer is not acceptable. Required
    items are not checked here (a page may be saved half-done); see
    :func:`check_required`.

    ``raw`` is a form field's list of values or a file's cell. Text is stored
    exactly as given, less leading and trailing white space (white space alone
    is no answer); in a form's list, "prefer not to answer" is the box after
    the typed text, so typing "-9" stores "-9" (a file's cell "-9" is the
    missing code). A NUL character is refused: every way
    in (web form, CSV import) passes here. Other control characters are
    kept as given: PostgreSQL, SQLite and CSV carry them, and pages escape
    what they show.
    """
    values = [raw] if isinstance(raw, str) or raw is None else list(raw)
    if any(v is not None and "\x00" in v for v in values):
        # PostgreSQL cannot store it and exports would carry it; only pasted or crafted text holds one
        raise AnswerError("nul_character", NUL_MESSAGE)
    typed_text = item.type in TEXT_TYPES and not isinstance(raw, str)
    skip = False
    if typed_text:
        # a form sends the typed text first, then the "prefer not to answer" box if ticked: a typed "-9" is text
        skip = any(v is not None and v.strip() == SKIP for v in values[1:])
        values = [SKIP] if skip else values[:1]
    values = [v.strip() for v in values if v is not None and v.strip() != ""]
    if not values:
        return None
    if SKIP in values and (not typed_text or skip):
        if not item.allow_skip:
            raise AnswerError("skip_not_allowed", "This question cannot be skipped.")
        return StoredValue(skipped=True)
    if item.type in ("likert", "single", "multi"):
        codes = []
        for value in values:
            try:
                code = int(value)
            except ValueError:
                raise AnswerError("not_an_option", "That answer is not one of the options.") from None
            if not item.accepts_code(code, audience):
                raise AnswerError("not_an_option", "That answer is not one of the options.")
            codes.append(code)
        if item.type == "multi":
            return StoredValue(text=json.dumps(sorted(set(codes))), multi=True)
        if len(codes) > 1:
            raise AnswerError("not_an_option", "Choose one answer only.")
        return StoredValue(num=float(codes[0]))
    if len(values) > 1:
        raise AnswerError("not_an_option", "Give one answer only.")
    value = values[0]
    if item.type == "number":
        try:
            number = _number(value)
        except ValueError:
            raise AnswerError("not_a_number", "Please enter a number, for example 3.") from None
        if item.integer and not number.is_integer():
            raise AnswerError("not_whole", "Please enter a whole number.")
        if item.min is not None and item.max is not None and not item.min <= number <= item.max:
            raise AnswerError("out_of_range", f"Please enter a number from {item.min:g} to {item.max:g}.")
        return StoredValue(num=number)
    if item.max_length is not None and len(value) > item.max_length:
        raise AnswerError("too_long", f"Please shorten this answer to {item.max_length} characters or fewer.")
    return StoredValue(text=value)


def to_condition_value(stored: StoredValue | None) -> Any:
    """show_if sees "prefer not to answer" as no answer."""
    if stored is None or stored.skipped:
        return None
    return stored.value
