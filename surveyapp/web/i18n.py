"""Language selection and helpers for texts that come in several languages."""

from __future__ import annotations

from collections.abc import Mapping

from flask import g, has_request_context, request, session
from flask_babel import get_locale, lazy_gettext

from ..db.users import STAFF_LANGUAGES

RTL_LANGUAGES = frozenset({"he", "ar", "fa", "ur", "yi"})
UI_LANGUAGES = STAFF_LANGUAGES
#: where a staff member's choice is kept before sign-in (after it, on the account: User.language)
SESSION_KEY = "staff_lang"
LANGUAGE_NAMES = {"en": "English", "he": "עברית", "ar": "العربية"}

ROLE_NAMES = {
    "admin": lazy_gettext("administrator"),
    "manager": lazy_gettext("manager"),
    "researcher": lazy_gettext("researcher"),
}

STATUS_NAMES = {
    "draft": lazy_gettext("draft"),
    "open": lazy_gettext("open"),
    "closed": lazy_gettext("closed"),
}

AUDIENCE_LABELS = {
    "peer": lazy_gettext("Peer specialists"),
    "staff": lazy_gettext("Staff"),
    "service_user": lazy_gettext("Service users"),
}


def select_locale() -> str:
    """The respondent's language when a view set one; else the signed-in staff member's choice, or the one made
    on this browser before signing in; else the browser's preference. English outside a request (the CLI)."""
    chosen = getattr(g, "lang", None)
    if chosen:
        return chosen
    if not has_request_context():
        return "en"
    if "_user_id" in session:  # a respondent's request never loads an account
        from flask_login import current_user

        language = getattr(current_user, "language", None)
        if language in UI_LANGUAGES:
            return language
    if session.get(SESSION_KEY) in UI_LANGUAGES:
        return session[SESSION_KEY]
    return request.accept_languages.best_match(UI_LANGUAGES) or "en"


def reader_language() -> str:
    """The language of the page being drawn (select_locale's choice): what computed results are phrased in."""
    return str(get_locale() or "en")


def page_language() -> dict[str, object]:
    """``ui_lang`` and ``ui_dir`` for <html lang dir> of every page whose view does not set its own, the names of
    languages and roles, and ``ui_text``: a survey's text (its title) in the reader's language when it has one."""
    language = str(get_locale() or "en")
    return {
        "ui_text": lambda text: localized(text, language),
        "ui_lang": language,
        "ui_dir": "rtl" if language in RTL_LANGUAGES else "ltr",
        "language_names": LANGUAGE_NAMES,
        "role_names": ROLE_NAMES,
        "status_names": STATUS_NAMES,
    }


def localized(text: Mapping[str, str] | None, language: str) -> str:
    """A text in ``language``, falling back to the first language given."""
    if not text:
        return ""
    return text.get(language) or next(iter(text.values()))


def audience_label(key: str, survey_labels: Mapping[str, Mapping[str, str]] | None = None, language: str = "en") -> str:
    if survey_labels and key in survey_labels:
        return localized(survey_labels[key], language)
    return str(AUDIENCE_LABELS.get(key, key.replace("_", " ").capitalize()))
