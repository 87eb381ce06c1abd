"""the action plan: actions on a survey's findings, kept with its series

``survey_action``: what will be done about a finding, by whom, by when, and its status; the next wave of the
series shows whether the finding moved.

Revision ID: h3act10ns001
Revises: g7pr0p0sals1
Create Date: 2026-12-07 18:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "h3act10ns001"
down_revision = "h4us3rl4ng1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=80), nullable=True),
        sa.Column("finding_key", sa.String(length=200), nullable=True),
        sa.Column("finding_title", sa.String(length=300), nullable=True),
        sa.Column("what", sa.String(length=1000), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('planned', 'in_progress', 'done', 'dropped')", name=op.f("ck_survey_action_status")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_survey_action_created_by_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_survey_action_survey_id_survey"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_action")),
    )
    with op.batch_alter_table("survey_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_action_series"), ["series"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_action_survey_id"), ["survey_id"], unique=False)


def downgrade():
    with op.batch_alter_table("survey_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_action_survey_id"))
        batch_op.drop_index(batch_op.f("ix_survey_action_series"))
    op.drop_table("survey_action")
