"""revocable sessions, admin password resets and a sign-in throttle

Every account gets a random ``session_epoch`` that its session cookies carry
(a new one ends every copy of every session) and ``must_change_password``
(set by an administrator's reset). ``sign_in_throttle`` counts password
checks per account, per address and per account-and-address, shared by
every app host.

Revision ID: c3a7acc0un75
Revises: f12f60f3418a
Create Date: 2026-12-07 15:40:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3a7acc0un75"
down_revision = "f12f60f3418a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_allowed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttle")),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.text("SELECT id FROM user_account")).all():
        conn.execute(
            sa.text("UPDATE user_account SET session_epoch = :epoch WHERE id = :id"),
            {"epoch": secrets.token_hex(16), "id": user_id},
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("session_epoch", existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("session_epoch")
    op.drop_table("sign_in_throttle")
