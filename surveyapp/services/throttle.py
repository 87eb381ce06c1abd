"""How many password checks a sign-in may have, and how long to wait after failures.

Three counters, each with growing waits and never a lock-out:

* the account and the address together (``pair``): someone guessing one account from one place;
* the address (``address``): someone trying many accounts from one place (spraying);
* the account from anywhere (``account``): guesses spread over many addresses. Its longest
  wait is short (a minute), so a stranger can at most slow the owner down, never lock them out.

A check is counted *before* the password is verified (a slot reserved with one conditional
UPDATE per counter, all in one transaction), so requests racing on one account from any number
of hosts get no more checks than the rules allow. A correct password clears the account's
counters; on the address it only takes back its own slot, so a sprayer cannot reset their
address by signing in to an account of their own.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from ..db import db
from ..db import throttle as counters

#: counts stop mattering after a day without a failed check
FORGET_AFTER = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Rule:
    scope: str
    free: int  # failed checks with no wait before the next one
    cap: dt.timedelta  # the longest wait

    def wait_after(self, failures: int) -> dt.timedelta:
        """The wait after ``failures`` failed checks: none, then 2, 4, 8... seconds, capped."""
        if failures < self.free:
            return dt.timedelta(0)
        return min(dt.timedelta(seconds=2 ** (failures - self.free + 1)), self.cap)

    def schedule(self) -> list[dt.timedelta]:
        """Waits after 1, 2, ... failures up to the first capped one."""
        waits = []
        while not waits or waits[-1] < self.cap:
            waits.append(self.wait_after(len(waits) + 1))
        return waits[:-1]


PAIR = Rule("pair", free=5, cap=dt.timedelta(minutes=15))
ADDRESS = Rule("address", free=20, cap=dt.timedelta(minutes=15))
ACCOUNT = Rule("account", free=10, cap=dt.timedelta(minutes=1))


@dataclass(frozen=True)
class Refusal:
    scope: str  # which counter refused: "pair", "address" or "account"
    seconds: int  # how long until a check is allowed again


def _keys(email: str, address: str) -> list[tuple[Rule, str]]:
    # sorted by key so that concurrent transactions lock rows in the same order (no deadlocks)
    keys = [(PAIR, f"pair:{email}|{address}"), (ADDRESS, f"address:{address}"), (ACCOUNT, f"account:{email}")]
    return sorted(keys, key=lambda rule_key: rule_key[1])


def reserve(email: str, address: str, now: dt.datetime) -> Refusal | None:
    """Count one password check for ``email`` from ``address`` and commit it, or say why not and how long to wait."""
    for rule, key in _keys(email, address):
        if not counters.reserve_check(key, now, now - FORGET_AFTER, rule.schedule(), rule.cap):
            db.session.rollback()  # the counters reserved before this one are given back
            until = counters.allowed_at(key)
            db.session.rollback()
            if until is not None and until.tzinfo is None:
                until = until.replace(tzinfo=dt.UTC)  # SQLite keeps UTC without a zone
            seconds = math.ceil((until - now).total_seconds()) if until is not None else 1
            return Refusal(rule.scope, max(seconds, 1))
    db.session.commit()
    return None


def succeeded(email: str, address: str, now: dt.datetime) -> None:
    """A correct password: clear the account's counters, give back this check on the address (caller commits)."""
    for rule, key in _keys(email, address):
        if rule is ADDRESS:
            counters.uncount_one(key)
        else:
            counters.forget(key)
    counters.forget_older_than(now - FORGET_AFTER)
