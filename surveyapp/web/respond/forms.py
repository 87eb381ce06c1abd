"""The check of one page of a survey's answers, from the instrument's items.

Every answer is parsed by ``instruments.answers.parse_answer`` — the same rule
saving and import use — so a value the page would refuse can never be
stored by another route.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app, g
from flask_babel import gettext, lazy_gettext
from flask_wtf.csrf import validate_csrf
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from ...instruments.answers import AnswerError, StoredValue, parse_answer
from ...instruments.flow import SurveyPage, item_key
from ...instruments.model import Item

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


class PageCheck:
    """One page's submitted answers, each parsed and checked: what a save stores, and a message per refusal.

    Not a WTForms form: binding a field object per question on every save cost a respondent's page more CPU
    than its SQL, and the page template renders its own inputs. Each answer goes through ``parse_answer``
    exactly as a form field's validator did; the CSRF token is checked as FlaskForm checks it (once per
    request: CSRFProtect's check, when it passed, counts).
    """

    def __init__(self, page: SurveyPage, items: Sequence[Item], audience: str, enforce_required: bool) -> None:
        self.keys = {item_key(page.instrument, item): item for item in items}
        self.audience = audience
        self.enforce_required = enforce_required
        self.errors: dict[str, str] = {}
        self._answers: dict[str, StoredValue | None] = {}

    def validate(self, formdata: MultiDict[str, str]) -> bool:
        """Parse every shown item's answer from ``formdata`` (a request's form); True when all are acceptable."""
        self.errors, self._answers = {}, {}
        csrf_problem = _csrf_problem(formdata)
        if csrf_problem is not None:
            self.errors[CSRF_FIELD] = csrf_problem
        for key, item in self.keys.items():
            parsed = None
            try:
                parsed = parse_answer(item, self.audience, formdata.getlist(key) or None)
            except AnswerError as exc:
                self.errors[key] = error_message(item, exc)
            else:
                if parsed is None and item.required and self.enforce_required:
                    self.errors[key] = str(ERROR_MESSAGES["required"])
            self._answers[key] = parsed
        return not self.errors

    def answers(self) -> dict[str, StoredValue | None]:
        """Each shown item's parsed answer (None: not answered, or refused)."""
        return dict(self._answers)


CSRF_FIELD = "csrf_token"


def _csrf_problem(formdata: MultiDict[str, str]) -> str | None:
    """FlaskForm's check of the form's CSRF token: None when it holds, or when CSRFProtect passed this request."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True) or g.get("csrf_valid", False):
        return None
    try:
        validate_csrf(formdata.get(CSRF_FIELD))
    except ValidationError as exc:
        return str(exc.args[0]) if exc.args else "The CSRF token is invalid."
    return None


def page_check(page: SurveyPage, items: Sequence[Item], audience: str, enforce_required: bool) -> PageCheck:
    """The check of ``page``'s shown ``items`` for this audience (required items only when moving on)."""
    return PageCheck(page, items, audience, enforce_required)


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
