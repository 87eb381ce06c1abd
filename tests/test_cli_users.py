"""`surveyapp users set-password` and `users reset`."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskCliRunner
from sqlalchemy import select
from werkzeug.security import check_password_hash

from surveyapp.db import User, db
from surveyapp.services.accounts import create_user


def test_set_password_checks_the_rules_and_ends_sessions(runner: FlaskCliRunner) -> None:
    user = create_user("lee@example.org", "correct horse battery", "manager", dt.datetime.now(dt.UTC), None)
    epoch = user.session_epoch
    weak = runner.invoke(args=["users", "set-password", "lee@example.org", "--password", "password1234"])
    assert weak.exit_code == 1
    assert "commonly used password" in weak.output
    ok = runner.invoke(args=["users", "set-password", "Lee@Example.org"], input="green river tuesday\ngreen river tuesday\n")
    assert ok.exit_code == 0, ok.output
    user = db.session.scalar(select(User))
    assert check_password_hash(user.password_hash, "green river tuesday")
    assert user.session_epoch != epoch
    missing = runner.invoke(args=["users", "set-password", "kim@example.org", "--password", "green river tuesday"])
    assert "there is no account for kim@example.org" in missing.output


def test_reset_prints_a_temporary_password_to_replace_at_next_sign_in(runner: FlaskCliRunner) -> None:
    create_user("lee@example.org", "correct horse battery", "manager", dt.datetime.now(dt.UTC), None)
    result = runner.invoke(args=["users", "reset", "lee@example.org"])
    assert result.exit_code == 0, result.output
    temporary = result.output.split(": ", 1)[1].split()[0]
    user = db.session.scalar(select(User))
    assert check_password_hash(user.password_hash, temporary)
    assert user.must_change_password
    assert len(temporary) == 19  # four groups of four from 31 characters: about 79 bits
