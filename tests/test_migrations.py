"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from surveyapp.db import db


def test_upgrade_from_empty_matches_models(app: Flask) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_integer_answer_keys_keep_every_answer(database_url: str) -> None:
    """Answers stored before the answer table took integer keys survive the upgrade and the way back."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from surveyapp import create_app
    from tests.conftest import ROOT

    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "INSTRUMENTS_DIR": str(ROOT / "instruments")}
    )
    migrations = str(ROOT / "migrations")
    before = "b34600a95226"
    with app.app_context():
        upgrade(directory=migrations, revision=before)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO survey (id, slug, title, spec, texts, languages, anonymity, status, min_cell_size, "
                    "created_at) VALUES (1, 's', '{}', '{}', '{}', '[\"en\"]', 'anonymous', 'open', 5, '2026-11-24')"
                )
            )
            conn.execute(text("INSERT INTO audience (id, survey_id, key) VALUES (1, 1, 'peer')"))
            for rid in ("b-response", "a-response"):
                conn.execute(
                    text(
                        "INSERT INTO response (id, survey_id, audience_id, language, status, source, started_at, updated_at, "
                        "current_page, furthest_page) VALUES (:id, 1, 1, 'en', 'in_progress', 'web', '2026-11-24 00:00:00', "
                        "'2026-11-24 00:00:00', 1, 1)"
                    ),
                    {"id": rid},
                )
            answers = [
                ("a-response", "x.one", 4.0, None, False),
                ("a-response", "x.two", None, "text", False),
                ("b-response", "x.one", None, None, True),
            ]
            conn.execute(text("INSERT INTO answer (response_id, item_key, value_num, value_text, skipped) "
                              "VALUES (:r, :k, :n, :t, :s)"),
                         [dict(zip("rknts", a, strict=True)) for a in answers])  # fmt: skip
        upgrade(directory=migrations)
        with db.engine.connect() as conn:
            after = conn.execute(text(
                "SELECT r.id, k.key, a.value_num, a.value_text, a.skipped FROM answer AS a "
                "JOIN response AS r ON r.pk = a.response_pk JOIN item_key AS k ON k.id = a.item_key_id ORDER BY 1, 2"
            )).all()  # fmt: skip
        assert [tuple(row) for row in after] == sorted(answers)
        downgrade(directory=migrations, revision=before)
        with db.engine.connect() as conn:
            back = conn.execute(text("SELECT response_id, item_key, value_num, value_text, skipped FROM answer ORDER BY 1, 2"))
            assert [tuple(row) for row in back] == sorted(answers)
        db.engine.dispose()
