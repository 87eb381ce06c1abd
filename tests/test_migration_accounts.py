"""The accounts migration gives every existing account its own session value, and goes back cleanly."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from surveyapp import create_app
from surveyapp.db import db
from tests.conftest import ROOT


def test_existing_accounts_get_distinct_session_values_and_the_way_back_works(database_url: str) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "INSTRUMENTS_DIR": str(ROOT)})
    migrations = str(ROOT / "migrations")
    with app.app_context():
        upgrade(directory=migrations, revision="f12f60f3418a")
        with db.engine.begin() as conn:
            for n in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO user_account (id, email, password_hash, role, active, created_at) "
                        "VALUES (:n, :email, 'x', 'manager', true, '2026-11-24')"
                    ),
                    {"n": n, "email": f"u{n}@example.org"},
                )
        upgrade(directory=migrations, revision="c3a7acc0un75")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT session_epoch, must_change_password FROM user_account")).all()
        assert len({epoch for epoch, _ in rows}) == 2
        assert all(len(epoch) == 32 and not must for epoch, must in rows)
        downgrade(directory=migrations, revision="f12f60f3418a")
        assert "sign_in_throttle" not in inspect(db.engine).get_table_names()
        assert "session_epoch" not in {c["name"] for c in inspect(db.engine).get_columns("user_account")}
        db.session.remove()
        db.engine.dispose()
