"""Verifying the stored log with the same code auditors run offline (tools/verify_audit.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any, TextIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import LargeBinary, cast, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from tools.verify_audit import (
    Checkpoint,
    EntryRecord,
    EntryRow,
    VerifyReport,
    verify_entries,
    write_export,
)
from workflow_app.audit.canonical import format_time
from workflow_app.audit.checkpoints import stored_checkpoints
from workflow_app.audit.models import AuditEntry, AuditKey
from workflow_app.db import transaction_connection
from workflow_app.models_base import utcnow

# Rows per fetch: the fastest of 1,000-10,000 on PostgreSQL, and about 1 MB held at a time.
_BATCH = 2_000
_cursor_names = itertools.count()


def _entries_sql(dialect: Dialect) -> str:
    # CAST: SQLite would hand back a TEXT value stored in the BLOB column as str, which the hash
    # cannot take; as bytes it is simply an entry that does not verify. A no-op on PostgreSQL.
    statement = select(
        AuditEntry.seq,
        cast(AuditEntry.body, LargeBinary),
        AuditEntry.prev_hash,
        AuditEntry.entry_hash,
    ).order_by(AuditEntry.seq)
    return str(statement.compile(dialect=dialect))


def _streaming_cursor(driver_connection: Any, driver: str) -> Any:
    if driver == "psycopg":
        # Server-side: the server keeps the result and sends a batch per FETCH. Binary: bytea
        # arrives as bytes instead of hex text to decode.
        return driver_connection.cursor(name=f"audit_entries_{next(_cursor_names)}", binary=True)
    # sqlite3, the only other driver (config.py maps PostgreSQL URLs to psycopg): its cursor steps
    # through the result instead of loading it.
    return driver_connection.cursor()


@contextmanager
def entry_rows(session: Session) -> Iterator[Iterator[EntryRow]]:
    """(seq, body, prev_hash, entry_hash) of every entry in seq order, streamed in constant memory
    inside the session's transaction.

    The rows are the driver's own tuples, read through its cursor: an ORM or Core row object per
    entry used to cost more than hashing it (verify_entries takes the tuples as they are).
    """
    connection = transaction_connection(session)
    cursor = _streaming_cursor(connection.connection.driver_connection, connection.dialect.driver)
    try:
        cursor.execute(_entries_sql(connection.dialect))
        # chain + iter(fetchmany, []): the per-row step stays in C, no generator frame per row.
        yield itertools.chain.from_iterable(iter(partial(cursor.fetchmany, _BATCH), []))
    finally:
        cursor.close()


def stream_entries(session: Session) -> Iterator[EntryRecord]:
    """Every entry in seq order, as EntryRecords; memory stays flat for millions of rows."""
    with entry_rows(session) as rows:
        yield from map(EntryRecord._make, rows)


def stored_public_keys(session: Session) -> dict[str, Ed25519PublicKey]:
    return {
        row.key_id: Ed25519PublicKey.from_public_bytes(bytes(row.public_key))
        for row in session.scalars(select(AuditKey))
    }


def verify_log(
    session: Session,
    *,
    extra_checkpoints: Iterable[Checkpoint] = (),
    trusted_keys: Mapping[str, Ed25519PublicKey] | None = None,
) -> VerifyReport:
    """Re-hash the whole log and check every stored checkpoint plus `extra_checkpoints` (kept
    outside the database by the auditor).

    `trusted_keys`, when given, are the only keys accepted (the deployment's own public key): keys
    listed in the database could have been planted together with forged checkpoints.
    """
    keys = dict(trusted_keys) if trusted_keys is not None else stored_public_keys(session)
    checkpoints = [*stored_checkpoints(session), *extra_checkpoints]
    with entry_rows(session) as rows:
        return verify_entries(rows, checkpoints, keys)


def export_log(session: Session, out: TextIO) -> int:
    """Write the JSON Lines export (entries, checkpoints, public keys); returns the entry count."""
    return write_export(
        out,
        entries=stream_entries(session),
        checkpoints=stored_checkpoints(session),
        public_keys=stored_public_keys(session),
        exported_at=format_time(utcnow()),
    )
