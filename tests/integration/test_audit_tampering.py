"""Tampering with the stored audit log the way a database owner would, and what verification says.

The attacker of docs/audit-log.md section 7 owns the database: they switch the protection off
first (SQLite: DROP TRIGGER; PostgreSQL: `SET LOCAL session_replication_role = replica` or
`ALTER TABLE ... DISABLE TRIGGER ALL`), then edit rows with raw SQL and, where it helps them,
recompute hashes with the public chain function. They do not hold the checkpoint signing key.

Every attack runs on a copy of one log built through the real workflow: the ten seed accounts and
the plan import (seq 1-11), workflow actions on three activities (seq 12-25) and a signed
checkpoint at seq 15 in the middle, taken with `flask audit checkpoint`. For each attack both
`flask audit verify` (on the tampered database) and the offline verifier
`tools/verify_audit.py` (on a `flask audit export` of it) must exit 1 with
`FAILED at seq S: KIND` naming the same seq and kind, or, for the attacks the design cannot
detect (cuts and rewrites after the last checkpoint), both must say OK; those tests say so.

Also here: automatic checkpoints (WORKFLOW_AUDIT_KEY with WORKFLOW_CHECKPOINT_EVERY_ENTRIES or
_MINUTES), and Thai text, emoji and timestamps stored and read back byte-exactly.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from state_machines import Action
from tests.conftest import BACKENDS, _app_config, _migrate
from tests.integration.conftest import People, seed_people
from tests.integration.workflow_support import act, pdf
from tools import verify_audit
from workflow_app import create_app
from workflow_app.audit.canonical import canonical_bytes, chain_hash, format_time
from workflow_app.audit.checkpoints import key_id
from workflow_app.audit.models import (
    GENESIS_HASH,
    AuditChainHead,
    AuditCheckpoint,
    AuditEntry,
)
from workflow_app.audit.signing import generate_keypair, load_public_key, sign_checkpoint
from workflow_app.extensions import db
from workflow_app.workflow.models import Submission, WorkflowDecision

APPEND_ONLY_TABLES = ("audit_entries", "audit_checkpoints", "audit_keys")
SEED_ENTRIES = 11  # plan.import + ten user.create, written by the `people` fixture
CHECKPOINT_SEQ = 15
HEAD_SEQ = 25

Step = tuple[str, str, Action]
# seq 12-15, then the checkpoint, then seq 16-25.
BEFORE_CHECKPOINT: tuple[Step, ...] = (
    ("officer", "1.1.1", Action.SUBMIT),
    ("reviewer", "1.1.1", Action.FORWARD),
    ("head", "1.1.1", Action.APPROVE),
    ("officer", "1.1.2", Action.SUBMIT),
)
AFTER_CHECKPOINT: tuple[Step, ...] = (
    ("reviewer", "1.1.2", Action.RETURN),
    ("officer", "1.1.2", Action.SUBMIT),
    ("reviewer", "1.1.2", Action.FORWARD),
    ("head", "1.1.2", Action.APPROVE),
    ("officer", "2.1.1", Action.SUBMIT),
    ("officer", "2.1.1", Action.WITHDRAW),
    ("officer", "2.1.1", Action.SUBMIT),
    ("reviewer", "2.1.1", Action.FORWARD),
    ("head", "2.1.1", Action.RETURN),
    ("officer", "2.1.1", Action.SUBMIT),
)


# --- the log, built once per database, and a fresh copy of it for every test ---------------------

# What tampering (or signing a checkpoint) can change. On PostgreSQL these are put back before
# every test; everything else in the database stays as built.
RESTORED_TABLES = ("audit_keys", "audit_checkpoints", "audit_entries", "audit_chain_head")


@dataclass(frozen=True)
class LogTemplate:
    backend: str
    url: str  # SQLite: the built file, copied per test; PostgreSQL: the database, restored
    key: Path  # the department's signing key (private); its public half is key.pub
    hashes: dict[int, str]  # seq -> entry_hash as written
    rows: dict[str, list[dict[str, Any]]]  # PostgreSQL: RESTORED_TABLES as built
    constraints: tuple[tuple[str, str], ...]  # PostgreSQL: audit_entries' (name, definition)


@dataclass(frozen=True)
class Log:
    app: Flask
    backend: str
    url: str
    key: Path
    hashes: dict[int, str]
    tmp_path: Path
    capsys: pytest.CaptureFixture[str]

    @property
    def public_key(self) -> Path:
        return self.key.with_name(self.key.name + ".pub")


def _admin(server_url: str) -> psycopg.Connection[Any]:
    dsn = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True)


def _build_log(url: str, folder: Path, key: Path) -> dict[int, str]:
    app = create_app(_app_config(url, folder / "instance"))
    app.config["WORKFLOW_AUDIT_KEY"] = str(key)
    people = seed_people(app)
    with app.app_context():
        head = db.session.get(AuditChainHead, 1)
        assert head is not None and head.seq == SEED_ENTRIES, "the people fixture changed"
        for username, code, action in BEFORE_CHECKPOINT:
            act(people, username, code, action)
        db.session.remove()
    signed = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert signed.exit_code == 0, signed.output
    assert signed.output.startswith(f"checkpoint: seq {CHECKPOINT_SEQ} hash "), signed.output
    with app.app_context():
        for username, code, action in AFTER_CHECKPOINT:
            act(people, username, code, action)
        hashes = dict(db.session.execute(select(AuditEntry.seq, AuditEntry.entry_hash)).all())
        db.session.remove()
        if url.startswith("sqlite"):
            with db.engine.connect() as connection:  # fold the WAL into the file we copy
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    assert sorted(hashes) == list(range(1, HEAD_SEQ + 1))
    return hashes


def _read_postgres_state(
    url: str,
) -> tuple[dict[str, list[dict[str, Any]]], tuple[tuple[str, str], ...]]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = {
                table: [
                    dict(row)
                    for row in connection.execute(text(f"SELECT * FROM {table}")).mappings()
                ]
                for table in RESTORED_TABLES
            }
            constraints = connection.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = 'audit_entries'::regclass ORDER BY conname"
                )
            ).all()
    finally:
        engine.dispose()
    return rows, tuple((name, definition) for name, definition in constraints)


def _restore_postgres(template: LogTemplate) -> None:
    """Put the audit tables back as built: rows, constraints the last test dropped, triggers."""
    engine = create_engine(template.url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            connection.exec_driver_sql(f"TRUNCATE {', '.join(RESTORED_TABLES)}")
            present = set(
                connection.execute(
                    text(
                        "SELECT conname FROM pg_constraint"
                        " WHERE conrelid = 'audit_entries'::regclass"
                    )
                ).scalars()
            )
            for name, definition in template.constraints:
                if name not in present:
                    connection.exec_driver_sql(
                        f"ALTER TABLE audit_entries ADD CONSTRAINT {name} {definition}"
                    )
            for table in APPEND_ONLY_TABLES:
                connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
            for table in RESTORED_TABLES:
                rows = template.rows[table]
                columns = ", ".join(rows[0])
                values = ", ".join(f":{column}" for column in rows[0])
                connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), rows)
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('audit_checkpoints', 'id'),"
                " (SELECT max(id) FROM audit_checkpoints))"
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def log_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LogTemplate]:
    folder = tmp_path_factory.mktemp(f"audit-log-{request.param}")
    key = folder / "department-audit-key.pem"
    generate_keypair(key)
    if request.param == "sqlite":
        path = folder / "log.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        yield LogTemplate("sqlite", url, key, _build_log(url, folder, key), {}, ())
        return
    # A database of its own: tests drop its constraints, and it is restored between them
    # (much cheaper than CREATE DATABASE ... TEMPLATE and DROP DATABASE for every test).
    server = request.getfixturevalue("postgres_server_url")
    name = f"wf_audit_log_{secrets.token_hex(5)}"
    with _admin(server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url, folder)
        hashes = _build_log(url, folder, key)
        rows, constraints = _read_postgres_state(url)
        assert {name for name, _ in constraints} >= {
            "pk_audit_entries",
            "uq_audit_entries_prev_hash",
            "uq_audit_entries_entry_hash",
        }
        yield LogTemplate("postgresql", url, key, hashes, rows, constraints)
    finally:
        with _admin(server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def log(
    log_template: LogTemplate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[Log]:
    """The built log as it was built, with an app (and app context) on it."""
    if log_template.backend == "sqlite":
        path = tmp_path / "log.sqlite3"
        shutil.copyfile(make_url(log_template.url).database or "", path)
        url = f"sqlite:///{path}"
    else:
        _restore_postgres(log_template)
        url = log_template.url
    app = create_app(_app_config(url, tmp_path / "instance"))
    app.config["WORKFLOW_AUDIT_KEY"] = str(log_template.key)
    with app.app_context():
        stored = dict(db.session.execute(select(AuditEntry.seq, AuditEntry.entry_hash)).all())
        assert stored == log_template.hashes
        db.session.remove()
        yield Log(
            app, log_template.backend, url, log_template.key, log_template.hashes, tmp_path, capsys
        )
        db.session.remove()
        db.engine.dispose()


NEEDS_DROPPED_CONSTRAINTS = (
    "PostgreSQL only: the attack needs two rows with the same seq or prev_hash, so the owner "
    "must drop the primary key / unique constraints first (ALTER TABLE ... DROP CONSTRAINT). "
    "SQLite has no DROP CONSTRAINT and refuses to drop the indexes behind them; an owner would "
    "have to rebuild the table, which leaves the verifier exactly the rows tested on PostgreSQL."
)


# --- the attacker's tools ------------------------------------------------------------------------


@contextmanager
def as_database_owner(log: Log, *, how: str = "replica") -> Iterator[Connection]:
    """One committed transaction of raw SQL with the append-only protection switched off."""
    db.session.remove()  # no transaction of the app may hold locks the owner's DDL would wait for
    engine = create_engine(log.url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            if log.backend == "sqlite":
                triggers = connection.execute(
                    text(
                        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                        " AND tbl_name IN ('audit_entries', 'audit_checkpoints', 'audit_keys')"
                    )
                ).scalars()
                for name in list(triggers):
                    connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
            elif how == "replica":
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            else:
                assert how == "disable_trigger"
                for table in APPEND_ONLY_TABLES:
                    connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            yield connection
            if log.backend == "postgresql" and how == "disable_trigger":
                for table in APPEND_ONLY_TABLES:  # cover the tracks
                    connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
    finally:
        engine.dispose()


def entry_row(connection: Connection, seq: int) -> dict[str, Any]:
    row = connection.execute(text("SELECT * FROM audit_entries WHERE seq = :s"), {"s": seq})
    return dict(row.mappings().one())


def update_entry(connection: Connection, seq: int, **values: Any) -> None:
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    result = connection.execute(
        text(f"UPDATE audit_entries SET {assignments} WHERE seq = :where_seq"),
        {**values, "where_seq": seq},
    )
    assert result.rowcount == 1


def insert_entry(connection: Connection, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    values = ", ".join(f":{column}" for column in row)
    connection.execute(text(f"INSERT INTO audit_entries ({columns}) VALUES ({values})"), row)


def renumber(connection: Connection, from_seq: int, by: int) -> None:
    """Shift the seq column of every entry from `from_seq` on by `by` (bodies untouched). Through
    negative values, because the primary key is checked row by row."""
    connection.execute(text("UPDATE audit_entries SET seq = -seq WHERE seq >= :s"), {"s": from_seq})
    connection.execute(text("UPDATE audit_entries SET seq = -seq + :by WHERE seq < 0"), {"by": by})


def set_chain_head(connection: Connection) -> None:
    """Point audit_chain_head at the (new) last entry, so the application keeps appending."""
    last = connection.execute(
        text("SELECT seq, entry_hash FROM audit_entries ORDER BY seq DESC LIMIT 1")
    ).one()
    connection.execute(
        text("UPDATE audit_chain_head SET seq = :s, entry_hash = :h WHERE id = 1"),
        {"s": last.seq, "h": last.entry_hash},
    )


def some_hash(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def forge_actor(document: dict[str, Any]) -> None:
    """What a forger changes: who did it."""
    document["actor"] = {"id": None, "username": "system:migration", "roles": []}


def rewrite_chain(
    connection: Connection,
    start: int,
    *,
    stop: int | None = None,
    change: Callable[[dict[str, Any]], None] = forge_actor,
) -> str:
    """Change entry `start`, then recompute body `prev`, prev_hash and entry_hash of it and of
    every later entry up to `stop` (default: the end), so that they link again. Returns the new
    hash of the last rewritten entry."""
    if start == 1:
        prev = GENESIS_HASH
    else:
        prev = connection.execute(
            text("SELECT entry_hash FROM audit_entries WHERE seq = :s"), {"s": start - 1}
        ).scalar_one()
    rows = connection.execute(
        text("SELECT seq, body FROM audit_entries WHERE seq >= :s ORDER BY seq"), {"s": start}
    ).all()
    for seq, stored in rows:
        if stop is not None and seq > stop:
            break
        body = bytes(stored)
        document = json.loads(body)
        assert canonical_bytes(document) == body  # the stored bytes are the canonical form
        if seq == start:
            change(document)
        document["prev"] = prev
        new_body = canonical_bytes(document)
        new_hash = chain_hash(prev, new_body)
        update_entry(connection, seq, body=new_body, prev_hash=prev, entry_hash=new_hash)
        prev = new_hash
    if stop is None:
        set_chain_head(connection)
    return prev


def forged_entry(connection: Connection, seq: int, prev: str) -> dict[str, Any]:
    """A consistent entry claiming `seq` and following `prev`: an approval nobody gave."""
    row = entry_row(connection, seq)
    document = json.loads(bytes(row["body"]))
    document.update(
        seq=seq,
        prev=prev,
        action="workflow.approve",
        from_state="forwarded",
        to_state="open",
        payload={"publishable": True},
    )
    body = canonical_bytes(document)
    row.update(
        seq=seq,
        action="workflow.approve",
        body=body,
        prev_hash=prev,
        entry_hash=chain_hash(prev, body),
    )
    return row


def drop_entry_constraints(connection: Connection, *names: str) -> None:
    for name in names:
        connection.exec_driver_sql(f"ALTER TABLE audit_entries DROP CONSTRAINT {name}")


def stored_checkpoint_row(connection: Connection) -> dict[str, Any]:
    return dict(connection.execute(text("SELECT * FROM audit_checkpoints")).mappings().one())


# --- what verification says ----------------------------------------------------------------------


@dataclass(frozen=True)
class Verdicts:
    cli_code: int
    cli: str  # the first line `flask audit verify` printed
    offline_code: int
    offline: str  # the first line tools/verify_audit.py printed


_exports = itertools.count()


def verdicts(
    log: Log,
    *,
    cli_args: tuple[str, ...] = (),
    offline_args: tuple[str, ...] = (),
    extra_export_lines: tuple[str, ...] = (),
) -> Verdicts:
    """`flask audit verify` on the database, then `verify_audit.py` on a fresh export of it
    (`extra_export_lines`: checkpoints the auditor kept and appends to the export)."""
    db.session.remove()
    runner = log.app.test_cli_runner()
    verified = runner.invoke(args=["audit", "verify", *cli_args])
    export = log.tmp_path / f"export-{next(_exports)}.jsonl"
    exported = runner.invoke(args=["audit", "export", "--out", str(export)])
    assert exported.exit_code == 0, exported.output
    if extra_export_lines:
        with export.open("a", encoding="utf-8") as stream:
            stream.writelines(line + "\n" for line in extra_export_lines)
    log.capsys.readouterr()
    offline_code = verify_audit.main([str(export), *offline_args])
    offline = log.capsys.readouterr().out
    return Verdicts(
        verified.exit_code,
        verified.output.splitlines()[0] if verified.output else "",
        offline_code,
        offline.splitlines()[0] if offline else "",
    )


def assert_detected(log: Log, seq: int, kind: str, **options: Any) -> Verdicts:
    seen = verdicts(log, **options)
    prefix = f"FAILED at seq {seq}: {kind}: "
    assert seen.cli_code == 1 and seen.cli.startswith(prefix), seen
    assert seen.offline_code == 1 and seen.offline.startswith(prefix), seen
    assert seen.cli == seen.offline  # one implementation: the same detail too
    return seen


def assert_verifies(log: Log, count: int, checkpoints: int, **options: Any) -> str:
    """Both verifiers say OK for `count` entries; returns the head hash they report."""
    seen = verdicts(log, **options)
    prefix = f"OK: {count} entries, head seq {count} hash "
    suffix = f", {checkpoints} checkpoints verified"
    assert seen.cli_code == 0 and seen.cli.startswith(prefix), seen
    assert seen.cli.endswith(suffix), seen
    assert (seen.offline_code, seen.offline) == (0, seen.cli), seen
    return seen.cli[len(prefix) : -len(suffix)]


# --- the attacks ---------------------------------------------------------------------------------


def test_the_untouched_log_verifies(log: Log) -> None:
    head = assert_verifies(log, HEAD_SEQ, 1)
    assert head == log.hashes[HEAD_SEQ]
    pinned = ("--public-key", str(log.public_key))
    assert_verifies(log, HEAD_SEQ, 1, cli_args=pinned, offline_args=pinned)


@pytest.mark.parametrize("seq", [8, CHECKPOINT_SEQ, 22])
def test_one_changed_byte_in_a_payload_is_altered(log: Log, seq: int) -> None:
    with as_database_owner(log, how="disable_trigger") as owner:
        body = bytearray(entry_row(owner, seq)["body"])
        start = body.index(b'"payload":{') + len(b'"payload":{')
        end = body.index(b',"prev":"')
        assert end - start > 2, "pick an entry with a payload"
        body[(start + end) // 2] ^= 0x01
        update_entry(owner, seq, body=bytes(body))
    assert_detected(log, seq, "altered")


@pytest.mark.parametrize("seq", [10, 20])
@pytest.mark.parametrize("renumbered", [False, True], ids=["gap-left", "renumbered"])
def test_a_deleted_middle_entry_is_missing(log: Log, seq: int, renumbered: bool) -> None:
    with as_database_owner(log) as owner:
        owner.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": seq})
        if renumbered:
            renumber(owner, seq + 1, -1)
        set_chain_head(owner)
    assert_detected(log, seq, "missing")


@pytest.mark.parametrize("from_seq", [12, CHECKPOINT_SEQ])
def test_a_tail_cut_through_the_checkpoint_is_truncated(log: Log, from_seq: int) -> None:
    with as_database_owner(log) as owner:
        owner.execute(text("DELETE FROM audit_entries WHERE seq >= :s"), {"s": from_seq})
        set_chain_head(owner)
    assert_detected(log, CHECKPOINT_SEQ, "truncated")


@pytest.mark.parametrize("from_seq", [CHECKPOINT_SEQ + 1, HEAD_SEQ])
def test_a_tail_cut_after_the_last_checkpoint_is_not_detected(log: Log, from_seq: int) -> None:
    """KNOWN LIMIT (docs/audit-log.md, "What is not detected"): entries after the last
    checkpoint can be cut off and the shorter chain still verifies. Only a newer checkpoint,
    ideally one kept outside the database, narrows this window."""
    with as_database_owner(log) as owner:
        owner.execute(text("DELETE FROM audit_entries WHERE seq >= :s"), {"s": from_seq})
        set_chain_head(owner)
    head = assert_verifies(log, from_seq - 1, 1)
    assert head == log.hashes[from_seq - 1]


FORGERIES = [
    pytest.param(20, False, True, (20, "inserted"), id="unlinked-renumbered"),
    pytest.param(CHECKPOINT_SEQ, False, True, (15, "inserted"), id="unlinked-at-checkpoint"),
]
# These need two rows with one seq or prev_hash: PostgreSQL only (NEEDS_DROPPED_CONSTRAINTS).
FORGERIES_WITH_DROPPED_CONSTRAINTS = [
    pytest.param(20, True, True, (20, "inserted"), id="linked-renumbered"),
    pytest.param(CHECKPOINT_SEQ, True, True, (15, "rewritten"), id="linked-at-checkpoint"),
    pytest.param(20, True, False, (20, "inserted"), id="linked-not-renumbered"),
    pytest.param(12, True, False, (12, "inserted"), id="linked-not-renumbered-early"),
]
POSTGRES_ONLY = pytest.mark.parametrize("log_template", ["postgresql"], indirect=True)


def _forge(log: Log, seq: int, linked: bool, renumbered: bool, expected: tuple[int, str]) -> None:
    """The forgery is consistent in itself (its own hash is right). Linked: it follows the real
    entry seq-1, so it shares a prev_hash with the real entry `seq`, and without renumbering
    also its seq; both need the owner to drop constraints first. Two rows with one seq come back
    from `ORDER BY seq` in either order; a linked forgery is `inserted` at seq both ways (docs
    rule 3a when it comes second)."""
    with as_database_owner(log) as owner:
        prev = log.hashes[seq - 1] if linked else some_hash("nowhere")
        forged = forged_entry(owner, seq, prev)
        if linked:
            drop_entry_constraints(owner, "uq_audit_entries_prev_hash")
        if renumbered:
            renumber(owner, seq, +1)
        else:
            drop_entry_constraints(owner, "pk_audit_entries")
        insert_entry(owner, forged)
        set_chain_head(owner)
    assert_detected(log, *expected)


@pytest.mark.parametrize(("seq", "linked", "renumbered", "expected"), FORGERIES)
def test_a_forged_entry_put_in_the_middle_is_inserted(
    log: Log, seq: int, linked: bool, renumbered: bool, expected: tuple[int, str]
) -> None:
    _forge(log, seq, linked, renumbered, expected)


@POSTGRES_ONLY
@pytest.mark.parametrize(
    ("seq", "linked", "renumbered", "expected"), FORGERIES_WITH_DROPPED_CONSTRAINTS
)
def test_a_forged_entry_needing_dropped_constraints_is_inserted(
    log: Log, seq: int, linked: bool, renumbered: bool, expected: tuple[int, str]
) -> None:
    _forge(log, seq, linked, renumbered, expected)


@pytest.mark.parametrize(("first", "second"), [(8, 12), (14, 22), (20, 21), (24, 25)])
def test_two_swapped_entries_are_reordered(log: Log, first: int, second: int) -> None:
    """Bodies and both hashes exchanged between two seqs; the seq column stays in place."""
    with as_database_owner(log) as owner:
        a, b = entry_row(owner, first), entry_row(owner, second)
        moved = ("body", "prev_hash", "entry_hash")
        # Through placeholder hashes: prev_hash and entry_hash are unique, row by row.
        update_entry(owner, second, prev_hash=some_hash("p"), entry_hash=some_hash("e"))
        update_entry(owner, first, **{column: b[column] for column in moved})
        update_entry(owner, second, **{column: a[column] for column in moved})
        set_chain_head(owner)
    assert_detected(log, first, "reordered")


@POSTGRES_ONLY
@pytest.mark.parametrize("seq", [18, HEAD_SEQ])
def test_a_duplicated_entry_is_duplicated(log: Log, seq: int) -> None:
    with as_database_owner(log, how="disable_trigger") as owner:
        drop_entry_constraints(
            owner, "pk_audit_entries", "uq_audit_entries_prev_hash", "uq_audit_entries_entry_hash"
        )
        owner.execute(
            text("INSERT INTO audit_entries SELECT * FROM audit_entries WHERE seq = :s"), {"s": seq}
        )
        copies = owner.execute(
            text("SELECT count(*) FROM audit_entries WHERE seq = :s"), {"s": seq}
        ).scalar_one()
        assert copies == 2
    assert_detected(log, seq, "duplicated")


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        # The whole chain from `start` to the end, consistently re-hashed.
        pytest.param(1, None, (CHECKPOINT_SEQ, "rewritten"), id="all-from-1"),
        pytest.param(12, None, (CHECKPOINT_SEQ, "rewritten"), id="from-12"),
        pytest.param(CHECKPOINT_SEQ, None, (CHECKPOINT_SEQ, "rewritten"), id="from-checkpoint"),
        # Only a stretch, the entries after it left alone: the seam shows.
        pytest.param(20, 20, (20, "altered"), id="only-20"),
        pytest.param(12, 14, (14, "altered"), id="12-to-14"),
        pytest.param(CHECKPOINT_SEQ, CHECKPOINT_SEQ, (15, "rewritten"), id="only-checkpoint"),
        pytest.param(24, 24, (25, "inserted"), id="only-the-one-before-last"),
    ],
)
def test_a_consistent_rewrite_is_caught_at_the_right_seq(
    log: Log, start: int, stop: int | None, expected: tuple[int, str]
) -> None:
    """docs/audit-log.md 6.4: a rewrite up to the end is `rewritten` at the first checkpoint at
    or after it; a stretch re-hashed in place is `altered` where it meets the untouched entry
    after it (rule 5d), or `inserted` when that entry is the last (nothing vouches for either)."""
    with as_database_owner(log) as owner:
        rewrite_chain(owner, start, stop=stop)
    assert_detected(log, *expected)


@pytest.mark.parametrize("start", [CHECKPOINT_SEQ + 1, 20, HEAD_SEQ])
def test_a_consistent_rewrite_after_the_last_checkpoint_is_not_detected(
    log: Log, start: int
) -> None:
    """KNOWN LIMIT: SHA-256 has no secret, so entries after the last signed checkpoint can be
    rewritten consistently; the chain verifies, only its head hash differs from before."""
    with as_database_owner(log) as owner:
        new_head = rewrite_chain(owner, start)
    assert new_head != log.hashes[HEAD_SEQ]
    assert assert_verifies(log, HEAD_SEQ, 1) == new_head


def _forged_signature(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "signature": secrets.token_bytes(64)}


@pytest.mark.parametrize(
    ("change", "expected_seq"),
    [
        pytest.param("new-row-at-20", 20, id="new-row-after-checkpoint"),
        pytest.param("new-row-at-5", 5, id="new-row-before-checkpoint"),
        pytest.param("new-row-at-40", 40, id="new-row-beyond-head"),
        pytest.param("stored-hash-changed", CHECKPOINT_SEQ, id="stored-hash-changed"),
        pytest.param("rewrite-and-repoint", CHECKPOINT_SEQ, id="rewrite-and-repoint"),
    ],
)
def test_a_forged_checkpoint_row_is_a_bad_signature(
    log: Log, change: str, expected_seq: int
) -> None:
    """Checkpoint rows the owner adds or edits cannot carry a valid signature."""
    with as_database_owner(log) as owner:
        stored = stored_checkpoint_row(owner)
        if change.startswith("new-row-at-"):
            seq = int(change.rsplit("-", 1)[1])
            row = _forged_signature(stored)
            row.update(seq=seq, entry_hash=log.hashes.get(seq, some_hash("future")))
            del row["id"]
            owner.execute(
                text(
                    "INSERT INTO audit_checkpoints (seq, entry_hash, signed_at, key_id, signature)"
                    " VALUES (:seq, :entry_hash, :signed_at, :key_id, :signature)"
                ),
                row,
            )
        else:
            new_hash = some_hash("other")
            if change == "rewrite-and-repoint":
                rewrite_chain(owner, 12)
                new_hash = owner.execute(
                    text("SELECT entry_hash FROM audit_entries WHERE seq = :s"),
                    {"s": CHECKPOINT_SEQ},
                ).scalar_one()
            owner.execute(text("UPDATE audit_checkpoints SET entry_hash = :h"), {"h": new_hash})
    assert_detected(log, expected_seq, "bad_signature")


def test_a_checkpoint_signed_with_a_planted_key_needs_the_pinned_key(log: Log) -> None:
    """The owner rewrites from seq 12, removes the real checkpoint, plants a key of their own in
    audit_keys and signs a checkpoint for the rewritten seq 15. Trusting the keys stored in the
    database (or listed in the export) that passes; pinning the department's published key
    (`--public-key`) it is `bad_signature` at 15: always verify with the pinned key."""
    attacker = Ed25519PrivateKey.generate()
    raw = attacker.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    with as_database_owner(log) as owner:
        rewrite_chain(owner, 12)
        new_hash = owner.execute(
            text("SELECT entry_hash FROM audit_entries WHERE seq = :s"), {"s": CHECKPOINT_SEQ}
        ).scalar_one()
        checkpoint = sign_checkpoint(
            attacker, CHECKPOINT_SEQ, new_hash, format_time(datetime.now(UTC))
        )
        owner.execute(text("DELETE FROM audit_checkpoints"))
        owner.execute(
            text("INSERT INTO audit_keys (key_id, public_key, first_used_at) VALUES (:k, :p, :t)"),
            {"k": checkpoint.key_id, "p": raw, "t": datetime.now(UTC)},
        )
        owner.execute(
            text(
                "INSERT INTO audit_checkpoints (seq, entry_hash, signed_at, key_id, signature)"
                " VALUES (:s, :h, :t, :k, :sig)"
            ),
            {
                "s": checkpoint.seq,
                "h": checkpoint.entry_hash,
                "t": checkpoint.signed_at,
                "k": checkpoint.key_id,
                "sig": checkpoint.signature,
            },
        )
    assert_verifies(log, HEAD_SEQ, 1)  # self-consistent: what an unpinned verifier sees
    pinned = ("--public-key", str(log.public_key))
    seen = assert_detected(
        log, CHECKPOINT_SEQ, "bad_signature", cli_args=pinned, offline_args=pinned
    )
    assert "unknown key" in seen.cli


def test_after_a_key_rotation_the_log_verifies_pinned_to_both_published_keys(log: Log) -> None:
    """audit_keys keeps old public keys "so old checkpoints verify after a key change"; an
    auditor holding both published keys must be able to pin both."""
    rotated = log.tmp_path / "rotated-key.pem"
    generate_keypair(rotated)
    log.app.config["WORKFLOW_AUDIT_KEY"] = str(rotated)
    signed = log.app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert signed.exit_code == 0, signed.output
    pinned = (
        *("--public-key", str(log.public_key)),
        *("--public-key", str(rotated.with_name(rotated.name + ".pub"))),
    )
    assert_verifies(log, HEAD_SEQ, 2, cli_args=pinned, offline_args=pinned)


@pytest.fixture
def kept_checkpoint(log: Log) -> tuple[Path, str]:
    """`flask audit checkpoint --out FILE` at the head (seq 25): the auditor keeps FILE; also
    returned as the export line an auditor appends to an export before checking it offline."""
    path = log.tmp_path / "kept-checkpoint.json"
    signed = log.app.test_cli_runner().invoke(args=["audit", "checkpoint", "--out", str(path)])
    assert signed.exit_code == 0, signed.output
    assert signed.output.startswith(f"checkpoint: seq {HEAD_SEQ} hash {log.hashes[HEAD_SEQ]} ")
    document = json.loads(path.read_text())
    assert document["key_id"] == key_id(load_public_key(log.public_key))
    line = json.dumps({key: value for key, value in document.items() if key != "public_key_b64"})
    return path, line


def _delete_stored_checkpoints(owner: Connection) -> None:
    owner.execute(text("DELETE FROM audit_checkpoints"))
    owner.execute(text("DELETE FROM audit_keys"))


def test_a_kept_checkpoint_catches_a_rewrite_whose_stored_checkpoints_were_deleted(
    log: Log, kept_checkpoint: tuple[Path, str]
) -> None:
    path, line = kept_checkpoint
    with as_database_owner(log) as owner:
        rewrite_chain(owner, 12)
        _delete_stored_checkpoints(owner)
    # What the database alone proves now: nothing (no checkpoint is left to contradict it).
    assert_verifies(log, HEAD_SEQ, 0)
    pinned = ("--public-key", str(log.public_key))
    assert_detected(
        log,
        HEAD_SEQ,
        "rewritten",
        cli_args=("--checkpoint", str(path)),
        offline_args=pinned,
        extra_export_lines=(line,),
    )
    assert_detected(
        log,
        HEAD_SEQ,
        "rewritten",
        cli_args=("--checkpoint", str(path), *pinned),
        offline_args=pinned,
        extra_export_lines=(line,),
    )


def test_a_kept_checkpoint_catches_a_cut_whose_stored_checkpoints_were_deleted(
    log: Log, kept_checkpoint: tuple[Path, str]
) -> None:
    path, line = kept_checkpoint
    with as_database_owner(log) as owner:
        owner.execute(text("DELETE FROM audit_entries WHERE seq >= 20"))
        set_chain_head(owner)
        _delete_stored_checkpoints(owner)
    assert_verifies(log, 19, 0)
    assert_detected(
        log,
        HEAD_SEQ,
        "truncated",
        cli_args=("--checkpoint", str(path)),
        offline_args=("--public-key", str(log.public_key)),
        extra_export_lines=(line,),
    )


# --- random edits ------------------------------------------------------------------------------

SEQS = st.integers(1, HEAD_SEQ)
EDITS = st.one_of(
    st.tuples(st.just("flip_body_byte"), SEQS, st.integers(0, 2**16), st.integers(1, 255)),
    st.tuples(st.just("replace_entry_hash"), SEQS, st.text(min_size=1, max_size=8)),
    st.tuples(st.just("replace_prev_hash"), SEQS, st.text(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), SEQS),
    st.tuples(st.just("cut_tail"), SEQS),
    st.tuples(st.just("swap"), SEQS, SEQS).filter(lambda edit: edit[1] != edit[2]),
    st.tuples(st.just("rewrite_from"), SEQS),
)


def expected_outcome(edit: tuple[Any, ...]) -> tuple[str, int]:
    """(kind, seq) of the problem, or ("ok", count) for an undetectable change at the tail."""
    operation, seq = edit[0], edit[1]
    if operation in ("flip_body_byte", "replace_entry_hash", "replace_prev_hash"):
        return "altered", seq
    if operation == "swap":
        return "reordered", min(edit[1], edit[2])
    if operation == "delete" and seq < HEAD_SEQ:
        return "missing", seq
    if operation in ("delete", "cut_tail"):
        return ("truncated", CHECKPOINT_SEQ) if seq <= CHECKPOINT_SEQ else ("ok", seq - 1)
    assert operation == "rewrite_from"
    return ("rewritten", CHECKPOINT_SEQ) if seq <= CHECKPOINT_SEQ else ("ok", HEAD_SEQ)


def apply_edit(owner: Connection, edit: tuple[Any, ...]) -> None:
    operation, seq = edit[0], edit[1]
    if operation == "flip_body_byte":
        body = bytearray(entry_row(owner, seq)["body"])
        body[edit[2] % len(body)] ^= edit[3]
        update_entry(owner, seq, body=bytes(body))
    elif operation == "replace_entry_hash":
        update_entry(owner, seq, entry_hash=some_hash(f"entry {edit[2]}"))
    elif operation == "replace_prev_hash":
        update_entry(owner, seq, prev_hash=some_hash(f"prev {edit[2]}"))
    elif operation == "delete":
        owner.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": seq})
    elif operation == "cut_tail":
        owner.execute(text("DELETE FROM audit_entries WHERE seq >= :s"), {"s": seq})
    elif operation == "swap":
        first, second = sorted(edit[1:3])
        a, b = entry_row(owner, first), entry_row(owner, second)
        moved = ("body", "prev_hash", "entry_hash")
        update_entry(owner, second, prev_hash=some_hash("p"), entry_hash=some_hash("e"))
        update_entry(owner, first, **{column: b[column] for column in moved})
        update_entry(owner, second, **{column: a[column] for column in moved})
    else:
        rewrite_chain(owner, seq)


@pytest.fixture
def pristine_rows(log: Log) -> list[dict[str, Any]]:
    """Every stored entry row as built, to put back before each hypothesis example."""
    engine = create_engine(log.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT * FROM audit_entries ORDER BY seq"))
            return [dict(row) for row in rows.mappings()]
    finally:
        engine.dispose()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edit=EDITS)
def test_random_edits_of_stored_rows_are_found_at_the_right_seq(
    log: Log, pristine_rows: list[dict[str, Any]], edit: tuple[Any, ...]
) -> None:
    """One random owner edit per example, on the same database: the original rows are put back
    before each. Every edit is reported with the expected kind and seq, except a cut or rewrite
    after the checkpoint, which verifies (the documented limit) with the expected count."""
    with as_database_owner(log) as owner:
        owner.execute(text("DELETE FROM audit_entries"))
        columns = ", ".join(pristine_rows[0])
        values = ", ".join(f":{column}" for column in pristine_rows[0])
        owner.execute(
            text(f"INSERT INTO audit_entries ({columns}) VALUES ({values})"), pristine_rows
        )
        apply_edit(owner, edit)
    kind, seq = expected_outcome(edit)
    if kind == "ok":
        assert_verifies(log, seq, 1)
    else:
        assert_detected(log, seq, kind)


# --- automatic checkpoints -----------------------------------------------------------------------


def _auto_app(database_url: str, folder: Path, **config: object) -> tuple[Flask, Path]:
    key = folder / "auto-key.pem"
    generate_keypair(key)
    settings_ = _app_config(database_url, folder / "instance") | {
        "WORKFLOW_AUDIT_KEY": str(key),
        **config,
    }
    return create_app(settings_), key


def _checkpoint_seqs() -> list[int]:
    return list(db.session.scalars(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.id)))


def _cycle(people: People, times: int, code: str = "4.1.1") -> None:
    """`times` actions on an open activity: submit and withdraw in turn (even `times` leaves it
    open again)."""
    for index in range(times):
        action = Action.SUBMIT if index % 2 == 0 else Action.WITHDRAW
        act(people, "officer", code, action)


def test_automatic_checkpoints_every_five_entries(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With WORKFLOW_CHECKPOINT_EVERY_ENTRIES=5, appending signs the head every 5 entries, in
    the appending transaction. The first entry is signed too: no checkpoint yet counts as due
    (the minutes rule, with no time of a last checkpoint), so they fall on seq 1, 6, 11, ..."""
    app, key = _auto_app(
        database_url,
        tmp_path,
        WORKFLOW_CHECKPOINT_EVERY_ENTRIES=5,
        WORKFLOW_CHECKPOINT_EVERY_MINUTES=24 * 60,
    )
    people = seed_people(app)  # seq 1-11
    with app.app_context():
        _cycle(people, 14)  # seq 12-25
        assert _checkpoint_seqs() == [1, 6, 11, 16, 21]
        hashes = dict(db.session.execute(select(AuditEntry.seq, AuditEntry.entry_hash)).all())
        for checkpoint in db.session.scalars(select(AuditCheckpoint)):
            assert checkpoint.entry_hash == hashes[checkpoint.seq]
        head = db.session.get(AuditChainHead, 1)
        assert head is not None and (head.seq, head.last_checkpoint_seq) == (25, 21)

        # The checkpoint due at seq 26 belongs to that entry's transaction: if the action fails
        # after appending, neither the entry nor its checkpoint remains.
        from workflow_app.workflow import operations

        real_append = operations.append_entry

        def append_then_fail(*args: Any, **kwargs: Any) -> NoReturn:
            real_append(*args, **kwargs)
            args[0].flush()
            assert _checkpoint_seqs()[-1] == 26  # signed, inside the transaction
            raise RuntimeError("the process failed after appending")

        monkeypatch.setattr(operations, "append_entry", append_then_fail)
        with pytest.raises(RuntimeError):
            act(people, "officer", "4.1.1", Action.SUBMIT)
        monkeypatch.undo()
        db.session.remove()
        assert _checkpoint_seqs() == [1, 6, 11, 16, 21]
        head = db.session.get(AuditChainHead, 1)
        assert head is not None and (head.seq, head.last_checkpoint_seq) == (25, 21)
        act(people, "officer", "4.1.1", Action.SUBMIT)
        assert _checkpoint_seqs() == [1, 6, 11, 16, 21, 26]
        db.session.remove()

    public = key.with_name(key.name + ".pub")
    verified = app.test_cli_runner().invoke(args=["audit", "verify", "--public-key", str(public)])
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith("OK: 26 entries, head seq 26 hash ")
    assert verified.output.rstrip().endswith(", 6 checkpoints verified")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Clock:
    """A settable UTC clock that moves on by one millisecond per reading."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def test_automatic_checkpoints_every_n_minutes(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr("workflow_app.audit.append.utcnow", clock)
    monkeypatch.setattr("workflow_app.audit.checkpoints.utcnow", clock)
    app, _ = _auto_app(
        database_url,
        tmp_path,
        WORKFLOW_CHECKPOINT_EVERY_ENTRIES=1000,
        WORKFLOW_CHECKPOINT_EVERY_MINUTES=30,
    )
    people = seed_people(app)
    with app.app_context():
        _cycle(people, 4)  # seq 12-15, all within a minute of the first
        assert _checkpoint_seqs() == [1]
        clock.now += timedelta(minutes=29, seconds=59)
        act(people, "officer", "4.1.1", Action.SUBMIT)  # seq 16: 29:59.9 later, not yet due
        assert _checkpoint_seqs() == [1]
        clock.now += timedelta(seconds=1)
        act(people, "officer", "4.1.1", Action.WITHDRAW)  # seq 17: due
        act(people, "officer", "4.1.1", Action.SUBMIT)  # seq 18: not
        assert _checkpoint_seqs() == [1, 17]
        db.session.remove()
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert verified.output.rstrip().endswith(", 2 checkpoints verified")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- Unicode and time, byte-exact on both databases ----------------------------------------------

# Thai with stacked combining marks (ผู้ ปั๋ว ก๊ก), Thai digits, SARA AM (kept, not decomposed by
# any normalisation), a decomposed é, emoji with skin tone, ZWJ sequences and a flag, a character
# outside the BMP, U+2028, a line break, a tab, and the two characters JSON escapes.
THAI_NARRATIVE = (
    "ผู้ใหญ่บ้านจัดประชุมชี้แจง ๓ ครั้ง ณ ที่ทำการ “อบต.” น้ำ ก๊ก ปั๋ว ฤๅษี — สำเร็จ ✅🙏🏽👩🏽‍💼👨‍👩‍👧🇹🇭\n"
    'บรรทัดที่สอง: e\u0301 กิ\u0e4a \u2028 ต้นฉบับ\tแนบ 𠮷 "อ้างอิง" C:\\รายงาน /ผล'
)
THAI_COMMENT = "โปรดแก้ไขตัวเลข ๑๒๓ ให้ตรงกับรายงาน 🙇‍♀️ ขอบคุณค่ะ"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _raw_entries(url: str, seqs: list[int]) -> dict[int, tuple[bytes, Any]]:
    """Body and recorded_at of some entries, read on a connection outside the ORM."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            listed = ", ".join(str(int(seq)) for seq in seqs)
            rows = connection.execute(
                text(f"SELECT seq, body, recorded_at FROM audit_entries WHERE seq IN ({listed})")
            )
            return {row.seq: (bytes(row.body), row.recorded_at) for row in rows}
    finally:
        engine.dispose()


