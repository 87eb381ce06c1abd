"""Reading stored answers back in tests, by item key rather than by the numbers the answer table holds."""

from __future__ import annotations

from sqlalchemy import Row, select

from surveyapp.db import Answer, ItemKey, db


def stored_answers(key: str | None = None) -> list[Row]:
    """Every stored answer (or those to ``key``) as rows of key, value_num, value_text, skipped."""
    query = select(ItemKey.key, Answer.value_num, Answer.value_text, Answer.skipped).join(
        ItemKey, ItemKey.id == Answer.item_key_id
    )
    if key is not None:
        query = query.where(ItemKey.key == key)
    return list(db.session.execute(query).all())
