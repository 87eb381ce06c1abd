"""Staff accounts: creating them and checking passwords."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import User, db
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


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user
