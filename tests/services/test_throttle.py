"""The sign-in throttle: waits that grow, a cap, and counting in the database."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from surveyapp.services import throttle
from surveyapp.services.throttle import ACCOUNT, ADDRESS, PAIR, reserve, succeeded

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def test_waits_grow_from_two_seconds_and_stop_at_the_cap() -> None:
    assert [PAIR.wait_after(n).total_seconds() for n in range(1, 16)] == [
        0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900,
    ]  # fmt: skip
    assert ADDRESS.wait_after(19).total_seconds() == 0
    assert ADDRESS.wait_after(20).total_seconds() == 2
    assert ACCOUNT.wait_after(14).total_seconds() == 32
    assert ACCOUNT.wait_after(15).total_seconds() == 60  # a stranger can slow the owner by a minute at most
    assert PAIR.schedule() == [PAIR.wait_after(n) for n in range(1, 14)]


def test_checks_are_counted_until_the_wait_and_a_correct_password_clears_the_account(app: Flask) -> None:
    for _ in range(5):
        assert reserve("lee@example.org", "10.0.0.1", NOW) is None
    refusal = reserve("lee@example.org", "10.0.0.1", NOW)
    assert refusal == throttle.Refusal("pair", 2)
    assert reserve("lee@example.org", "10.0.0.1", NOW + dt.timedelta(seconds=2)) is None
    assert reserve("lee@example.org", "10.0.0.1", NOW + dt.timedelta(seconds=3)) == throttle.Refusal("pair", 3)
    # the same account from elsewhere is still free, and its correct password clears the account's counts
    assert reserve("lee@example.org", "10.0.0.2", NOW) is None
    succeeded("lee@example.org", "10.0.0.2", NOW)
    from surveyapp.db import db

    db.session.commit()
    assert reserve("lee@example.org", "10.0.0.2", NOW) is None


def test_counts_are_forgotten_after_a_day(app: Flask) -> None:
    from surveyapp.db import SignInThrottle, db

    for _ in range(6):
        reserve("kim@example.org", "10.0.0.3", NOW)
    later = NOW + throttle.FORGET_AFTER + dt.timedelta(seconds=1)
    for _ in range(5):
        assert reserve("kim@example.org", "10.0.0.3", later) is None
    reserve("old@example.org", "10.0.0.4", NOW)
    succeeded("kim@example.org", "10.0.0.3", later)  # a sign-in sweeps away counters a day old
    db.session.commit()
    assert db.session.query(SignInThrottle.key).filter(SignInThrottle.key.like("%old@%")).count() == 0