def _stored_instant(value: Any) -> datetime:
    """recorded_at as a raw connection returns it. PostgreSQL: an aware timestamptz. SQLite has
    no time zone type: the column holds the UTC time as text, always with six fractional
    digits."""
    if isinstance(value, str):
        assert len(value) == len("2025-01-01 00:00:00.000000"), value
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    assert isinstance(value, datetime) and value.tzinfo is not None
    return value.astimezone(UTC)


def test_thai_text_and_emoji_round_trip_byte_exactly(
    app_ctx: Flask, people: People, tmp_path: Path
) -> None:
    submitted = act(
        people,
        "officer",
        "1.1.1",
        Action.SUBMIT,
        narrative=THAI_NARRATIVE,
        files=[pdf("รายงานผลการดำเนินงาน ไตรมาส ๒ 📎.pdf")],
    )
    returned = act(people, "reviewer", "1.1.1", Action.RETURN, comment=THAI_COMMENT)
    db.session.remove()
    expected = {
        submitted.audit_seq: ("narrative", THAI_NARRATIVE),
        returned.audit_seq: ("comment", THAI_COMMENT),
    }
    raw = _raw_entries(app_ctx.config["SQLALCHEMY_DATABASE_URI"], list(expected))
    for seq, (member, value) in expected.items():
        entry = db.session.get(AuditEntry, seq)
        assert entry is not None
        body = bytes(entry.body)
        assert raw[seq][0] == body  # the ORM and a raw connection read the same bytes
        assert chain_hash(entry.prev_hash, body) == entry.entry_hash  # ... the bytes hashed
        document = json.loads(body.decode("utf-8"))
        assert document["payload"][member] == value
        assert canonical_bytes(document) == body
        # Written as itself in UTF-8, not as \u escapes (only " and \ are escaped).
        assert json.dumps(value, ensure_ascii=False).encode("utf-8") in body
    narrative_body = raw[submitted.audit_seq][0]
    assert "\u2028".encode() in narrative_body  # raw, although JavaScript once disallowed it
    assert b"\\u" not in narrative_body  # no \u escapes anywhere: no control characters here
    document = json.loads(narrative_body)
    assert document["payload"]["evidence"][0]["name"] == "รายงานผลการดำเนินงาน ไตรมาส ๒ 📎.pdf"
    submission = db.session.get(Submission, submitted.submission_id)
    assert submission is not None and submission.narrative == THAI_NARRATIVE

    runner = app_ctx.test_cli_runner()
    export = tmp_path / "unicode-export.jsonl"
    assert runner.invoke(args=["audit", "export", "--out", str(export)]).exit_code == 0
    lines = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    exported = {line["seq"]: line for line in lines if line["type"] == "entry"}
    for seq in expected:
        assert base64.b64decode(exported[seq]["body_b64"]) == raw[seq][0]
    assert verify_audit.main([str(export)]) == 0


