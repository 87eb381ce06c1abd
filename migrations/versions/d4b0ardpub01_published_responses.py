"""published responses: managers' figures move in steps

A submitted response counts in dashboards, table downloads and `surveyapp
stats` only once it is published, and responses are published together, at
least the survey's minimum cell size at a time, so comparing a dashboard
before and after one submission shows nothing about that person. Responses
already submitted were visible before this revision and stay published.

Revision ID: d4b0ardpub01
Revises: f12f60f3418a
Create Date: 2026-12-07 15:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d4b0ardpub01"
down_revision = "a9e1an0nym17"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on every database (SQLite has ADD and DROP COLUMN since 3.35): a batch-mode copy of the
# response table would cascade-delete every answer on SQLite.


def upgrade():
    op.add_column("response", sa.Column("published", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(sa.text("UPDATE response SET published = :yes WHERE status = 'submitted'").bindparams(yes=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE response DROP COLUMN published")
    else:
        op.drop_column("response", "published")
