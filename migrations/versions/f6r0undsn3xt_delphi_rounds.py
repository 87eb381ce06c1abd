"""Delphi rounds: a survey knows its round; links, carried answers and paired stability across rounds

* ``survey.round``, ``survey.parent_round_id`` and ``survey.round_feedback``
  (round n's results as shown in round n+1, with the settled tasks dropped or
  to confirm); existing surveys whose spec has a ``delphi:`` block become
  round 1;
* an invitation's token hash is unique per survey, no longer across surveys:
  round n+1 copies round n's invitations, so the same link opens it;
* ``carried_answer``: a respondent's answers of a round, encrypted under a key
  derived from their link, under a lookup value derived from it too;
* ``round_change``: per round, task and audience, how many paired
  respondents changed their rating (counters only).

Revision ID: f6r0undsn3xt
Revises: a9e1an0nym17
Create Date: 2026-12-07 16:30:00

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f6r0undsn3xt"
down_revision = "a9e1an0nym17"
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rebuild_invitation(unique_per_survey: bool) -> None:
    """Change the invitation table's unique constraint.

    SQLite rebuilds the table (batch mode); dropping the old one would set
    every identified response's ``invitation_id`` to NULL (ON DELETE SET NULL),
    so those references are put back after.
    """
    bind = op.get_bind()
    kept = []
    if _sqlite():
        kept = bind.execute(sa.text("SELECT pk, invitation_id FROM response WHERE invitation_id IS NOT NULL")).all()
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        if unique_per_survey:
            batch_op.drop_constraint("uq_invitation_token_hash", type_="unique")
            batch_op.create_index(batch_op.f("ix_invitation_token_hash"), ["token_hash"], unique=False)
            batch_op.create_unique_constraint(batch_op.f("uq_invitation_survey_id"), ["survey_id", "token_hash"])
        else:
            batch_op.drop_constraint(batch_op.f("uq_invitation_survey_id"), type_="unique")
            batch_op.drop_index(batch_op.f("ix_invitation_token_hash"))
            batch_op.create_unique_constraint("uq_invitation_token_hash", ["token_hash"])
    if kept:
        bind.execute(
            sa.text("UPDATE response SET invitation_id = :invitation WHERE pk = :pk"),
            [{"pk": pk, "invitation": invitation} for pk, invitation in kept],
        )


def upgrade():
    # columns are added in place (a rebuilt survey table would cascade-delete every response on SQLite)
    op.add_column("survey", sa.Column("round", sa.Integer(), nullable=True))
    op.add_column("survey", sa.Column("round_feedback", sa.JSON(), nullable=True))
    if _sqlite():
        op.execute(
            "ALTER TABLE survey ADD COLUMN parent_round_id INTEGER CONSTRAINT fk_survey_parent_round_id_survey "
            "REFERENCES survey (id)"
        )
    else:
        op.add_column("survey", sa.Column("parent_round_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_survey_parent_round_id_survey", "survey", "survey", ["parent_round_id"], ["id"])
    bind = op.get_bind()
    for survey_id, spec in bind.execute(sa.text("SELECT id, spec FROM survey")).all():
        raw = json.loads(spec) if isinstance(spec, str) else spec
        if isinstance(raw, dict) and raw.get("delphi") is not None:
            bind.execute(sa.text("UPDATE survey SET round = 1 WHERE id = :id"), {"id": survey_id})
    _rebuild_invitation(unique_per_survey=True)
    op.create_table(
        "carried_answer",
        sa.Column("lookup", sa.String(length=64), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_carried_answer_survey_id_survey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lookup", name=op.f("pk_carried_answer")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("carried_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_carried_answer_survey_id"), ["survey_id"], unique=False)
    op.create_table(
        "round_change",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("audience_id", sa.Integer(), nullable=False),
        sa.Column("task_key", sa.String(length=120), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("crossed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audience_id"], ["audience.id"], name=op.f("fk_round_change_audience_id_audience"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_round_change_survey_id_survey"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("survey_id", "audience_id", "task_key", name=op.f("pk_round_change")),
    )


def downgrade():
    op.drop_table("round_change")
    with op.batch_alter_table("carried_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carried_answer_survey_id"))
    op.drop_table("carried_answer")
    bind = op.get_bind()
    # later rounds share their links with round 1: they go, so that a token hash is unique again
    later = "SELECT id FROM survey WHERE parent_round_id IS NOT NULL"
    bind.execute(sa.text(f"DELETE FROM invitation WHERE survey_id IN ({later})"))  # noqa: S608 - constant SQL
    _rebuild_invitation(unique_per_survey=False)
    if not _sqlite():
        op.drop_constraint("fk_survey_parent_round_id_survey", "survey", type_="foreignkey")
    # in place, like the upgrade (SQLite drops a column with its own REFERENCES clause)
    op.drop_column("survey", "parent_round_id")
    op.drop_column("survey", "round_feedback")
    op.drop_column("survey", "round")