def test_timestamps_round_trip_to_the_microsecond(
    app_ctx: Flask, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    instants = [
        datetime(2024, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),  # last microsecond of a year
        datetime(2025, 1, 1, 0, 0, 0, 0, tzinfo=UTC),  # .000000 must stay six digits
        datetime(2024, 2, 29, 5, 6, 7, 1, tzinfo=UTC),  # leap day, one microsecond
        # Given with Bangkok's offset: stored and written as the same instant in UTC.
        datetime(2025, 6, 1, 6, 30, 0, 123_456, tzinfo=timezone(timedelta(hours=7))),
    ]
    readings = iter(instants)
    monkeypatch.setattr("workflow_app.audit.append.utcnow", lambda: next(readings))
    outcomes = [act(people, "officer", "1.1.1", Action.SUBMIT)]
    outcomes.append(act(people, "officer", "1.1.1", Action.WITHDRAW))
    outcomes.append(act(people, "officer", "1.1.1", Action.SUBMIT))
    outcomes.append(act(people, "officer", "1.1.1", Action.WITHDRAW))
    monkeypatch.undo()
    outcomes.append(act(people, "officer", "1.1.1", Action.SUBMIT))  # the real clock
    db.session.remove()
    seqs = [outcome.audit_seq for outcome in outcomes]
    raw = _raw_entries(app_ctx.config["SQLALCHEMY_DATABASE_URI"], seqs)
    for index, seq in enumerate(seqs):
        entry = db.session.get(AuditEntry, seq)
        assert entry is not None
        written = json.loads(bytes(entry.body))["time"]
        in_body = datetime.strptime(written, TIME_FORMAT).replace(tzinfo=UTC)
        assert entry.recorded_at == in_body and entry.recorded_at.tzinfo == UTC
        assert format_time(entry.recorded_at) == written
        assert _stored_instant(raw[seq][1]) == in_body
        if index < len(instants):
            assert in_body == instants[index]
            assert written == format_time(instants[index])
        decision = db.session.scalars(
            select(WorkflowDecision).where(WorkflowDecision.audit_seq == seq)
        ).one()
        assert decision.created_at == in_body
    second = db.session.get(AuditEntry, seqs[1])
    assert second is not None
    assert json.loads(bytes(second.body))["time"] == "2025-01-01T00:00:00.000000Z"
