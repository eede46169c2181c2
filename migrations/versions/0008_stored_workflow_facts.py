"""Facts the engine knows when it writes, stored then: open submission, certifying submissions,
unit paths.

- activities.open_submission_id: the submission waiting for a decision, or the returned one
  being answered. A check constraint makes it present exactly in the submitted, forwarded and
  returned states; a deferred foreign key on (id, open_submission_id, state) makes it one of the
  activity's own submissions whose status is the activity's state.
- activity_levels.certified_submission_id: the approved submission standing behind a certified
  level; a foreign key on (activity_id, certified_submission_id, number) makes it one of the
  activity's submissions for that level.
- unit_ancestors: each unit with each of its ancestors (itself at depth 0), written by a trigger
  when a unit is inserted; another trigger refuses to give a unit a new parent, so paths never
  change. On PostgreSQL the trigger runs with its owner's rights: the application's role may
  read the paths (they decide who sees what) but not write them.

Existing rows are backfilled with the rules the readers used before: the open submission is the
newest submission for level certified_level + 1 whose status is the activity's state; the
certifying submission of a level up to certified_level is its newest approved submission.
Submissions lose two indexes and the one on activity_id alone: the two unique constraints that
the foreign keys need lead with activity_id and serve the same reads.

Revision ID: 0008_stored_workflow_facts
Revises: 0007_activities_plan_unit_index
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_stored_workflow_facts"
down_revision = "0007_activities_plan_unit_index"
branch_labels = None
depends_on = None

OPEN_STATES = "('forwarded', 'returned', 'submitted')"

POSTGRES_FUNCTIONS = [
    """
    CREATE FUNCTION units_record_ancestors() RETURNS trigger LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = public AS $$
    BEGIN
        INSERT INTO unit_ancestors (unit_id, ancestor_id, depth)
        SELECT NEW.id, NEW.id, 0
        UNION ALL
        SELECT NEW.id, ancestor_id, depth + 1 FROM unit_ancestors WHERE unit_id = NEW.parent_id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION units_refuse_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'units are never moved: the parent of unit % is fixed', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
]
POSTGRES_TRIGGERS = [
    """
    CREATE TRIGGER units_record_ancestors AFTER INSERT ON units
        FOR EACH ROW EXECUTE FUNCTION units_record_ancestors()
    """,
    """
    CREATE TRIGGER units_refuse_move BEFORE UPDATE OF parent_id ON units
        FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
        EXECUTE FUNCTION units_refuse_move()
    """,
]
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER units_record_ancestors AFTER INSERT ON units
    BEGIN
        INSERT INTO unit_ancestors (unit_id, ancestor_id, depth) VALUES (NEW.id, NEW.id, 0);
        INSERT INTO unit_ancestors (unit_id, ancestor_id, depth)
            SELECT NEW.id, ancestor_id, depth + 1 FROM unit_ancestors WHERE unit_id = NEW.parent_id;
    END
    """,
    """
    CREATE TRIGGER units_refuse_move BEFORE UPDATE OF parent_id ON units
    WHEN OLD.parent_id IS NOT NEW.parent_id
    BEGIN
        SELECT RAISE(ABORT, 'units are never moved: the parent of a unit is fixed');
    END
    """,
]

BACKFILL_OPEN_SUBMISSIONS = f"""
UPDATE activities SET open_submission_id = (
    SELECT s.id FROM submissions AS s
     WHERE s.activity_id = activities.id
       AND s.level = activities.certified_level + 1
       AND s.status = activities.state
     ORDER BY s.id DESC LIMIT 1
)
WHERE state IN {OPEN_STATES}
"""
BACKFILL_CERTIFYING_SUBMISSIONS = """
UPDATE activity_levels SET certified_submission_id = (
    SELECT s.id FROM submissions AS s
     WHERE s.activity_id = activity_levels.activity_id
       AND s.level = activity_levels.number
       AND s.status = 'approved'
     ORDER BY s.id DESC LIMIT 1
)
WHERE number <= (
    SELECT a.certified_level FROM activities AS a WHERE a.id = activity_levels.activity_id
)
"""


def _backfill_unit_ancestors() -> None:
    """Every unit's path, walked once in Python over the (small) units table."""
    conn = op.get_bind()
    parents = dict(conn.execute(sa.text("SELECT id, parent_id FROM units")).all())
    rows = []
    for unit_id in parents:
        current, depth, seen = unit_id, 0, set()
        while current is not None and current not in seen:
            seen.add(current)
            rows.append({"unit_id": unit_id, "ancestor_id": current, "depth": depth})
            current, depth = parents.get(current), depth + 1
    if rows:
        conn.execute(
            sa.text(
                "INSERT INTO unit_ancestors (unit_id, ancestor_id, depth)"
                " VALUES (:unit_id, :ancestor_id, :depth)"
            ),
            rows,
        )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"

    op.create_table(
        "unit_ancestors",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("ancestor_id", sa.Integer(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_unit_ancestors_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ancestor_id"],
            ["units.id"],
            name=op.f("fk_unit_ancestors_ancestor_id_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("unit_id", "ancestor_id", name=op.f("pk_unit_ancestors")),
        sa.UniqueConstraint("unit_id", "depth", name=op.f("uq_unit_ancestors_unit_id_depth")),
    )
    op.create_index(
        "ix_unit_ancestors_ancestor_id", "unit_ancestors", ["ancestor_id", "unit_id"]
    )
    _backfill_unit_ancestors()
    if postgres:
        for statement in POSTGRES_FUNCTIONS + POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)

    with op.batch_alter_table("submissions") as batch:
        batch.drop_index("ix_submissions_activity_level")
        batch.drop_index("ix_submissions_status")
        batch.drop_index("ix_submissions_activity_id")
        batch.create_unique_constraint(
            "uq_submissions_activity_id_id_level", ["activity_id", "id", "level"]
        )
        batch.create_unique_constraint(
            "uq_submissions_activity_id_id_status", ["activity_id", "id", "status"]
        )

    # Added, filled, then constrained: SQLite checks the constraints when it copies the table.
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("open_submission_id", sa.Integer(), nullable=True))
    op.execute(BACKFILL_OPEN_SUBMISSIONS)
    with op.batch_alter_table("activities") as batch:
        batch.create_check_constraint(
            op.f("ck_activities_open_submission"),
            f"(open_submission_id IS NOT NULL) = (state IN {OPEN_STATES})",
        )
        batch.create_foreign_key(
            "fk_activities_open_submission",
            "submissions",
            ["id", "open_submission_id", "state"],
            ["activity_id", "id", "status"],
            deferrable=True,
            initially="DEFERRED",
        )

    with op.batch_alter_table("activity_levels") as batch:
        batch.add_column(sa.Column("certified_submission_id", sa.Integer(), nullable=True))
    op.execute(BACKFILL_CERTIFYING_SUBMISSIONS)
    with op.batch_alter_table("activity_levels") as batch:
        batch.create_foreign_key(
            "fk_activity_levels_certified_submission",
            "submissions",
            ["activity_id", "certified_submission_id", "number"],
            ["activity_id", "id", "level"],
        )


def downgrade() -> None:
    with op.batch_alter_table("activity_levels") as batch:
        batch.drop_constraint("fk_activity_levels_certified_submission", type_="foreignkey")
        batch.drop_column("certified_submission_id")
    with op.batch_alter_table("activities") as batch:
        batch.drop_constraint("fk_activities_open_submission", type_="foreignkey")
        batch.drop_constraint(op.f("ck_activities_open_submission"), type_="check")
        batch.drop_column("open_submission_id")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("uq_submissions_activity_id_id_status", type_="unique")
        batch.drop_constraint("uq_submissions_activity_id_id_level", type_="unique")
        batch.create_index("ix_submissions_activity_id", ["activity_id"])
        batch.create_index("ix_submissions_status", ["status", "activity_id"])
        batch.create_index("ix_submissions_activity_level", ["activity_id", "level", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS units_refuse_move ON units")
        op.execute("DROP TRIGGER IF EXISTS units_record_ancestors ON units")
        op.execute("DROP FUNCTION IF EXISTS units_refuse_move()")
        op.execute("DROP FUNCTION IF EXISTS units_record_ancestors()")
    else:
        op.execute("DROP TRIGGER IF EXISTS units_refuse_move")
        op.execute("DROP TRIGGER IF EXISTS units_record_ancestors")
    op.drop_table("unit_ancestors")
