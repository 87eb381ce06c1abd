"""anonymous responses unlinkable from their invitations

A database reader holding the invitation list could join every anonymous
response to its invitation: ``invitation.used_at`` equalled
``response.submitted_at`` to the microsecond, and response keys followed the
order respondents started in. Now:

* ``response.minutes`` keeps the completion time in whole minutes, so the
  dashboard's median needs no start or end instant;
* in anonymous surveys, submitted responses keep only the day of their
  start, last change and submission; invitations keep only the day they were
  issued (personal links from an open link: the survey's creation day), and a
  used invitation's ``used_at`` says only that it was used (it holds that
  day too). New submissions leave the invitation untouched and mark the link
  in ``spent_link`` with a keyed hash of its token;
* anonymous responses move to random keys (negative, apart from the
  sequence's), their answers with them;
* cached dashboards, whose version named the latest submission's instant, are
  dropped (they are recomputed when next viewed).

Downgrade removes ``spent_link`` and ``response.minutes``; the coarsened times
and the new keys stay (the exact values are gone), and anonymous links used
after this revision look unused again.

Revision ID: a9e1an0nym17
Revises: f12f60f3418a
Create Date: 2026-12-07 15:40:00

"""

# ruff: noqa: S608 - the SQL is assembled from constants of this file, never from input
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9e1an0nym17"
down_revision = "c3a7acc0un75"
branch_labels = None
depends_on = None

ANONYMOUS = "SELECT id FROM survey WHERE anonymity = 'anonymous'"
MOVED_COLUMNS = (
    "survey_id, audience_id, language, status, source, started_at, updated_at, submitted_at, minutes, invitation_id, "
    "current_page, furthest_page, vector"
)


def upgrade():
    op.add_column("response", sa.Column("minutes", sa.Integer(), nullable=True))
    op.create_table(
        "spent_link",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_spent_link")),
        sqlite_with_rowid=False,
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        minutes = "CAST((julianday(submitted_at) - julianday(started_at)) * 1440 AS INTEGER)"

        def day(column: str) -> str:
            return f"substr({column}, 1, 10) || ' 00:00:00.000000'"
    else:
        minutes = "CAST(floor(extract(epoch FROM submitted_at - started_at) / 60) AS INTEGER)"

        def day(column: str) -> str:
            return f"(date_trunc('day', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"

    op.execute(f"UPDATE response SET minutes = {minutes} WHERE status = 'submitted' AND source <> 'import'")
    op.execute(
        f"UPDATE response SET started_at = {day('started_at')}, updated_at = {day('updated_at')}, "
        f"submitted_at = {day('submitted_at')}, invitation_id = NULL "
        f"WHERE status = 'submitted' AND survey_id IN ({ANONYMOUS})"
    )
    op.execute(
        f"UPDATE invitation SET issued_at = (SELECT {day('survey.created_at')} FROM survey "
        f"WHERE survey.id = invitation.survey_id) WHERE via_open_link AND survey_id IN ({ANONYMOUS})"
    )
    op.execute(f"UPDATE invitation SET issued_at = {day('issued_at')} WHERE survey_id IN ({ANONYMOUS})")
    op.execute(f"UPDATE invitation SET used_at = issued_at WHERE used_at IS NOT NULL AND survey_id IN ({ANONYMOUS})")
    _random_keys()
    op.execute("DELETE FROM dashboard_cache")


def _random_keys() -> None:
    """Every anonymous response to a random negative key; its answers follow (copied, then the old rows deleted)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT pk, id, resume_hash FROM response WHERE survey_id IN ({ANONYMOUS})")).all()
    if not rows:
        return
    taken = set(bind.execute(sa.text("SELECT pk FROM response")).scalars())
    moves = []
    for pk, response_id, resume_hash in rows:
        new = -1 - secrets.randbelow(2**31 - 1)
        while new in taken:
            new = -1 - secrets.randbelow(2**31 - 1)
        taken.add(new)
        moves.append({"old_pk": pk, "new_pk": new, "id": response_id, "resume_hash": resume_hash})
    op.execute(
        "CREATE TABLE pk_move (old_pk INTEGER PRIMARY KEY, new_pk INTEGER NOT NULL UNIQUE, "
        "id VARCHAR(32) NOT NULL, resume_hash VARCHAR(64))"
    )
    bind.execute(sa.text("INSERT INTO pk_move VALUES (:old_pk, :new_pk, :id, :resume_hash)"), moves)
    # a stand-in id while the old row still holds the real one (ids are unique): '~' and the new key
    op.execute(
        f"INSERT INTO response (pk, id, {MOVED_COLUMNS}) "
        f"SELECT m.new_pk, '~' || CAST(m.new_pk AS VARCHAR(12)), {', '.join('r.' + c.strip() for c in MOVED_COLUMNS.split(','))} "
        "FROM response AS r JOIN pk_move AS m ON m.old_pk = r.pk ORDER BY m.new_pk"
    )
    op.execute(
        "INSERT INTO answer (response_pk, item_key_id, value_num, value_text, skipped) "
        "SELECT m.new_pk, a.item_key_id, a.value_num, a.value_text, a.skipped "
        "FROM answer AS a JOIN pk_move AS m ON m.old_pk = a.response_pk ORDER BY m.new_pk, a.item_key_id"
    )
    op.execute("DELETE FROM answer WHERE response_pk IN (SELECT old_pk FROM pk_move)")
    op.execute("DELETE FROM response WHERE pk IN (SELECT old_pk FROM pk_move)")
    op.execute(
        "UPDATE response SET id = (SELECT m.id FROM pk_move AS m WHERE m.new_pk = response.pk), "
        "resume_hash = (SELECT m.resume_hash FROM pk_move AS m WHERE m.new_pk = response.pk) "
        "WHERE pk IN (SELECT new_pk FROM pk_move)"
    )
    op.execute("DROP TABLE pk_move")


def downgrade():
    op.drop_table("spent_link")
    # not batch mode: rebuilding the response table would drop it, and with it (cascade) every answer
    op.drop_column("response", "minutes")
