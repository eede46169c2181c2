"""Users get an optional e-mail address for notifications.

Revision ID: 0005_user_email
Revises: 0004_sqlite_no_replace
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_user_email"
down_revision = "0004_sqlite_no_replace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
