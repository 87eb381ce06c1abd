"""accepted task proposals of a Delphi, waiting for the next round

``task_addition``: a task an admin wrote from respondents' proposals ("is a
task missing?") in a round; the next round asks it through a new instrument
version. The proposal's words and its author's audience are not stored.

Revision ID: g7pr0p0sals1
Revises: f6r0undsn3xt
Create Date: 2026-12-07 16:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "g7pr0p0sals1"
down_revision = "f6r0undsn3xt"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "task_addition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("instrument_key", sa.String(length=100), nullable=False),
        sa.Column("task_id", sa.String(length=80), nullable=False),
        sa.Column("domain", sa.String(length=80), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.Integer(), nullable=True),
        sa.Column("used_in_survey_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["accepted_by"], ["user_account.id"], name=op.f("fk_task_addition_accepted_by_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_task_addition_survey_id_survey"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["used_in_survey_id"], ["survey.id"], name=op.f("fk_task_addition_used_in_survey_id_survey"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_addition")),
    )
    with op.batch_alter_table("task_addition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_addition_survey_id"), ["survey_id"], unique=False)


def downgrade():
    with op.batch_alter_table("task_addition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_addition_survey_id"))
    op.drop_table("task_addition")
