"""integer keys for answers

Each answer row pointed at its response by the 32-character response id and
at its question by the "<instrument>.<item>" text. Now the response has an
integer ``pk`` (its ``id`` stays, unique, as the id researchers see) and item
keys live once in ``item_key``; an answer row holds two integers. The rows
are copied across, so existing responses keep every answer.

Revision ID: f12f60f3418a
Revises: b34600a95226
Create Date: 2026-11-24 12:19:44.584003

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f12f60f3418a"
down_revision = "b34600a95226"
branch_labels = None
depends_on = None

RESPONSE_COLUMNS = (
    "id, survey_id, audience_id, language, status, source, started_at, updated_at, submitted_at, resume_hash, "
    "invitation_id, current_page, furthest_page, vector"
)
SKIPPED_IS_EMPTY = "NOT (skipped AND (value_num IS NOT NULL OR value_text IS NOT NULL))"


def _response_table(name: str, integer_key: bool) -> None:
    """The response table as it is after (``integer_key``) or before this revision."""
    key = (
        [sa.Column("pk", sa.Integer(), nullable=False), sa.Column("id", sa.String(length=32), nullable=False)]
        if integer_key
        else [sa.Column("id", sa.String(length=32), nullable=False)]
    )
    op.create_table(
        name,
        *key,
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("audience_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resume_hash", sa.String(length=64), nullable=True),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("current_page", sa.Integer(), nullable=False),
        sa.Column("furthest_page", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("source IN ('web', 'import', 'demo')", name=op.f("ck_response_source")),
        sa.CheckConstraint("status = 'in_progress' OR submitted_at IS NOT NULL", name=op.f("ck_response_submitted_has_time")),
        sa.CheckConstraint("status IN ('in_progress', 'submitted')", name=op.f("ck_response_status")),
        sa.ForeignKeyConstraint(["audience_id"], ["audience.id"], name=op.f("fk_response_audience_id_audience"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["invitation_id"], ["invitation.id"], name=op.f("fk_response_invitation_id_invitation"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_response_survey_id_survey"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk" if integer_key else "id", name=op.f("pk_response")),
        sa.UniqueConstraint("resume_hash", name=op.f("uq_response_resume_hash")),
        *([sa.UniqueConstraint("id", name=op.f("uq_response_id"))] if integer_key else []),
    )


def _answer_table(name: str, response_table: str, integer_key: bool) -> None:
    if integer_key:
        key = [
            sa.Column("response_pk", sa.Integer(), nullable=False),
            sa.Column("item_key_id", sa.Integer(), nullable=False),
        ]
        references = [
            sa.ForeignKeyConstraint(
                ["response_pk"], [f"{response_table}.pk"], name=op.f("fk_answer_response_pk_response"), ondelete="CASCADE"
            ),
            sa.ForeignKeyConstraint(["item_key_id"], ["item_key.id"], name=op.f("fk_answer_item_key_id_item_key")),
            sa.PrimaryKeyConstraint("response_pk", "item_key_id", name=op.f("pk_answer")),
        ]
    else:
        key = [
            sa.Column("response_id", sa.String(length=32), nullable=False),
            sa.Column("item_key", sa.String(length=120), nullable=False),
        ]
        references = [
            sa.ForeignKeyConstraint(
                ["response_id"], [f"{response_table}.id"], name=op.f("fk_answer_response_id_response"), ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("response_id", "item_key", name=op.f("pk_answer")),
        ]
    op.create_table(
        name,
        *key,
        sa.Column("value_num", sa.Float(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.CheckConstraint(SKIPPED_IS_EMPTY, name=op.f("ck_answer_skipped_is_empty")),
        *references,
        sqlite_with_rowid=False,
    )


def _swap_sqlite(integer_key: bool) -> None:
    """SQLite cannot change primary keys in place: build both tables anew, copy, and swap them in.

    The new answer table refers to the new response table; renaming that one
    to ``response`` rewrites the reference (SQLite 3.26+).
    """
    _response_table("response_new", integer_key)
    op.execute(f"INSERT INTO response_new ({RESPONSE_COLUMNS}) SELECT {RESPONSE_COLUMNS} FROM response ORDER BY id")
    _answer_table("answer_new", "response_new", integer_key)
    if integer_key:
        op.execute(
            "INSERT INTO answer_new (response_pk, item_key_id, value_num, value_text, skipped) "
            "SELECT r.pk, k.id, a.value_num, a.value_text, a.skipped FROM answer AS a "
            "JOIN response_new AS r ON r.id = a.response_id JOIN item_key AS k ON k.key = a.item_key "
            "ORDER BY r.pk, k.id"
        )
    else:
        op.execute(
            "INSERT INTO answer_new (response_id, item_key, value_num, value_text, skipped) "
            "SELECT r.id, k.key, a.value_num, a.value_text, a.skipped FROM answer AS a "
            "JOIN response AS r ON r.pk = a.response_pk JOIN item_key AS k ON k.id = a.item_key_id "
            "ORDER BY r.id, k.key"
        )
    op.drop_table("answer")
    op.drop_table("response")
    op.rename_table("response_new", "response")
    op.rename_table("answer_new", "answer")
    op.create_index("ix_response_survey_status", "response", ["survey_id", "status"], unique=False)


def upgrade():
    op.create_table(
        "item_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_key")),
        sa.UniqueConstraint("key", name=op.f("uq_item_key_key")),
    )
    op.execute("INSERT INTO item_key (key) SELECT DISTINCT item_key FROM answer ORDER BY item_key")
    if op.get_bind().dialect.name == "sqlite":
        _swap_sqlite(integer_key=True)
        return
    # PostgreSQL changes the tables in place.
    op.add_column("response", sa.Column("pk", sa.Integer(), sa.Identity(), nullable=False))
    op.add_column("answer", sa.Column("response_pk", sa.Integer(), nullable=True))
    op.add_column("answer", sa.Column("item_key_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE answer SET response_pk = r.pk, item_key_id = k.id FROM response AS r, item_key AS k "
        "WHERE r.id = answer.response_id AND k.key = answer.item_key"
    )
    op.drop_constraint("pk_answer", "answer", type_="primary")
    op.drop_constraint("fk_answer_response_id_response", "answer", type_="foreignkey")
    op.drop_column("answer", "response_id")
    op.drop_column("answer", "item_key")
    op.alter_column("answer", "response_pk", nullable=False)
    op.alter_column("answer", "item_key_id", nullable=False)
    op.drop_constraint("pk_response", "response", type_="primary")
    op.create_primary_key("pk_response", "response", ["pk"])
    op.create_unique_constraint("uq_response_id", "response", ["id"])
    op.create_primary_key("pk_answer", "answer", ["response_pk", "item_key_id"])
    op.create_foreign_key(
        "fk_answer_response_pk_response", "answer", "response", ["response_pk"], ["pk"], ondelete="CASCADE"
    )
    op.create_foreign_key("fk_answer_item_key_id_item_key", "answer", "item_key", ["item_key_id"], ["id"])


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _swap_sqlite(integer_key=False)
    else:
        op.add_column("answer", sa.Column("response_id", sa.String(length=32), nullable=True))
        op.add_column("answer", sa.Column("item_key", sa.String(length=120), nullable=True))
        op.execute(
            "UPDATE answer SET response_id = r.id, item_key = k.key FROM response AS r, item_key AS k "
            "WHERE r.pk = answer.response_pk AND k.id = answer.item_key_id"
        )
        op.drop_constraint("fk_answer_response_pk_response", "answer", type_="foreignkey")
        op.drop_constraint("fk_answer_item_key_id_item_key", "answer", type_="foreignkey")
        op.drop_constraint("pk_answer", "answer", type_="primary")
        op.drop_column("answer", "response_pk")
        op.drop_column("answer", "item_key_id")
        op.alter_column("answer", "response_id", nullable=False)
        op.alter_column("answer", "item_key", nullable=False)
        op.drop_constraint("uq_response_id", "response", type_="unique")
        op.drop_constraint("pk_response", "response", type_="primary")
        op.drop_column("response", "pk")
        op.create_primary_key("pk_response", "response", ["id"])
        op.create_primary_key("pk_answer", "answer", ["response_id", "item_key"])
        op.create_foreign_key(
            "fk_answer_response_id_response", "answer", "response", ["response_id"], ["id"], ondelete="CASCADE"
        )
    op.drop_table("item_key")
