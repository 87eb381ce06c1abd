"""a response index that answers the results page's counts by itself

The results page counts a survey's responses on every view (published, waiting
and started, for the cache's data version and the publication step). With
``published`` in the index beside ``survey_id`` and ``status``, PostgreSQL
counts from the index alone; at a million responses the two counts took
about 0.4 s each from the table. It replaces ``ix_response_survey_status``,
whose columns are its prefix.

Revision ID: h5c0unts0001
Revises: h3act10ns001
Create Date: 2026-12-07 22:20:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "h5c0unts0001"
down_revision = "h3act10ns001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index("ix_response_survey_status_published", ["survey_id", "status", "published"])
        batch_op.drop_index("ix_response_survey_status")


def downgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index("ix_response_survey_status", ["survey_id", "status"])
        batch_op.drop_index("ix_response_survey_status_published")
