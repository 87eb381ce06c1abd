"""e-mail invitations and reminders

``mailing``: one sending (an invitation list, or a reminder) with its message per
language. ``mail_recipient``: an address, optional unit and language, its link's
token sealed under the application's secret (never the invitation's id or the
token's plain hash), and how sending went. Addresses can be purged.

Revision ID: h2inv1t3s001
Revises: g7pr0p0sals1
Create Date: 2026-12-07 18:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "h2inv1t3s001"
down_revision = "g7pr0p0sals1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mailing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("audience_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('invitation', 'reminder')", name=op.f("ck_mailing_kind")),
        sa.ForeignKeyConstraint(["audience_id"], ["audience.id"], name=op.f("fk_mailing_audience_id_audience"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_mailing_created_by_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_mailing_survey_id_survey"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailing")),
    )
    with op.batch_alter_table("mailing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mailing_survey_id"), ["survey_id"], unique=False)
    op.create_table(
        "mail_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("audience_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("unit", sa.String(length=80), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("sealed_token", sa.LargeBinary(), nullable=True),
        sa.Column("mailing_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("reminders >= 0", name=op.f("ck_mail_recipient_reminders")),
        sa.CheckConstraint(
            "state IN ('waiting', 'sending', 'sent', 'failed')", name=op.f("ck_mail_recipient_state")
        ),
        sa.ForeignKeyConstraint(
            ["audience_id"], ["audience.id"], name=op.f("fk_mail_recipient_audience_id_audience"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["mailing_id"], ["mailing.id"], name=op.f("fk_mail_recipient_mailing_id_mailing"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_mail_recipient_survey_id_survey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_recipient")),
        sa.UniqueConstraint("survey_id", "email", name=op.f("uq_mail_recipient_survey_id")),
    )
    with op.batch_alter_table("mail_recipient", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_recipient_mailing_id"), ["mailing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_recipient_survey_id"), ["survey_id"], unique=False)


def downgrade():
    with op.batch_alter_table("mail_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_recipient_survey_id"))
        batch_op.drop_index(batch_op.f("ix_mail_recipient_mailing_id"))
    op.drop_table("mail_recipient")
    with op.batch_alter_table("mailing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mailing_survey_id"))
    op.drop_table("mailing")
