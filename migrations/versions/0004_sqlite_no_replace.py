"""SQLite: refuse INSERT OR REPLACE over stored audit rows.

SQLite runs no DELETE trigger for the rows a REPLACE removes (unless recursive triggers are on),
so without these a REPLACE could overwrite an entry the UPDATE/DELETE triggers protect. A BEFORE
INSERT trigger fires before the conflict is resolved and refuses any insert that would collide.
PostgreSQL needs nothing: it has no REPLACE, and ON CONFLICT DO UPDATE fires the UPDATE trigger.

Revision ID: 0004_sqlite_no_replace
Revises: 0003_audit_append_only
Create Date: 2026-11-26
"""

from alembic import op

revision = "0004_sqlite_no_replace"
down_revision = "0003_audit_append_only"
branch_labels = None
depends_on = None

# table → the unique columns an insert must not collide with
UNIQUE_COLUMNS = {
    "audit_entries": ("seq", "prev_hash", "entry_hash"),
    "audit_checkpoints": ("id",),
    "audit_keys": ("key_id",),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, columns in UNIQUE_COLUMNS.items():
        collides = " OR ".join(f"{column} = NEW.{column}" for column in columns)
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {collides}) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: REPLACE refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in UNIQUE_COLUMNS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
