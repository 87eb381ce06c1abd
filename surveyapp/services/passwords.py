"""What a new password must not be, said so the person choosing it knows what to change.

The list of common passwords ships with the project (surveyapp/data/common_passwords.txt,
10,000 passwords from the zxcvbn package's ranked list; its header says how it was made).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext

MIN_LENGTH = 12
MAX_LENGTH = 200  # hashing very long inputs costs the server, and nobody types more
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_WORDS_OF_THIS_APP = ("peerscope",)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str, email: str) -> str | None:
    """Why ``password`` may not be chosen by the owner of ``email``, or None."""
    if len(password) < MIN_LENGTH:
        return gettext(
            "This password is too short: use at least %(n)s characters. "
            "Three or four unrelated words make a long password that is easy to remember.",
            n=MIN_LENGTH,
        )
    if len(password) > MAX_LENGTH:
        return gettext("This password is too long: use at most %(n)s characters.", n=MAX_LENGTH)
    lowered = password.lower()
    name = email.strip().lower().split("@", 1)[0]
    if len(name) >= 3 and name in lowered:
        return gettext(
            "This password contains your e-mail name ('%(name)s'), which attackers try first; choose another.", name=name
        )
    if any(word in lowered for word in _WORDS_OF_THIS_APP):
        return gettext("This password contains the name of this application, which attackers try first; choose another.")
    common = common_passwords()
    if lowered in common:
        return gettext("This password is on a list of commonly used passwords that attackers try first; choose another.")
    core = _EDGES.sub("", lowered)
    if not core:
        return gettext(
            "This password has no letters, and runs of digits and symbols are among the first things attackers try; add words."
        )
    if core != lowered and core in common:
        return gettext(
            "This password is a commonly used password with digits or symbols added, which attackers try first too; "
            "choose another."
        )
    if len(set(lowered)) < 5:
        return gettext("This password repeats a few characters over and over; choose one with more variety.")
    return None
