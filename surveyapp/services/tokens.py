"""Link tokens: random, at least 128 bits, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """192 random bits, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
