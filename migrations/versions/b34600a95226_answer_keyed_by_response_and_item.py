"""answer keyed by response and item

Revision ID: b34600a95226
Revises: b1fe7f3eafbf
Create Date: 2026-11-24 10:54:10.071313

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b34600a95226"
down_revision = "b1fe7f3eafbf"
branch_labels = None
depends_on = None


COLUMNS = "response_id, item_key, value_num, value_text, skipped"


def _answer_table(name: str, keyed: bool) -> None:
    """The answer table, keyed by (response, item) without a rowid, or in its earlier shape with an id."""
    columns = [
        sa.Column("response_id", sa.String(length=32), nullable=False),
        sa.Column("item_key", sa.String(length=120), nullable=False),
        sa.Column("value_num", sa.Float(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "NOT (skipped AND (value_num IS NOT NULL OR value_text IS NOT NULL))", name=op.f("ck_answer_skipped_is_empty")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"], name=op.f("fk_answer_response_id_response"), ondelete="CASCADE"
        ),
    ]
    if keyed:
        op.create_table(
            name, *columns, sa.PrimaryKeyConstraint("response_id", "item_key", name=op.f("pk_answer")), sqlite_with_rowid=False
        )
    else:
        op.create_table(
            name,
            sa.Column("id", sa.Integer(), nullable=False),
            *columns,
            sa.PrimaryKeyConstraint("id", name=op.f("pk_answer")),
            sa.UniqueConstraint("response_id", "item_key", name=op.f("uq_answer_response_id")),
        )


def _rebuild(keyed: bool) -> None:
    """SQLite cannot change a primary key in place: copy into a new table and swap."""
    _answer_table("answer_rebuilt", keyed)
    op.execute(f"INSERT INTO answer_rebuilt ({COLUMNS}) SELECT {COLUMNS} FROM answer")
    op.drop_table("answer")
    op.rename_table("answer_rebuilt", "answer")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(keyed=True)
        return
    op.drop_constraint("uq_answer_response_id", "answer", type_="unique")
    op.drop_constraint("pk_answer", "answer", type_="primary")
    op.drop_column("answer", "id")
    op.create_primary_key("pk_answer", "answer", ["response_id", "item_key"])


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(keyed=False)
        return
    op.drop_constraint("pk_answer", "answer", type_="primary")
    op.add_column("answer", sa.Column("id", sa.Integer(), sa.Identity(), nullable=False))
    op.create_primary_key("pk_answer", "answer", ["id"])
    op.create_unique_constraint("uq_answer_response_id", "answer", ["response_id", "item_key"])
