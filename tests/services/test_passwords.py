"""Password rules, with the shipped list of common passwords."""

from __future__ import annotations

import pytest

from surveyapp.services.passwords import COMMON_PASSWORDS, common_passwords, password_problem


def test_the_shipped_list_is_the_most_common_passwords_in_lower_case() -> None:
    common = common_passwords()
    assert len(common) >= 5000
    assert {"123456", "password", "qwerty", "iloveyou", "1qaz2wsx3edc", "qwertyuiop"} <= common
    assert all(p == p.lower().strip() and p for p in common)
    assert "Origin:" in COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()[1]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("horse batt", "too short: use at least 12 characters"),
        ("x" * 201, "too long"),
        ("1qaz2wsx3edc", "on a list of commonly used passwords"),
        ("QWERTYUIOP123", "commonly used password with digits or symbols added"),
        ("Password2026!", "commonly used password with digits or symbols added"),
        ("!!sunshine2026", "commonly used password with digits or symbols added"),
        ("123456789012", "has no letters"),
        ("2026-12-07 09:00", "has no letters"),
        ("my name is Lee.Park really", "contains your e-mail name ('lee.park')"),
        ("peerscope rules the world", "name of this application"),
        ("abababababababab", "repeats a few characters"),
    ],
)
def test_weak_passwords_are_refused_saying_why(password: str, reason: str) -> None:
    problem = password_problem(password, "Lee.Park@example.org")
    assert problem is not None
    assert reason in problem


@pytest.mark.parametrize("password", ["correct horse battery", "x7#kq-mountain-radio", "long enough pw", "ab@cd short names"])
def test_long_uncommon_passwords_are_accepted(password: str) -> None:
    assert password_problem(password, "ab@example.org") is None  # a two-letter e-mail name is not a word to refuse
