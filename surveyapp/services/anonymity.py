"""What an anonymous survey keeps, so that a database reader holding the invitation list cannot link a
response to its invitation better than chance (docs/security-anonymity.md).

* times: the day only (:func:`day_of`), and the completion time in whole minutes;
* response keys: random (:func:`random_response_pk`), never in start or submission order;
* the used link: a keyed hash of its token in ``spent_link`` (:func:`spent_digest`), the invitation untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

__all__ = ["completion_minutes", "day_of", "random_response_pk", "spent_digest"]

#: anonymous responses take keys in [-2**31 + 1, -1]: a 4-byte integer on PostgreSQL, random, and apart from the
#: positive keys the table's sequence (and SQLite's largest-plus-one, used by the importer) hands out
RANDOM_PK_RANGE = 2**31 - 1


def day_of(moment: dt.datetime) -> dt.datetime:
    """Midnight UTC of ``moment``'s day: all an anonymous survey keeps of a time."""
    moment = moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def completion_minutes(started: dt.datetime, submitted: dt.datetime) -> int:
    """Whole minutes from start to submission (SQLite hands back times without their zone: both are UTC)."""
    if (started.tzinfo is None) != (submitted.tzinfo is None):
        started, submitted = started.replace(tzinfo=None), submitted.astimezone(dt.UTC).replace(tzinfo=None)
    return max(0, int((submitted - started).total_seconds() // 60))


def random_response_pk() -> int:
    return -1 - secrets.randbelow(RANDOM_PK_RANGE)


def spent_digest(token: str, secret: str | bytes, round_id: int | None = None) -> str:
    """The keyed hash that marks an anonymous link as used (HMAC-SHA256 with the application's secret).

    Later rounds of a Delphi share their links with round 1, so their marks also
    name the round (``round_id``: the round's survey id): a link used in round 1
    is not "already sent" in round 2. Round 1 keeps the mark it always had.
    """
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    message = b"spent-link:" + token.encode("utf-8")
    if round_id is not None:
        message = f"spent-link:round-{round_id}:".encode() + token.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
