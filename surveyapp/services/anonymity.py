"""What an anonymous survey keeps, so that a database reader holding the invitation list cannot link a
response to its invitation better than chance (docs/security.md).

* times: the day only (:func:`day_of`), and the completion time in whole minutes;
* response keys: random (:func:`random_response_pk`), never in start or submission order;
* the used link: a keyed hash of its token in ``spent_link`` (:func:`spent_digest`), the invitation untouched;
* the response in progress: found again by a keyed hash of its link's token (:func:`resume_digest`), never by the
  plain hash the invitation keeps, so neither the live row nor its leftovers in the SQLite file and its write-ahead
  log (freed index cells, old page images) pair the response's key with an invitation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

__all__ = ["completion_minutes", "day_of", "random_response_pk", "resume_digest", "spent_digest"]

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
    purpose = b"spent-link:" if round_id is None else f"spent-link:round-{round_id}:".encode()
    return _keyed(purpose, token, secret)


def resume_digest(token: str, secret: str | bytes) -> str:
    """The keyed hash that finds a response in progress from its link (``response.resume_hash``)."""
    return _keyed(b"resume-link:", token, secret)


def _keyed(purpose: bytes, token: str, secret: str | bytes) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, purpose + token.encode("utf-8"), hashlib.sha256).hexdigest()
