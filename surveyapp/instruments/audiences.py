"""The default audiences and their names (English; the web layer translates them)."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_AUDIENCE_LABELS: Mapping[str, str] = {
    "peer": "Peer specialists",
    "staff": "Staff",
    "service_user": "Service users",
}
#: the default audiences' names in the languages Peerscope ships (as the staff pages' translations name them)
DEFAULT_AUDIENCE_NAMES: Mapping[str, Mapping[str, str]] = {
    "peer": {"en": "Peer specialists", "he": "עמיתים מומחים", "ar": "أخصائيو الدعم من الأقران"},
    "staff": {"en": "Staff", "he": "צוות", "ar": "الطاقم"},
    "service_user": {"en": "Service users", "he": "מקבלי שירות", "ar": "متلقّو الخدمة"},
}
#: the audience whose view of itself the other audiences' views are compared with
SELF_AUDIENCE = "peer"


def audience_name(key: str, survey_labels: Mapping[str, Mapping[str, str]] | None = None, language: str = "en") -> str:
    if survey_labels and key in survey_labels:
        texts = survey_labels[key]
        return texts.get(language) or next(iter(texts.values()))
    named = DEFAULT_AUDIENCE_NAMES.get(key, {}).get(language)
    return named or DEFAULT_AUDIENCE_LABELS.get(key, key.replace("_", " ").capitalize())


def in_sentence(name: str) -> str:
    """A group's name as it reads inside a sentence: "Peer specialists" -> "peer specialists"; a name that starts
    with an acronym or a proper name ("ICU staff", "Wave 2" is the caller's) keeps its capital."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name
