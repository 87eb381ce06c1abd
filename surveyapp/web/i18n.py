"""Language selection and helpers for texts that come in several languages."""

from __future__ import annotations

from collections.abc import Mapping

from flask import g, request
from flask_babel import lazy_gettext

RTL_LANGUAGES = frozenset({"he", "ar", "fa", "ur", "yi"})
UI_LANGUAGES = ("en", "he", "ar")
LANGUAGE_NAMES = {"en": "English", "he": "עברית", "ar": "العربية"}

AUDIENCE_LABELS = {
    "peer": lazy_gettext("Peer specialists"),
    "staff": lazy_gettext("Staff"),
    "service_user": lazy_gettext("Service users"),
}


def select_locale() -> str:
    """The respondent's language when a view set one, else the browser's preference."""
    chosen = getattr(g, "lang", None)
    if chosen:
        return chosen
    return request.accept_languages.best_match(UI_LANGUAGES) or "en"


def localized(text: Mapping[str, str] | None, language: str) -> str:
    """A text in ``language``, falling back to the first language given."""
    if not text:
        return ""
    return text.get(language) or next(iter(text.values()))


def audience_label(key: str, survey_labels: Mapping[str, Mapping[str, str]] | None = None, language: str = "en") -> str:
    if survey_labels and key in survey_labels:
        return localized(survey_labels[key], language)
    return str(AUDIENCE_LABELS.get(key, key.replace("_", " ").capitalize()))
