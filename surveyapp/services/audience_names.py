"""Audience names for pages drawn per request, in the reader's language.

A survey's own labels (``audience_labels`` in its spec) are used in ``language``; the default audiences' English
names (instruments.audiences) go through gettext, so a Hebrew or Arabic reader sees them in their language. Not for
results that are cached and shared between readers (services.dashboard), which would keep the first reader's.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext

from ..instruments.audiences import DEFAULT_AUDIENCE_LABELS
from ..instruments.audiences import audience_name as survey_audience_name

__all__ = ["audience_name"]


def audience_name(key: str, survey_labels: Mapping[str, Mapping[str, str]] | None = None, language: str = "en") -> str:
    if (survey_labels and key in survey_labels) or key not in DEFAULT_AUDIENCE_LABELS:
        return survey_audience_name(key, survey_labels, language)
    return gettext(DEFAULT_AUDIENCE_LABELS[key])
