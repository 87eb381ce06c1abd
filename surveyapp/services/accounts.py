"""Staff accounts: creating them, signing in, passwords, and ending sessions."""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import re
import secrets

from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import User, db
from ..db.users import ROLES, STAFF_LANGUAGES, new_session_epoch
from . import throttle
from .audit import record
from .passwords import password_problem
from .surveys import SurveyError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread when passed on


@functools.cache
def _dummy_hash() -> str:
    """A fixed hash to compare against when the e-mail is unknown, so timing does not reveal which e-mails exist.

    Made on first use, not at import: it takes a deliberately slow hash (~0.2 s) that a respondent's worker
    would otherwise pay before its first request.
    """
    return generate_password_hash("not-a-real-password")


class PasswordError(SurveyError):
    """A password that may not be used, or a wrong current password; the message says which."""


class SignInThrottledError(Exception):
    """Too many failed password checks recently; ``refusal`` says for what and how long to wait."""

    def __init__(self, refusal: throttle.Refusal) -> None:
        super().__init__(f"{refusal.scope}: wait {refusal.seconds} s")
        self.refusal = refusal


def _check_new_password(password: str, email: str) -> None:
    problem = password_problem(password, email)
    if problem:
        raise PasswordError(problem)


def create_user(email: str, password: str, role: str, now: dt.datetime, actor: User | None) -> User:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise SurveyError(gettext("'%(email)s' is not an e-mail address", email=email))
    if role not in ROLES:
        raise SurveyError(gettext("unknown role '%(role)s'; use one of %(roles)s", role=role, roles=", ".join(ROLES)))
    _check_new_password(password, email)
    if find_user(email) is not None:
        raise SurveyError(gettext("an account for %(email)s already exists", email=email))
    user = User(email=email, password_hash=generate_password_hash(password), role=role, active=True, created_at=now)
    db.session.add(user)
    db.session.flush()
    record("user.create", actor, email, {"role": role}, now)
    db.session.commit()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _verify(email: str, password: str, address: str, now: dt.datetime) -> User | None:
    """The account if the password is right; the check is counted (and committed) before it is made."""
    refusal = throttle.reserve(email, address, now)
    if refusal is not None:
        raise SignInThrottledError(refusal)
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if check_password_hash(user.password_hash, password) and user.active:
        throttle.succeeded(email, address, now)
        return user
    return None


def authenticate(email: str, password: str, address: str, now: dt.datetime) -> User | None:
    """The account, or None; raises SignInThrottledError when this account or address must wait.

    Unlike other services this commits twice: the throttle's count before the password is checked
    (so that racing requests see it), then the outcome, written to the audit log with the address.
    """
    email = email.replace("\x00", "").strip().lower()[:254]  # typed by anyone: no NUL, no longer than any account's
    user = _verify(email, password, address, now)
    record("auth.login" if user else "auth.failed", user, email[:200], {"address": address}, now)
    db.session.commit()
    return user


def end_sessions(user: User, now: dt.datetime, action: str = "auth.logout") -> None:
    """Every copy of every session of ``user`` stops working (sign-out ends them all)."""
    user.session_epoch = new_session_epoch()
    record(action, user, user.email, None, now)
    db.session.commit()


def session_user(user_id: str) -> User | None:
    """The account a session cookie names, if that session has not been ended since."""
    id_part, _, epoch = user_id.partition(":")
    if not id_part.isdigit() or not epoch:
        return None
    user = db.session.get(User, int(id_part))
    if user is None or not user.active or not hmac.compare_digest(user.session_epoch, epoch):
        return None
    return user


def change_password(user: User, current: str, new: str, repeated: str, address: str, now: dt.datetime) -> None:
    """The owner's own change: the current password (counted like a sign-in), then the new one twice."""
    if new != repeated:
        raise PasswordError(gettext("The two new passwords are not the same. Type the new password twice."))
    _check_new_password(new, user.email)
    right = _verify(user.email, current, address, now) is not None
    changed = right and new != current
    record("user.password" if changed else "user.password_unchanged", user, user.email, {"address": address}, now)
    if changed:
        _set_password(user, new, must_change=False)
    db.session.commit()
    if not right:
        raise PasswordError(gettext("Your current password is not right. Type the password you signed in with."))
    if new == current:
        raise PasswordError(gettext("The new password is the same as the current one; choose a different one."))


def _set_password(user: User, password: str, must_change: bool) -> None:
    user.password_hash = generate_password_hash(password)
    user.must_change_password = must_change
    user.session_epoch = new_session_epoch()


def set_password(email: str, password: str, now: dt.datetime, actor: User | None) -> User:
    """An administrator sets the password (on the server); every session of the account ends."""
    user = find_user(email)
    if user is None:
        raise SurveyError(f"there is no account for {email.strip().lower()}")
    _check_new_password(password, user.email)
    _set_password(user, password, must_change=False)
    record("user.set_password", actor, user.email, None, now)
    db.session.commit()
    return user


def reset_password(user_id: int, now: dt.datetime, actor: User | None) -> tuple[User, str]:
    """The account and a temporary password to pass on, only good for choosing a new one. Every session ends."""
    user = db.session.get(User, user_id)
    if user is None:
        raise SurveyError(gettext("no such account"))
    if actor is not None and actor.id == user.id:
        raise SurveyError(gettext("to change your own password use 'Change password' at the top of the page"))
    temporary = "-".join("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))
    _set_password(user, temporary, must_change=True)
    record("user.reset_password", actor, user.email, None, now)
    db.session.commit()
    return user, temporary


def set_active(user_id: int, active: bool, now: dt.datetime, actor: User | None) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise SurveyError(gettext("no such account"))
    if actor is not None and user.id == actor.id and not active:
        raise SurveyError(gettext("you cannot deactivate your own account"))
    user.active = active
    if not active:
        user.session_epoch = new_session_epoch()  # its open sessions end now, and stay ended if reactivated
    record("user.active" if active else "user.deactivate", actor, user.email, None, now)
    db.session.commit()
    return user


def set_language(user: User, language: str) -> None:
    """The language the staff pages are shown to ``user`` in, on every device from now on."""
    if language not in STAFF_LANGUAGES:
        raise SurveyError(f"unknown language '{language}'; use one of {', '.join(STAFF_LANGUAGES)}")
    user.language = language
    db.session.commit()


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))
