"""Verifying the stored log with the same code auditors run offline (tools/verify_audit.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TextIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.verify_audit import (
    Checkpoint,
    EntryRecord,
    VerifyReport,
    verify_entries,
    write_export,
)
from workflow_app.audit.canonical import format_time
from workflow_app.audit.checkpoints import stored_checkpoints
from workflow_app.audit.models import AuditEntry, AuditKey
from workflow_app.models_base import utcnow

_BATCH = 5_000


def stream_entries(session: Session) -> Iterator[EntryRecord]:
    """Every entry in seq order, fetched in batches: memory stays flat for millions of rows."""
    result = session.execute(
        select(AuditEntry.seq, AuditEntry.body, AuditEntry.prev_hash, AuditEntry.entry_hash)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=_BATCH)
    )
    for seq, body, prev_hash, entry_hash in result:
        yield EntryRecord(seq, bytes(body), prev_hash, entry_hash)


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
    return verify_entries(stream_entries(session), checkpoints, keys)


def export_log(session: Session, out: TextIO) -> int:
    """Write the JSON Lines export (entries, checkpoints, public keys); returns the entry count."""
    return write_export(
        out,
        entries=stream_entries(session),
        checkpoints=stored_checkpoints(session),
        public_keys=stored_public_keys(session),
        exported_at=format_time(utcnow()),
    )
