"""The audit tables are append-only in the database itself, not only in the application.

Three layers are checked here, on SQLite and PostgreSQL:

* the triggers of migration 0003 refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on
  audit_entries, audit_checkpoints and audit_keys, whoever sends the statement: raw SQL through
  the application's session, a plain engine connection, the ORM unit of work;
* `workflow_app.audit.guard` refuses ORM bulk UPDATE/DELETE on every audited table before any
  SQL is sent;
* on PostgreSQL, the deployment this project recommends: the application logs in as a role that
  may only INSERT and SELECT the audit tables (`APP_ROLE_GRANTS`, quoted by the deployment docs
  and printed in docs/deployment-grants.sql). Such a role is refused by privileges before the
  triggers are even reached, and it cannot switch the triggers off either.

In every refusal the stored rows are compared before and after: nothing may have changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, Engine, create_engine, delete, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import UpdateBase

from state_machines import Action
from tests.conftest import _app_config
from tests.integration.conftest import People, seed_people
from tests.integration.workflow_support import act, activity
from workflow_app import create_app
from workflow_app.audit.checkpoints import take_checkpoint
from workflow_app.audit.guard import AUDITED_TABLES, BulkWriteRefused
from workflow_app.audit.models import AuditCheckpoint, AuditEntry, AuditKey
from workflow_app.audit.signing import generate_keypair, load_private_key
from workflow_app.audit.verification import verify_log
from workflow_app.db import Base
from workflow_app.extensions import db
from workflow_app.plans.models import Activity, Plan
from workflow_app.workflow.models import Submission

APPEND_ONLY_TABLES = ("audit_entries", "audit_checkpoints", "audit_keys")
# Deterministic row order for comparing a table before and after an attempt.
ORDER_BY = {"audit_entries": "seq", "audit_checkpoints": "id", "audit_keys": "key_id"}
PG_INSUFFICIENT_PRIVILEGE = "42501"
DEPLOYMENT_GRANTS_SQL = Path(__file__).resolve().parents[2] / "docs" / "deployment-grants.sql"

# What the application's database role needs, and no more, when the tables belong to another role
# (the one that runs the migrations). `{role}` and `{database}` are identifiers, quoted by the
# caller. The audit tables get INSERT and SELECT only: UPDATE, DELETE and TRUNCATE are refused by
# privileges before the triggers are reached, and a role that owns nothing cannot disable the
# triggers. audit_chain_head needs UPDATE (the appenders' lock is SELECT ... FOR UPDATE, which
# needs it too). Sequences: USAGE for nextval() on inserts, SELECT for currval(); not UPDATE,
# which would allow setval(). The deployment docs quote these statements verbatim.
APP_ROLE_GRANTS: tuple[str, ...] = (
    # Start from nothing, so that re-running after a migration also removes anything granted
    # before (an UPDATE on an audit table, say).
    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
    "GRANT CONNECT ON DATABASE {database} TO {role}",
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE"
    " units, users, role_assignments, api_tokens,"
    " plans, strategies, tactics, activities, activity_levels,"
    " submissions, evidence_items, workflow_decisions, outbox_jobs, outbox_cursors"
    " TO {role}",
    "GRANT SELECT, UPDATE ON TABLE audit_chain_head TO {role}",
    # Written only by the database's trigger, which runs with the owner's rights (0008): unit
    # paths decide who sees what, so the application may not forge one.
    "GRANT SELECT ON TABLE unit_ancestors TO {role}",
    "GRANT SELECT, INSERT ON TABLE audit_entries, audit_checkpoints, audit_keys TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
)


def render_grants(role: str, database: str) -> list[str]:
    return [statement.format(role=role, database=database) for statement in APP_ROLE_GRANTS]


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dialect_name(app: Flask) -> str:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()


@pytest.fixture
def audit_rows(app_ctx: Flask, people: People, tmp_path: Path) -> Flask:
    """A log with rows in all three append-only tables: the seed entries, one workflow round,
    and a signed checkpoint (so audit_checkpoints and audit_keys are not empty)."""
    act(people, "officer", "1.1.1", "submit")
    act(people, "reviewer", "1.1.1", "forward")
    key_path = tmp_path / "audit-key.pem"
    generate_keypair(key_path)
    assert take_checkpoint(db.session, load_private_key(key_path)) is not None
    db.session.remove()
    return app_ctx


def snapshot(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the append-only tables, exactly as stored."""
    return {
        table: [
            tuple(row)
            for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY {ORDER_BY[table]}"))
        ]
        for table in APPEND_ONLY_TABLES
    }


