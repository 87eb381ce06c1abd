"""The default audiences and their names (English; the web layer translates them)."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_AUDIENCE_LABELS: Mapping[str, str] = {
    "peer": "Peer specialists",
    "staff": "Staff",
    "service_user": "Service users",
}
#: the audience whose view of itself the other audiences' views are compared with
SELF_AUDIENCE = "peer"


def audience_name(key: str, survey_labels: Mapping[str, Mapping[str, str]] | None = None, language: str = "en") -> str:
    if survey_labels and key in survey_labels:
        texts = survey_labels[key]
        return texts.get(language) or next(iter(texts.values()))
    return DEFAULT_AUDIENCE_LABELS.get(key, key.replace("_", " ").capitalize())
