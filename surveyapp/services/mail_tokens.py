"""A recipient's link token, sealed so that only the application (holding its secret) can read it back.

Reminders need each address's own link again, and deciding "not submitted yet"
needs the token (its keyed mark in ``spent_link``). Storing the token, or its
plain SHA-256 (which is the invitation's ``token_hash``), beside the address
would let a database reader pair addresses with invitations. Sealed with
AES-GCM under a key derived (HKDF-SHA256) from the application's secret, with a
random nonce, the stored bytes pair with nothing.
"""

from __future__ import annotations

import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["open_token", "seal_token"]

NONCE_BYTES = 12
PURPOSE = b"peerscope-mail-recipient-token"


@lru_cache(maxsize=4)
def _key(secret: str | bytes) -> bytes:
    material = secret.encode("utf-8") if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(material)


def seal_token(token: str, secret: str | bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_key(secret)).encrypt(nonce, token.encode("ascii"), PURPOSE)


def open_token(sealed: bytes, secret: str | bytes) -> str | None:
    """The token, or None when the secret has changed since it was sealed (its link can no longer be mailed)."""
    try:
        return AESGCM(_key(secret)).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], PURPOSE).decode("ascii")
    except (InvalidTag, ValueError):
        return None