def session_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    db.session.rollback()
    try:
        return snapshot(db.session.connection())
    finally:
        db.session.rollback()


def assert_refused_by_trigger(error: DBAPIError, table: str, dialect: str) -> None:
    message = str(error.orig)
    assert f"{table} is append-only" in message, message
    if dialect == "postgresql":
        assert getattr(error.orig, "sqlstate", None) == PG_INSUFFICIENT_PRIVILEGE


def assert_log_verifies() -> None:
    report = verify_log(db.session)
    db.session.rollback()
    assert report.ok, report.problem
    assert report.checkpoints_checked == 1


# One UPDATE and one DELETE per table. Each touches at least one existing row: row triggers do not
# fire for statements that match nothing. audit_keys is referenced by audit_checkpoints; the
# BEFORE trigger fires before any foreign key check could.
WRITES: list[tuple[str, str]] = [
    ("audit_entries", "UPDATE audit_entries SET action = 'tampered' WHERE seq = 3"),
    ("audit_entries", "UPDATE audit_entries SET seq = seq + 1000"),
    ("audit_entries", "DELETE FROM audit_entries WHERE seq = (SELECT MAX(seq) FROM audit_entries)"),
    ("audit_entries", "DELETE FROM audit_entries"),
    (
        "audit_checkpoints",
        "UPDATE audit_checkpoints SET entry_hash = REPLACE(entry_hash, 'a', 'b')",
    ),
    ("audit_checkpoints", "DELETE FROM audit_checkpoints"),
    ("audit_keys", "UPDATE audit_keys SET first_used_at = first_used_at"),
    ("audit_keys", "DELETE FROM audit_keys"),
]


def test_raw_sql_through_the_session_is_refused(audit_rows: Flask) -> None:
    dialect = dialect_name(audit_rows)
    before = session_snapshot()
    for table, statement in WRITES:
        with pytest.raises(DBAPIError) as refused:
            db.session.execute(text(statement))
            db.session.commit()
        db.session.rollback()
        assert_refused_by_trigger(refused.value, table, dialect)
    assert session_snapshot() == before
    assert_log_verifies()


