"""Staff accounts: creating them and checking passwords."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import AuditEvent, User, db
from ..db.users import ROLES
from .audit import record
from .surveys import SurveyError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 12
# a fixed hash to compare against when the e-mail is unknown, so timing does not reveal which e-mails exist
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def create_user(email: str, password: str, role: str, now: dt.datetime, actor: User | None) -> User:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise SurveyError(f"'{email}' is not an e-mail address")
    if role not in ROLES:
        raise SurveyError(f"unknown role '{role}'; use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise SurveyError(f"the password must be at least {MIN_PASSWORD} characters")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise SurveyError(f"an account for {email} already exists")
    user = User(email=email, password_hash=generate_password_hash(password), role=role, active=True, created_at=now)
    db.session.add(user)
    db.session.flush()
    record("user.create", actor, email, {"role": role}, now)
    db.session.commit()
    return user


MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)


class LoginThrottledError(Exception):
    """Too many failed sign-ins for one e-mail address recently."""


def authenticate(email: str, password: str, now: dt.datetime) -> User | None:
    """The account, or None. Failures are counted in the audit log (shared by every host), so the
    limit holds however many processes serve sign-ins."""
    email = email.strip().lower()
    failures = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "auth.failed", AuditEvent.target == email, AuditEvent.at > now - FAILURE_WINDOW)
    )
    if failures >= MAX_FAILURES:
        raise LoginThrottledError(email)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    elif user.active and check_password_hash(user.password_hash, password):
        return user
    record("auth.failed", None, email, None, now)
    db.session.commit()
    return None


def set_active(user_id: int, active: bool, now: dt.datetime, actor: User | None) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise SurveyError("no such account")
    if actor is not None and user.id == actor.id and not active:
        raise SurveyError("you cannot deactivate your own account")
    user.active = active
    record("user.active" if active else "user.deactivate", actor, user.email, None, now)
    db.session.commit()
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))
