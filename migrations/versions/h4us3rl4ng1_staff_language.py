"""each staff account's language for the staff pages

``user_account.language``: "en", "he" or "ar", chosen from the language menu
in the staff header; empty until chosen (the browser's preference is used).

Revision ID: h4us3rl4ng1
Revises: g7pr0p0sals1
Create Date: 2026-12-07 18:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "h4us3rl4ng1"
down_revision = "h2inv1t3s001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("language")