@pytest.fixture
def plain_engine(audit_rows: Flask) -> Iterator[Engine]:
    """A connection pool of its own, outside Flask-SQLAlchemy: what a maintenance script or a
    DBA's client would use (same credentials as the application here)."""
    engine = create_engine(audit_rows.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


def test_raw_sql_through_a_plain_connection_is_refused(
    audit_rows: Flask, plain_engine: Engine
) -> None:
    dialect = dialect_name(audit_rows)
    with plain_engine.connect() as connection:
        before = snapshot(connection)
        connection.rollback()
        for table, statement in WRITES:
            with pytest.raises(DBAPIError) as refused, connection.begin():
                connection.exec_driver_sql(statement)
            assert_refused_by_trigger(refused.value, table, dialect)
        assert snapshot(connection) == before
        connection.rollback()
    assert_log_verifies()


def test_an_upsert_that_would_overwrite_an_entry_is_refused(
    audit_rows: Flask, plain_engine: Engine
) -> None:
    """INSERT ... ON CONFLICT DO UPDATE runs the UPDATE triggers on both databases."""
    with plain_engine.connect() as connection:
        before = snapshot(connection)
        connection.rollback()
        with pytest.raises(DBAPIError) as refused, connection.begin():
            connection.execute(
                text(
                    "INSERT INTO audit_entries (seq, recorded_at, actor_username, action, body,"
                    " prev_hash, entry_hash)"
                    " SELECT seq, recorded_at, actor_username, action, body, prev_hash, entry_hash"
                    " FROM audit_entries WHERE seq = 3"
                    " ON CONFLICT (seq) DO UPDATE SET action = 'tampered'"
                )
            )
        assert_refused_by_trigger(refused.value, "audit_entries", dialect_name(audit_rows))
        assert snapshot(connection) == before
        connection.rollback()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_insert_or_replace_cannot_overwrite_an_entry(
    audit_rows: Flask, plain_engine: Engine
) -> None:
    with plain_engine.connect() as connection:
        before = snapshot(connection)
        connection.rollback()
        try:
            with connection.begin():
                connection.execute(
                    text(
                        "INSERT OR REPLACE INTO audit_entries (seq, recorded_at, actor_username,"
                        " action, body, prev_hash, entry_hash)"
                        " SELECT seq, recorded_at, actor_username, 'tampered', body, prev_hash,"
                        " entry_hash FROM audit_entries WHERE seq = 3"
                    )
                )
        except DBAPIError as refused:
            assert_refused_by_trigger(refused, "audit_entries", "sqlite")
        assert snapshot(connection) == before
        connection.rollback()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_postgres_truncate_is_refused(audit_rows: Flask, plain_engine: Engine, table: str) -> None:
    with plain_engine.connect() as connection:
        before = snapshot(connection)
        connection.rollback()
        # CASCADE, so that audit_keys is not refused merely for being referenced.
        for statement in (f"TRUNCATE {table}", f"TRUNCATE {table} CASCADE"):
            with pytest.raises(DBAPIError) as refused, connection.begin():
                connection.exec_driver_sql(statement)
            message = str(refused.value.orig)
            if "CASCADE" in statement or table != "audit_keys":
                assert "is append-only: TRUNCATE refused" in message, message
            else:
                assert "foreign key" in message, message
        assert snapshot(connection) == before
        connection.rollback()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_merge_is_refused(audit_rows: Flask, plain_engine: Engine) -> None:
    """MERGE (PostgreSQL 15+) runs the row triggers of the UPDATE or DELETE it performs."""
    with plain_engine.connect() as connection:
        before = snapshot(connection)
        connection.rollback()
        for clause in ("DELETE", "UPDATE SET action = 'tampered'"):
            with pytest.raises(DBAPIError) as refused, connection.begin():
                connection.exec_driver_sql(
                    "MERGE INTO audit_entries AS e USING (SELECT 3 AS seq) AS s ON e.seq = s.seq"
                    f" WHEN MATCHED THEN {clause}"
                )
            assert_refused_by_trigger(refused.value, "audit_entries", "postgresql")
        assert snapshot(connection) == before
        connection.rollback()


def test_the_unit_of_work_cannot_change_or_remove_a_loaded_row(audit_rows: Flask) -> None:
    """Changing a loaded entity and committing goes through the same triggers."""
    dialect = dialect_name(audit_rows)
    before = session_snapshot()
    changes: list[tuple[str, Callable[[], None]]] = [
        ("audit_entries", lambda: setattr(db.session.get(AuditEntry, 2), "action", "tampered")),
        ("audit_entries", lambda: db.session.delete(db.session.get(AuditEntry, 2))),
        (
            "audit_checkpoints",
            lambda: setattr(db.session.scalars(select(AuditCheckpoint)).one(), "seq", 1),
        ),
        (
            "audit_checkpoints",
            lambda: db.session.delete(db.session.scalars(select(AuditCheckpoint)).one()),
        ),
        (
            "audit_keys",
            lambda: setattr(db.session.scalars(select(AuditKey)).one(), "public_key", b"x"),
        ),
    ]
    for table, change in changes:
        change()
        with pytest.raises(DBAPIError) as refused:
            db.session.commit()
        db.session.rollback()
        assert_refused_by_trigger(refused.value, table, dialect)
    assert session_snapshot() == before


def _audited_models() -> list[type[Base]]:
    return sorted(
        (
            mapper.class_
            for mapper in Base.registry.mappers
            if mapper.local_table.name in AUDITED_TABLES  # type: ignore[union-attr]
        ),
        key=lambda model: model.__name__,
    )


def _bulk_statements() -> list[UpdateBase]:
    """The bulk statements named in the brief, then UPDATE and DELETE of every audited model."""
    statements: list[UpdateBase] = [
        update(AuditEntry).values(action="tampered"),
        update(AuditEntry).where(AuditEntry.seq == 3).values(action="x"),
        delete(AuditEntry),
        delete(AuditEntry).where(AuditEntry.seq > 5),
        update(Activity).values(state="completed"),
        delete(Submission),
    ]
    for model in _audited_models():
        key = model.__mapper__.primary_key[0]
        statements += [update(model).values({key: key}), delete(model)]
    return statements


def test_orm_bulk_writes_are_refused_before_any_sql(audit_rows: Flask) -> None:
    before = session_snapshot()
    activities = db.session.execute(select(Activity.id, Activity.state, Activity.version)).all()
    db.session.rollback()
    for statement in _bulk_statements():
        for options in ({}, {"synchronize_session": False}, {"synchronize_session": "fetch"}):
            with pytest.raises(BulkWriteRefused, match="refused: change rows through an operation"):
                db.session.execute(statement, execution_options=options)
            db.session.rollback()
    assert session_snapshot() == before
    after = db.session.execute(select(Activity.id, Activity.state, Activity.version)).all()
    assert after == activities


def test_legacy_query_bulk_writes_are_refused(audit_rows: Flask) -> None:
    before = session_snapshot()
    with pytest.raises(BulkWriteRefused):
        db.session.query(AuditEntry).filter(AuditEntry.seq > 2).delete()
    db.session.rollback()
    with pytest.raises(BulkWriteRefused):
        db.session.query(Plan).update({Plan.title: "แผนปลอม"})
    db.session.rollback()
    assert session_snapshot() == before


def test_every_audited_table_exists_and_each_model_is_covered() -> None:
    tables = {table.name for table in Base.metadata.sorted_tables}
    assert set(AUDITED_TABLES) <= tables
    assert {model.__tablename__ for model in _audited_models()} == set(AUDITED_TABLES)


# --- PostgreSQL: the application as a role that may only INSERT and SELECT the audit log ---------


def test_grants_name_every_table_exactly_once() -> None:
    """A table added to the models without a grant would fail in production with "permission
    denied"; this makes it fail here first (and reminds whoever adds it to update the docs)."""
    granted: list[str] = []
    for statement in APP_ROLE_GRANTS:
        if statement.startswith("GRANT") and " ON TABLE " in statement:
            names = statement.split(" ON TABLE ", 1)[1].split(" TO ", 1)[0]
            granted += [name.strip() for name in names.split(",")]
    assert sorted(granted) == sorted({table.name for table in Base.metadata.sorted_tables})
    audit_grant = next(s for s in APP_ROLE_GRANTS if "audit_entries" in s)
    assert audit_grant.startswith("GRANT SELECT, INSERT ON TABLE ")


def test_the_deployment_sql_file_carries_the_grants_verbatim() -> None:
    """docs/deployment-grants.sql is what a DBA runs with psql; its statements must stay the
    ones this module proves sufficient and safe."""
    document = DEPLOYMENT_GRANTS_SQL.read_text(encoding="utf-8")
    code = " ".join(
        line.strip()
        for line in document.splitlines()
        if line.strip() and not line.strip().startswith(("--", "\\"))
    )
    statements = [statement.strip() for statement in code.split(";") if statement.strip()]
    rendered = render_grants(':"app_role"', ':"app_database"')
    assert [s for s in statements if s.startswith(("GRANT", "REVOKE"))] == rendered


@pytest.fixture
def restricted_role(database_url: str) -> Iterator[tuple[str, str]]:
    """A login role holding exactly APP_ROLE_GRANTS; yields (role, database URL as that role).
    Dropped afterwards, with whatever it was granted or came to own."""
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    role = f"wf_app_{secrets.token_hex(6)}"
    password = secrets.token_urlsafe(16)
    url = make_url(database_url)
    assert url.database is not None
    with admin.connect() as connection:
        connection.exec_driver_sql(
            f"CREATE ROLE {quote_ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
            f" PASSWORD '{password}'"
        )
        for statement in render_grants(quote_ident(role), quote_ident(url.database)):
            connection.exec_driver_sql(statement)
    role_url = url.set(username=role, password=password).render_as_string(hide_password=False)
    try:
        yield role, role_url
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
                {"r": role},
            )
            connection.exec_driver_sql(f"REASSIGN OWNED BY {quote_ident(role)} TO CURRENT_USER")
            connection.exec_driver_sql(f"DROP OWNED BY {quote_ident(role)}")
            connection.exec_driver_sql(f"DROP ROLE {quote_ident(role)}")
            gone = connection.execute(
                text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).scalar_one()
            assert gone == 0
        admin.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_app_role_with_insert_and_select_only(
    database_url: str, restricted_role: tuple[str, str], tmp_path: Path
) -> None:
    role, role_url = restricted_role
    app = create_app(_app_config(role_url, tmp_path / "instance"))
    role_engine = create_engine(role_url)
    try:
        with app.app_context():
            assert db.session.execute(text("SELECT current_user")).scalar_one() == role
            db.session.rollback()
        # The whole application works with these grants: plan import, accounts, a full round,
        # a signed checkpoint (inserts into audit_keys and audit_checkpoints) and verification.
        people = seed_people(app)
        with app.app_context():
            act(people, "officer", "1.1.1", Action.SUBMIT)
            act(people, "reviewer", "1.1.1", Action.FORWARD)
            approved = act(people, "head", "1.1.1", Action.APPROVE)
            assert (approved.to_state, approved.certified_level) == ("open", 1)
            row = activity(people, "1.1.1")
            assert (row.state, row.certified_level, row.version) == ("open", 1, 4)
            db.session.remove()
        key = tmp_path / "audit-key.pem"
        generate_keypair(key)
        app.config["WORKFLOW_AUDIT_KEY"] = str(key)
        runner = app.test_cli_runner()
        checkpoint = runner.invoke(args=["audit", "checkpoint"])
        assert checkpoint.exit_code == 0, checkpoint.output
        verified = runner.invoke(args=["audit", "verify"])
        assert verified.exit_code == 0, verified.output
        assert verified.output.startswith("OK: 14 entries, head seq 14 ")
        assert verified.output.rstrip().endswith("1 checkpoints verified")

        with role_engine.connect() as connection:
            before = snapshot(connection)
            connection.rollback()
            attempts = [
                *(f"UPDATE {t} SET {ORDER_BY[t]} = {ORDER_BY[t]}" for t in APPEND_ONLY_TABLES),
                *(f"DELETE FROM {t}" for t in APPEND_ONLY_TABLES),
                *(f"TRUNCATE {t} CASCADE" for t in APPEND_ONLY_TABLES),
            ]
            for statement in attempts:
                with pytest.raises(DBAPIError) as refused, connection.begin():
                    connection.exec_driver_sql(statement)
                message = str(refused.value.orig)
                assert message.startswith("permission denied for table audit_"), message
                assert refused.value.orig.sqlstate == PG_INSUFFICIENT_PRIVILEGE  # type: ignore[union-attr]
            owner_only = [
                "ALTER TABLE audit_entries DISABLE TRIGGER ALL",
                "ALTER TABLE audit_entries DISABLE TRIGGER USER",
                "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only",
                "DROP TRIGGER audit_entries_append_only ON audit_entries",
                "ALTER TABLE audit_entries DROP CONSTRAINT uq_audit_entries_prev_hash",
                "DROP TABLE audit_entries",
                "DROP FUNCTION audit_refuse_change() CASCADE",
            ]
            for statement in owner_only:
                with pytest.raises(DBAPIError) as refused, connection.begin():
                    connection.exec_driver_sql(statement)
                message = str(refused.value.orig)
                assert message.startswith("must be owner of "), message
            # Nor replace the trigger function: it may not even create objects in the schema.
            with pytest.raises(DBAPIError) as refused, connection.begin():
                connection.exec_driver_sql(
                    "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger"
                    " LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
                )
            assert str(refused.value.orig).startswith("permission denied for schema public")
            # Unit paths decide who may see and do what: only the database's trigger writes them.
            with pytest.raises(DBAPIError) as refused, connection.begin():
                connection.exec_driver_sql("INSERT INTO unit_ancestors VALUES (1, 2, 7)")
            assert str(refused.value.orig).startswith("permission denied for table unit_ancest")
            with pytest.raises(DBAPIError) as refused, connection.begin():
                connection.exec_driver_sql("SET session_replication_role = replica")
            assert "permission denied to set parameter" in str(refused.value.orig)
            # Granting itself more is not possible either: it holds no grant option.
            with connection.begin():
                connection.exec_driver_sql(f"GRANT UPDATE ON audit_entries TO {quote_ident(role)}")
            privileges = connection.execute(
                text(
                    "SELECT has_table_privilege(current_user, 'audit_entries', 'UPDATE'),"
                    " has_table_privilege(current_user, 'audit_entries', 'DELETE'),"
                    " has_table_privilege(current_user, 'audit_entries', 'TRUNCATE')"
                )
            ).one()
            assert tuple(privileges) == (False, False, False)
            assert snapshot(connection) == before
            connection.rollback()
        again = runner.invoke(args=["audit", "verify"])
        assert again.exit_code == 0, again.output
    finally:
        role_engine.dispose()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_head_follows_every_inserted_entry_and_never_moves_back(
    app_ctx: Flask, people: People
) -> None:
    """Migration 0006: the database moves the chain head to each inserted entry, so no writer,
    the application's own appender included, can leave it behind the log."""
    from workflow_app.audit.canonical import chain_hash
    from workflow_app.audit.models import AuditChainHead

    def head() -> tuple[int, str]:
        row = db.session.execute(
            select(AuditChainHead.seq, AuditChainHead.entry_hash).where(AuditChainHead.id == 1)
        ).one()
        return row.seq, row.entry_hash

    outcome = act(people, "officer", "1.1.1", "submit")
    newest = db.session.get(AuditEntry, outcome.audit_seq)
    assert newest is not None and head() == (newest.seq, newest.entry_hash)

    # A raw INSERT that does not touch the head moves it all the same.
    body = b'{"raw":true}'
    digest = chain_hash(newest.entry_hash, body)
    db.session.execute(
        AuditEntry.__table__.insert(),
        {
            "seq": newest.seq + 1,
            "recorded_at": newest.recorded_at,
            "actor_username": "raw",
            "action": "test.raw",
            "body": body,
            "prev_hash": newest.entry_hash,
            "entry_hash": digest,
        },
    )
    db.session.commit()
    assert head() == (newest.seq + 1, digest)

    # An entry below the head (only a tamperer could write one) does not pull it back.
    db.session.execute(
        AuditEntry.__table__.insert(),
        {
            "seq": -1,
            "recorded_at": newest.recorded_at,
            "actor_username": "raw",
            "action": "test.raw",
            "body": b"{}",
            "prev_hash": "f" * 64,
            "entry_hash": "e" * 64,
        },
    )
    db.session.commit()
    assert head() == (newest.seq + 1, digest)
