"""Outbox cursors: how far a consumer has read the application's own append-only records.

Notifications read the workflow decisions in audit order instead of a transition writing a job
of its own. The cursor starts at the head of the log, so what happened before this migration is
never announced.

Revision ID: 0010_outbox_cursors
Revises: 0009_outbox_jobs
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_outbox_cursors"
down_revision = "0009_outbox_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_cursors",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_outbox_cursors")),
    )
    op.execute(
        "INSERT INTO outbox_cursors (name, position)"
        " SELECT 'notifications', seq FROM audit_chain_head WHERE id = 1"
    )


def downgrade() -> None:
    op.drop_table("outbox_cursors")
