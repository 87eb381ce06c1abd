"""The writes of a respondent's page save: the request every respondent makes on every page.

A save moves the respondent on, only while the response is in progress, and
replaces the page's answers: answered keys are stored, keys left empty or
hidden by show_if are removed.

* PostgreSQL: the move, then one statement (a data-modifying ``WITH``) for
  the answers: the removal of the cleared keys and an upsert of the answered
  ones, sent as one JSON text (psycopg would adapt a list element by element
  in Python). Its text never changes, so psycopg prepares it on the server
  after a few uses; an answer that is already stored is updated in place,
  which skips the foreign-key checks a new row costs, and an unchanged one
  is not rewritten. Two round trips and two executions, where the statements
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

#: after the move: the cleared keys removed and the answers upserted, in one statement (the DELETE and the
#: INSERT never share a key: a statement may change a row only once). Not inside the move's statement: a
#: statement sees the rows committed when it began, so a DELETE there could miss an answer that another tab's
#: save of the same page committed while this save waited for the response's row. Begun after the move, this
#: statement sees every answer committed before it, and no other save of the response commits until this one.
_POSTGRESQL_ANSWERS = """
WITH forgotten AS (
    DELETE FROM answer WHERE response_pk = :pk AND item_key_id = ANY(CAST(:cleared AS INTEGER[]))
)
INSERT INTO answer (response_pk, item_key_id, value_num, value_text, skipped)
SELECT :pk, given.k, given.n, given.t, given.s
FROM json_to_recordset(CAST(:answers AS JSON)) AS given (k INTEGER, n DOUBLE PRECISION, t TEXT, s BOOLEAN)
ON CONFLICT (response_pk, item_key_id) DO UPDATE
SET value_num = excluded.value_num, value_text = excluded.value_text, skipped = excluded.skipped
WHERE (answer.value_num, answer.value_text, answer.skipped)
      IS DISTINCT FROM (excluded.value_num, excluded.value_text, excluded.skipped)
"""


@dataclass(frozen=True)
class _PageStatements:
    answers: Select[tuple[str, float | None, str | None, bool]]
    move: Update
    forget: Delete
    store: Insert
    answers_postgresql: TextClause


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
        answers_postgresql=text(_POSTGRESQL_ANSWERS),
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
    # the first write, only while in progress: the response's row (PostgreSQL) or the database (SQLite) is then
    # locked until the commit, so a racing submit or save waits for this one or has made it change nothing
    done = db.session.execute(statements.move, {"b_pk": response_pk, "b_page": next_page, "b_furthest": furthest, "b_now": now})
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if db.session.get_bind().dialect.name == "postgresql":
        answered = {row[0] for row in rows}
        db.session.execute(
            statements.answers_postgresql,
            {
                "pk": response_pk,
                # one text each, not lists: psycopg adapts a list element by element in Python
                "cleared": "{" + ",".join(str(key) for key in page_keys if key not in answered) + "}",
                "answers": json.dumps(
                    [{"k": k, "n": n, "t": t, "s": s} for k, n, t, s in rows], ensure_ascii=False, allow_nan=False
                ),
            },
        )
        return True
    db.session.execute(statements.forget, {"b_pk": response_pk, "b_keys": list(page_keys)})
    if rows:
        values: list[dict[str, Any]] = [
            {"response_pk": response_pk, "item_key_id": key, "value_num": num, "value_text": words, "skipped": skipped}
            for key, num, words, skipped in rows
        ]
        db.session.execute(statements.store, values)
    return True
