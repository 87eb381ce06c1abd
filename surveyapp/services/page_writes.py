"""The writes of a respondent's page save: the request every respondent makes on every page.

A save moves the respondent on, only while the response is in progress, and
replaces the page's answers: answered keys are stored, keys left empty or
hidden by show_if are removed.

* PostgreSQL: one statement does it all (a data-modifying ``WITH``): the
  move, the removal of the cleared keys and an upsert of the answered ones,
  sent as one JSON text (psycopg would adapt a list element by element in
  Python). Its text never changes, so psycopg prepares it on the server
  after a few uses; an answer that is already stored is updated in place,
  which skips the foreign-key checks a new row costs, and an unchanged one
  is not rewritten. One round trip and one execution, where the statements
  below took three round trips and 32 executions (the INSERT once per row).
* SQLite: the move, a ``DELETE`` of the page's keys and an ``INSERT`` of the
  answers, three statements in the process (no round trips to save).

Either way the move comes first and the rest depends on it: a save racing the
submit either lands before it (and is in the submitted vector) or changes
nothing (the row is locked by the move until the commit on PostgreSQL, the
whole database on SQLite).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Delete, Insert, Select, TextClause, Update, bindparam, delete, insert, select, text, update

from ..db import Answer, ItemKey, Response, db

__all__ = ["AnswerRow", "page_statements", "write_page"]

#: the move, the cleared keys removed and the answers upserted, in one statement: the DELETE and the INSERT only
#: touch rows of a response the UPDATE found in progress (``moved``); they never share a key, since a statement
#: may change a row only once. The count of ``moved`` says whether anything was saved.
_POSTGRESQL_SAVE = """
WITH moved AS (
    UPDATE response SET current_page = :page, furthest_page = :furthest, updated_at = :now
    WHERE pk = :pk AND status = 'in_progress'
    RETURNING pk
), forgotten AS (
    DELETE FROM answer USING moved
    WHERE answer.response_pk = moved.pk AND answer.item_key_id = ANY(CAST(:cleared AS INTEGER[]))
), stored AS (
    INSERT INTO answer (response_pk, item_key_id, value_num, value_text, skipped)
    SELECT moved.pk, given.k, given.n, given.t, given.s
    FROM moved, json_to_recordset(CAST(:answers AS JSON)) AS given (k INTEGER, n DOUBLE PRECISION, t TEXT, s BOOLEAN)
    ON CONFLICT (response_pk, item_key_id) DO UPDATE
    SET value_num = excluded.value_num, value_text = excluded.value_text, skipped = excluded.skipped
    WHERE (answer.value_num, answer.value_text, answer.skipped)
          IS DISTINCT FROM (excluded.value_num, excluded.value_text, excluded.skipped)
)
SELECT count(*) FROM moved
"""


@dataclass(frozen=True)
class _PageStatements:
    answers: Select[tuple[str, float | None, str | None, bool]]
    move: Update
    forget: Delete
    store: Insert
    save_postgresql: TextClause


@functools.cache
def page_statements() -> _PageStatements:
    """The statements of a page, on the tables (not the ORM classes) and built once per process.

    Every respondent makes this request on every page: building a statement, and the ORM's bulk-write path
    for it, cost more CPU than the database's work. The ORM objects in the session are expired after the
    save, so nothing reads a stale value.
    """
    answer, key, response = Answer.__table__, ItemKey.__table__, Response.__table__
    return _PageStatements(
        answers=select(key.c.key, answer.c.value_num, answer.c.value_text, answer.c.skipped)
        .join(key, key.c.id == answer.c.item_key_id)
        .where(answer.c.response_pk == bindparam("b_pk")),
        # only while in progress: a save racing the submit changes nothing once the submit has committed
        move=update(response)
        .where(response.c.pk == bindparam("b_pk"), response.c.status == "in_progress")
        .values(current_page=bindparam("b_page"), furthest_page=bindparam("b_furthest"), updated_at=bindparam("b_now")),
        forget=delete(answer).where(
            answer.c.response_pk == bindparam("b_pk"), answer.c.item_key_id.in_(bindparam("b_keys", expanding=True))
        ),
        store=insert(answer),
        save_postgresql=text(_POSTGRESQL_SAVE),
    )


#: an answer to store: (item key number, number, text, skipped)
AnswerRow = tuple[int, float | None, str | None, bool]


def write_page(
    response_pk: int, page_keys: Sequence[int], rows: Sequence[AnswerRow], next_page: int, furthest: int, now: dt.datetime
) -> bool:
    """Move the response to ``next_page`` and make ``rows`` the page's answers; False if it is no longer in progress.

    ``page_keys``: the numbers of every key on the page; those without a row lose their stored answer.
    Does not commit; on False nothing was written.
    """
    statements = page_statements()
    if db.session.get_bind().dialect.name == "postgresql":
        answered = {row[0] for row in rows}
        moved = db.session.execute(
            statements.save_postgresql,
            {
                "pk": response_pk,
                "page": next_page,
                "furthest": furthest,
                "now": now,
                # one text each, not lists: psycopg adapts a list element by element in Python
                "cleared": "{" + ",".join(str(key) for key in page_keys if key not in answered) + "}",
                "answers": json.dumps([{"k": k, "n": n, "t": t, "s": s} for k, n, t, s in rows], ensure_ascii=False),
            },
        ).scalar_one()
        return bool(moved)
    done = db.session.execute(statements.move, {"b_pk": response_pk, "b_page": next_page, "b_furthest": furthest, "b_now": now})
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.session.execute(statements.forget, {"b_pk": response_pk, "b_keys": list(page_keys)})
    if rows:
        values: list[dict[str, Any]] = [
            {"response_pk": response_pk, "item_key_id": key, "value_num": num, "value_text": words, "skipped": skipped}
            for key, num, words, skipped in rows
        ]
        db.session.execute(statements.store, values)
    return True
