"""A page save replaces the page's answers, on SQLite and on PostgreSQL (``.ci/with-postgres``).

PostgreSQL saves with one statement (services/page_writes.py: the move, the cleared keys removed, the
answers upserted) where SQLite deletes the page's keys and inserts the answers: these tests hold both to
the same outcome. A save that comes after the submit, from a response read before it, changes nothing.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import insert, select, text, update

from surveyapp.db import Answer, ItemKey, Response, db
from surveyapp.instruments.answers import StoredValue, parse_answer
from surveyapp.instruments.flow import SurveyPage
from surveyapp.services.responding import (
    ResponseSubmittedError,
    answers_of,
    flow_for,
    resolve_link,
    save_page,
    start_response,
)

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
Raw = dict[str, list[str] | None]


@pytest.fixture
def begin(app: Flask, make_survey, invite) -> Callable[[str], Response]:
    """A staff respondent who has consented (staff see page 2's role question and its show_if follow-up)."""

    def start(audience: str = "staff") -> Response:
        make_survey()
        token = invite(audience=audience)
        secret = app.config["SECRET_KEY"]
        return start_response(token, resolve_link(token, NOW, secret), "en", NOW, secret)

    return start


def save(response: Response, number: int, raw: Raw, audience: str = "staff") -> None:
    page = flow_for(response)[number - 1]
    save_page(response, page, values(page, raw, audience), number + 1, NOW)


def values(page: SurveyPage, raw: Raw, audience: str) -> dict[str, StoredValue | None]:
    """What the page's form check hands save_page: every key of the page, None where nothing was given."""
    items = {f"{page.instrument.id}.{item.id}": item for item in page.page.items}
    return {key: parse_answer(item, audience, raw.get(key)) for key, item in items.items()}


def stored(response: Response) -> dict[str, object]:
    return {key: value.value for key, value in answers_of(response).items()}


def test_a_second_save_of_a_page_replaces_changes_and_removes_cleared_answers(begin) -> None:
    response = begin()
    save(response, 1, {"mini.clear": ["4"], "mini.unclear": ["2"], "mini.valued": ["5"]})
    assert stored(response) == {"mini.clear": 4, "mini.unclear": 2, "mini.valued": 5}

    # clear changed, unclear cleared, valued unchanged; then a skip replaces a number and back
    save(response, 1, {"mini.clear": ["3"], "mini.valued": ["5"]})
    assert stored(response) == {"mini.clear": 3, "mini.valued": 5}
    save(response, 1, {"mini.clear": ["-9"], "mini.valued": ["5"]})
    assert answers_of(response)["mini.clear"] == StoredValue(None, None, True, False)
    save(response, 1, {"mini.clear": ["1"], "mini.unclear": ["5"], "mini.valued": ["5"]})
    assert stored(response) == {"mini.clear": 1, "mini.unclear": 5, "mini.valued": 5}
    db.session.refresh(response)
    assert (response.current_page, response.furthest_page) == (2, 2)


def test_an_answer_hidden_by_a_changed_answer_on_the_same_page_is_removed(begin) -> None:
    response = begin()
    save(response, 1, {"mini.valued": ["4"]})
    page2 = {"mini.role": ["2"], "mini.role_other": ["Cook"], "mini.years": ["3"], "mini.tasks": ["1", "3"]}
    save(response, 2, {**page2, "mini.comments": ["first"]})
    assert stored(response) == {
        "mini.valued": 4,
        "mini.role": 2,
        "mini.role_other": "Cook",
        "mini.years": 3,
        "mini.tasks": [1, 3],
        "mini.comments": "first",
    }

    # role 1 hides role_other: its stored answer goes, even though the form sent it again
    save(response, 2, {**page2, "mini.role": ["1"], "mini.tasks": ["2"], "mini.comments": ["second"]})
    assert stored(response) == {
        "mini.valued": 4,
        "mini.role": 1,
        "mini.years": 3,
        "mini.tasks": [2],
        "mini.comments": "second",
    }


def test_a_save_from_a_response_read_before_the_submit_changes_nothing(app: Flask, begin) -> None:
    """The race with the submit, made certain: the save read "in progress", the submit committed since.

    Only the database's check can refuse this save (the object in hand still says "in progress"):
    neither the move nor the answers may change, on either back end.
    """
    response = begin()
    save(response, 1, {"mini.clear": ["4"], "mini.unclear": ["2"], "mini.valued": ["5"]})
    page = flow_for(response)[0]
    before = answers_of(response)
    db.session.commit()
    db.session.refresh(response)
    db.session.expunge(response)  # keeps what was read: status "in_progress"
    db.session.execute(
        update(Response).where(Response.pk == response.pk).values(status="submitted", submitted_at=NOW, resume_hash=None)
    )
    db.session.commit()
    assert response.status == "in_progress"

    late = values(page, {"mini.clear": ["1"], "mini.valued": ["2"]}, "staff")  # unclear cleared, the others changed
    with pytest.raises(ResponseSubmittedError):
        save_page(response, page, late, 3, NOW + dt.timedelta(minutes=5), before)

    stored_now = db.session.execute(select(Response).where(Response.pk == response.pk)).scalar_one()
    assert answers_of(stored_now) == before
    assert (stored_now.status, stored_now.current_page) == ("submitted", 2)
    assert stored_now.updated_at.replace(tzinfo=None) == NOW.replace(tzinfo=None)  # SQLite keeps no time zone


def test_a_page_saved_with_nothing_or_only_text_keeps_the_other_pages(begin) -> None:
    """The arrays PostgreSQL receives may be empty, or hold no number at all: neither may fail nor reach other pages."""
    response = begin()
    save(response, 1, {"mini.clear": ["4"], "mini.valued": ["5"]})
    words = 'only words: "quoted", a back\\slash, {braces}, עברית, عربي, 🙂'
    save(response, 2, {"mini.comments": [words], "mini.role_other": ["hidden: role is not 2"]})
    assert stored(response) == {"mini.clear": 4, "mini.valued": 5, "mini.comments": words}
    save(response, 2, {})
    save(response, 1, {})
    assert stored(response) == {}


def test_a_save_waiting_for_another_tabs_save_still_removes_what_it_cleared(app: Flask, begin) -> None:
    """Two tabs save the same page at once: the one that waited for the other's lock is the last word.

    The other tab answers a question this one cleared, and commits while this save waits for the response's
    row. The removal must see that answer (PostgreSQL: the answers' statement begins after the lock is held;
    a removal inside the locking statement would see the rows as they were when it began, and keep it).
    """
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the waiting save begins after the other's commit")
    response = begin()
    save(response, 1, {"mini.clear": ["4"], "mini.valued": ["5"]})
    pk = response.pk
    unclear = db.session.execute(select(ItemKey.id).where(ItemKey.key == "mini.unclear")).scalar_one()
    db.session.commit()

    other_tab = db.engine.connect()  # holds the response's row, as a save does until its commit
    other_tab.execute(update(Response).where(Response.pk == pk).values(updated_at=NOW))
    other_tab.execute(insert(Answer).values(response_pk=pk, item_key_id=unclear, value_num=2.0, skipped=False))

    failed: list[BaseException] = []

    def this_tab() -> None:
        with app.app_context():
            try:
                mine = db.session.get_one(Response, pk)
                save(mine, 1, {"mini.clear": ["3"], "mini.valued": ["5"]})  # unclear left empty
            except BaseException as exc:  # reported by the test below
                failed.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=this_tab)
    thread.start()
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    for _ in range(3000):  # until this tab's save waits for the row (at most a minute)
        if db.session.execute(text(waiting)).scalar_one():
            break
        db.session.rollback()  # the activity view is read once per transaction
        time.sleep(0.02)
    else:
        other_tab.rollback()
        thread.join()
        pytest.fail("the second save never waited for the first")
    db.session.rollback()
    other_tab.commit()
    other_tab.close()
    thread.join()
    assert not failed, failed
    assert stored(db.session.get_one(Response, pk)) == {"mini.clear": 3, "mini.valued": 5}
