"""The chain as auditors see it: its head (the last seq and hash) and the last signed checkpoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow_app.audit.canonical import format_time
from workflow_app.audit.head import read_head
from workflow_app.audit.models import AuditCheckpoint, AuditEntry
from workflow_app.auditors.entries import parse_body_time


@dataclass(frozen=True)
class CheckpointInfo:
    seq: int
    entry_hash: str
    signed_at: str  # the exact signed text, `YYYY-MM-DDTHH:MM:SS.ffffffZ`
    key_id: str

    @property
    def signed_at_time(self) -> datetime | None:
        return parse_body_time(self.signed_at)

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
        }


@dataclass(frozen=True)
class Head:
    seq: int
    entry_hash: str
    recorded_at: datetime | None
    last_checkpoint: CheckpointInfo | None
    checkpoint_count: int

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "recorded_at": format_time(self.recorded_at) if self.recorded_at else None,
            "last_checkpoint": self.last_checkpoint.as_json() if self.last_checkpoint else None,
            "checkpoint_count": self.checkpoint_count,
        }


def head(session: Session) -> Head:
    """The chain head as the appenders keep it, and the highest signed checkpoint."""
    seq, entry_hash = (chain := read_head(session)).seq, chain.entry_hash
    recorded_at = (
        session.scalar(select(AuditEntry.recorded_at).where(AuditEntry.seq == seq)) if seq else None
    )
    checkpoint = session.scalar(
        select(AuditCheckpoint)
        .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
        .limit(1)
    )
    # One checkpoint per thousand entries or per hour: counting them stays cheap.
    total = session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0
    return Head(
        seq=seq,
        entry_hash=entry_hash,
        recorded_at=recorded_at,
        last_checkpoint=None
        if checkpoint is None
        else CheckpointInfo(
            seq=checkpoint.seq,
            entry_hash=checkpoint.entry_hash,
            signed_at=checkpoint.signed_at,
            key_id=checkpoint.key_id,
        ),
        checkpoint_count=int(total),
    )
