"""Free-text answers for the dashboard: each audience's comments, only where enough people wrote one.

Words identify people more easily than numbers, so comments have their own,
higher floor (design notes: 10, or the survey's minimum cell size if higher):
an audience with fewer comments on a question shows none of them, and says
why. Comments are listed in alphabetical order, never in the order they were
sent, which could be matched to who answered when; identical wordings are
listed once with their count.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from ..db import Answer, Audience, ItemKey, Response, Survey, db
from ..instruments.audiences import audience_name
from ..instruments.flow import item_key
from ..instruments.model import text_in
from .surveys import survey_instruments

#: the fewest comments an audience must have given on a question for any of them to be shown
COMMENT_MIN_CELL = 10


def survey_comments(survey: Survey, among: str | None = None, language: str | None = None) -> list[dict[str, Any]]:
    """Per free-text question: each audience's comments (or why they are not shown)."""
    floor = max(COMMENT_MIN_CELL, survey.min_cell_size)
    language = language or survey.languages[0]
    labels = survey.texts.get("audience_labels") or {}
    questions = [
        (instrument, item)
        for instrument in survey_instruments(survey)
        for item in instrument.items
        if item.type in ("text", "longtext") and (among is None or item.asked_of(among))
    ]
    if not questions:
        return []
    said: dict[tuple[str, str], list[str]] = {}
    rows = db.session.execute(
        select(ItemKey.key, Audience.key, Answer.value_text)
        .join(Answer, Answer.item_key_id == ItemKey.id)
        .join(Response, Response.pk == Answer.response_pk)
        .join(Audience, Audience.id == Response.audience_id)
        .where(
            Response.survey_id == survey.id,
            Response.status == "submitted",
            Response.published.is_(True),  # managers see published responses only (services.publication)
            ItemKey.key.in_([item_key(i, item) for i, item in questions]),
            Answer.value_text.is_not(None),
        )
    )
    for key, audience, text in rows:
        if text and text.strip():
            said.setdefault((key, audience), []).append(text.strip())
    blocks = []
    for instrument, item in questions:
        key = item_key(instrument, item)
        groups = []
        for audience in item.audiences:
            if among is not None and audience != among:
                continue
            comments = said.get((key, audience), [])
            shown = len(comments) >= floor
            groups.append(
                {
                    "key": audience,
                    "label": audience_name(audience, labels, language),
                    "n": len(comments) if shown else None,
                    "comments": _listed(comments) if shown else None,
                    "hidden": not shown,
                }
            )
        blocks.append(
            {
                "key": key,
                "instrument": text_in(instrument.short_title, language),
                "text": text_in(item.text[item.audiences[0]], language),
                "groups": groups,
                "floor": floor,
            }
        )
    return blocks


def _listed(comments: list[str]) -> list[dict[str, Any]]:
    """Alphabetical, each wording once with how many wrote it ("No", "Nothing to add" are common)."""
    counted = Counter(comments)
    return [{"text": text, "count": counted[text]} for text in sorted(counted, key=str.casefold)]
