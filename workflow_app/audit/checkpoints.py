"""Signed checkpoints of the chain head: taken on demand and automatically every N entries or
minutes, inside the transaction that holds the head lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tools.verify_audit import Checkpoint, key_id
from workflow_app.audit.canonical import format_time
from workflow_app.audit.models import AuditChainHead, AuditCheckpoint, AuditKey
from workflow_app.audit.signing import load_private_key, sign_checkpoint
from workflow_app.db import write_transaction
from workflow_app.models_base import utcnow

EXTENSION_KEY = "audit_checkpoint_policy"


@dataclass(frozen=True)
class CheckpointPolicy:
    private_key: Ed25519PrivateKey
    every_entries: int
    every_minutes: int

    def due(self, *, seq: int, last_seq: int, last_at: datetime | None, moment: datetime) -> bool:
        """Is a checkpoint due with the head at `seq`, the last one at `last_seq`/`last_at`?"""
        if seq - last_seq >= self.every_entries:
            return True
        return last_at is None or moment - last_at >= timedelta(minutes=self.every_minutes)


def load_policy(key_path: str, every_entries: int, every_minutes: int) -> CheckpointPolicy:
    path = Path(key_path)
    if not path.is_file():
        raise RuntimeError(
            f"WORKFLOW_AUDIT_KEY={key_path} does not exist; create one with "
            "`flask --app workflow_app audit keygen PATH`"
        )
    return CheckpointPolicy(load_private_key(path), every_entries, every_minutes)


def current_policy() -> CheckpointPolicy | None:
    if not has_app_context():
        return None
    policy: CheckpointPolicy | None = current_app.extensions.get(EXTENSION_KEY)
    return policy


def sign_head(
    session: Session, seq: int, entry_hash: str, private_key: Ed25519PrivateKey
) -> Checkpoint:
    """Sign the head (`seq`, `entry_hash`; the caller holds its lock) and store the checkpoint;
    the caller's transaction commits it."""
    moment = utcnow()
    checkpoint = sign_checkpoint(private_key, seq, entry_hash, format_time(moment))
    if session.get(AuditKey, checkpoint.key_id) is None:
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        session.add(AuditKey(key_id=checkpoint.key_id, public_key=raw, first_used_at=moment))
        session.flush()
    session.add(
        AuditCheckpoint(
            seq=checkpoint.seq,
            entry_hash=checkpoint.entry_hash,
            signed_at=checkpoint.signed_at,
            key_id=checkpoint.key_id,
            signature=checkpoint.signature,
        )
    )
    session.execute(
        update(AuditChainHead.__table__)
        .where(AuditChainHead.__table__.c.id == 1)
        .values(last_checkpoint_seq=seq, last_checkpoint_at=moment)
    )
    return checkpoint


def take_checkpoint(session: Session, private_key: Ed25519PrivateKey) -> Checkpoint | None:
    """Sign the current head now (None when the log is still empty)."""
    with write_transaction(session):
        head = session.execute(
            select(AuditChainHead.seq, AuditChainHead.entry_hash)
            .where(AuditChainHead.id == 1)
            .with_for_update()
        ).one()
        if head.seq == 0:
            return None
        return sign_head(session, head.seq, head.entry_hash, private_key)


def stored_checkpoints(session: Session) -> list[Checkpoint]:
    rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
    return [
        Checkpoint(
            seq=row.seq,
            entry_hash=row.entry_hash,
            signed_at=row.signed_at,
            key_id=row.key_id,
            signature=bytes(row.signature),
        )
        for row in rows
    ]


__all__ = ["CheckpointPolicy", "key_id", "load_policy", "sign_head", "take_checkpoint"]
