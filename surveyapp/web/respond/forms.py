"""WTForms for one page of a survey, generated from the instrument's items.

Field kinds are a registry (item type -> builder), not an if-chain. Every
field validates through ``instruments.answers.parse_answer`` — the same rule
saving and import use — so a value the page would refuse can never be
stored by another route.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import Field, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import StopValidation

from ...instruments.answers import AnswerError, StoredValue, parse_answer
from ...instruments.flow import SurveyPage, item_key
from ...instruments.model import Instrument, Item

ERROR_MESSAGES: Mapping[str, Any] = {
    "required": lazy_gettext("Please answer this question."),
    "not_a_number": lazy_gettext("Please enter a number, for example 3."),
    "not_whole": lazy_gettext("Please enter a whole number."),
    "not_an_option": lazy_gettext("That answer is not one of the options. Please choose again."),
    "skip_not_allowed": lazy_gettext("This question cannot be skipped."),
    "nul_character": lazy_gettext(
        "This answer contains a hidden character (usually from pasted text) that cannot be saved. Please type the answer again."
    ),
}


def error_message(item: Item, error: AnswerError) -> str:
    if error.code == "out_of_range":
        return gettext("Please enter a number from %(min)s to %(max)s.", min=f"{item.min:g}", max=f"{item.max:g}")
    if error.code == "too_long":
        return gettext("Please shorten this answer to %(n)s characters or fewer.", n=item.max_length)
    return str(ERROR_MESSAGES.get(error.code, error))


class AnswerCheck:
    """Validator: parse the raw answer, keep the parsed value on the field."""

    def __init__(self, item: Item, audience: str) -> None:
        self.item = item
        self.audience = audience

    def __call__(self, form: PageForm, field: Field) -> None:
        field.parsed = None
        try:
            field.parsed = parse_answer(self.item, self.audience, field.raw_data or None)
        except AnswerError as exc:
            raise StopValidation(error_message(self.item, exc)) from None
        if field.parsed is None and self.item.required and form.enforce_required:
            raise StopValidation(str(ERROR_MESSAGES["required"]))


class RawMultiField(SelectMultipleField):
    """Keeps the raw strings; AnswerCheck decides what is valid."""

    def pre_validate(self, form: Any) -> None:
        pass

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = list(valuelist)


class RawChoiceField(StringField):
    """A radio group's value: kept as given, so a tampered code reaches AnswerCheck and is refused there."""


Builder = Callable[[Item, str], Field]

FIELD_BUILDERS: Mapping[str, Builder] = {
    "likert": lambda item, audience: RawChoiceField(validators=[AnswerCheck(item, audience)]),
    "single": lambda item, audience: RawChoiceField(validators=[AnswerCheck(item, audience)]),
    "multi": lambda item, audience: RawMultiField(validators=[AnswerCheck(item, audience)]),
    "number": lambda item, audience: StringField(validators=[AnswerCheck(item, audience)]),
    "text": lambda item, audience: StringField(validators=[AnswerCheck(item, audience)]),
    "longtext": lambda item, audience: TextAreaField(validators=[AnswerCheck(item, audience)]),
}


class PageForm(FlaskForm):
    enforce_required = True

    def answers(self) -> dict[str, StoredValue | None]:
        return {name: getattr(field, "parsed", None) for name, field in self._fields.items() if name != "csrf_token"}


def page_form(page: SurveyPage, items: Sequence[Item], audience: str, enforce_required: bool) -> PageForm:
    """A form with one field per shown item, named by its answer key."""
    return _form_class(page.instrument, tuple(items), audience, enforce_required)()


_FORM_CLASSES: dict[tuple[int, tuple[int, ...], str, bool], tuple[Instrument, tuple[Item, ...], type[PageForm]]] = {}
_FORM_CLASSES_MAX = 512


def _form_class(instrument: Instrument, items: tuple[Item, ...], audience: str, enforce_required: bool) -> type[PageForm]:
    """The form class for these items, built once per process.

    Building it (and WTForms' first look at its fields) cost a respondent's
    page save more than its SQL. Instruments are immutable and cached by
    content hash (services.surveys), so the key is their identity and that of
    the shown items; the entry keeps them alive, so an id is never reused
    while its class is cached. Only the class is shared: every request gets a
    new form, with its own data and CSRF check.
    """
    key = (id(instrument), tuple(id(item) for item in items), audience, enforce_required)
    cached = _FORM_CLASSES.get(key)
    if cached is not None:
        return cached[2]
    fields = {item_key(instrument, item): FIELD_BUILDERS[item.type](item, audience) for item in items}
    form_class = type("SurveyPageForm", (PageForm,), {**fields, "enforce_required": enforce_required})
    if len(_FORM_CLASSES) >= _FORM_CLASSES_MAX:
        _FORM_CLASSES.clear()
    _FORM_CLASSES[key] = (instrument, items, form_class)
    return form_class


def raw_values(stored: Mapping[str, StoredValue]) -> dict[str, list[str]]:
    """Stored answers as the strings a form would have sent, for rendering."""
    out: dict[str, list[str]] = {}
    for key, value in stored.items():
        if value.skipped:
            out[key] = ["", "-9"]  # as a form sends it: no typed text, then the ticked box
        elif isinstance(value.value, list):
            out[key] = [str(v) for v in value.value]
        elif value.value is not None:
            out[key] = [f"{value.value:g}" if isinstance(value.value, float) else str(value.value)]
    return out
