"""The chain head follows the entries: inserting an entry moves audit_chain_head to it.

Appenders still lock the head row first (that is what serialises them); the database then keeps
the head's seq and hash equal to the newest entry's, so an appender needs no UPDATE of its own
and no writer can leave the head behind the log. The head only moves forward.

PostgreSQL uses a statement trigger over the inserted rows (one UPDATE per statement, also for
a COPY of a million rows); SQLite has row triggers only.

Revision ID: 0006_audit_head_follows_entries
Revises: 0005_user_email
Create Date: 2026-11-26
"""

from alembic import op

revision = "0006_audit_head_follows_entries"
down_revision = "0005_user_email"
branch_labels = None
depends_on = None

POSTGRES_FUNCTION = """
CREATE FUNCTION audit_head_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audit_chain_head AS head
       SET seq = newest.seq, entry_hash = newest.entry_hash
      FROM (SELECT seq, entry_hash FROM added ORDER BY seq DESC LIMIT 1) AS newest
     WHERE head.id = 1 AND head.seq < newest.seq;
    RETURN NULL;
END
$$
"""

POSTGRES_TRIGGER = """
CREATE TRIGGER audit_entries_move_head AFTER INSERT ON audit_entries
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION audit_head_follows()
"""

SQLITE_TRIGGER = """
CREATE TRIGGER audit_entries_move_head AFTER INSERT ON audit_entries
BEGIN
    UPDATE audit_chain_head SET seq = NEW.seq, entry_hash = NEW.entry_hash
     WHERE id = 1 AND seq < NEW.seq;
END
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_move_head ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_head_follows()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_move_head")
