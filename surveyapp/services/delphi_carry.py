"""A respondent's own answers, carried from one Delphi round to the next by their link alone.

At submission of round n the respondent's role ratings and "how often"
answers are sealed (AES-256-GCM) under a key derived from their link's token
and stored under a lookup value derived from it too. In round n+1 the same
link derives both again, finds and opens its answers; nothing else can:

* the invitation stores SHA-256 of the token; the lookup is
  HMAC(secret, HMAC(token, "peerscope-carry-lookup:<round id>")) and the key
  HKDF-SHA256(token, salt = HMAC(secret, "peerscope-carry-salt"),
  info = "peerscope-carry-key:<round id>"), neither computable from the hash;
* both also need the application's secret (never in the database), so a
  manager who holds the links but not the server's secret cannot read them;
* every sealed value of a round has the same size (one pair of codes per task
  of the round, padded to a multiple of 256 bytes) and no time.

The database records no link between a carried value and a response, an
invitation or the next round's response (docs/delphi.md, "Anonymity across
rounds").
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["CarriedTask", "carry_lookup", "open_answers", "seal_answers"]

NONCE_BYTES = 12
PAD_BLOCK = 256
#: a code that is no answer (unanswered, or the task was not asked)
NONE = 0

CarriedTask = tuple[int | None, int | None]  # (role rating 1-4 or 9 "don't know", how often 1-5); None: not answered


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def carry_lookup(token: str, secret: str | bytes, round_id: int) -> str:
    inner = hmac.new(_bytes(token), f"peerscope-carry-lookup:{round_id}".encode(), hashlib.sha256).digest()
    return hmac.new(_bytes(secret), inner, hashlib.sha256).hexdigest()


def _key(token: str, secret: str | bytes, round_id: int) -> bytes:
    salt = hmac.new(_bytes(secret), b"peerscope-carry-salt", hashlib.sha256).digest()
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=f"peerscope-carry-key:{round_id}".encode())
    return hkdf.derive(_bytes(token))


def padded_size(task_count: int) -> int:
    return max(PAD_BLOCK, -(-2 * task_count // PAD_BLOCK) * PAD_BLOCK)


def seal_answers(
    token: str, secret: str | bytes, round_id: int, tasks: Sequence[str], answers: Mapping[str, CarriedTask]
) -> tuple[str, bytes]:
    """(lookup, sealed) for ``answers`` (task key -> codes) over the round's ``tasks`` in order."""
    plain = bytearray(padded_size(len(tasks)))
    for index, task in enumerate(tasks):
        role, often = answers.get(task, (None, None))
        plain[2 * index] = NONE if role is None else int(role)
        plain[2 * index + 1] = NONE if often is None else int(often)
    lookup = carry_lookup(token, secret, round_id)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(token, secret, round_id)).encrypt(nonce, bytes(plain), lookup.encode())
    return lookup, nonce + sealed


def open_answers(
    token: str, secret: str | bytes, round_id: int, tasks: Sequence[str], sealed: bytes
) -> dict[str, CarriedTask] | None:
    """The answers sealed by :func:`seal_answers`, or None when they do not open with this link (tampered, other key)."""
    lookup = carry_lookup(token, secret, round_id)
    try:
        plain = AESGCM(_key(token, secret, round_id)).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], lookup.encode())
    except (InvalidTag, ValueError):
        return None
    out: dict[str, CarriedTask] = {}
    for index, task in enumerate(tasks):
        if 2 * index + 1 >= len(plain):
            break
        role, often = plain[2 * index], plain[2 * index + 1]
        if role or often:
            out[task] = (role or None, often or None)
    return out
