"""Audit entries as stored: the canonical bytes that were hashed, plus indexed copies for search."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.db import Base
from workflow_app.models_base import UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One entry. `body` holds the canonical JSON exactly as hashed; the other columns repeat
    fields of it for filtering and are never trusted by verification."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_activity_seq", "activity_id", "seq"),
        Index("ix_audit_entries_actor_seq", "actor_id", "seq"),
        Index("ix_audit_entries_action_seq", "action", "seq"),
        Index("ix_audit_entries_plan_seq", "plan_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_username: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    plan_id: Mapped[int | None] = mapped_column(Integer)
    activity_id: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[int | None] = mapped_column(Integer)
    submission_id: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # Unique previous hash: two appenders that raced past the head lock would fork the chain;
    # the constraint makes that fail loudly instead.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(Base):
    """A single row (id 1) locked by every appender: it serialises appends across processes.
    A trigger on audit_entries keeps its seq and hash at the newest entry (migration 0006)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    entry_hash: Mapped[str] = mapped_column(String(64))
    # When the last checkpoint was signed: automatic checkpoints are due every N entries or minutes.
    last_checkpoint_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_checkpoint_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditCheckpoint(Base):
    """A signed statement "the log had this head": seq, hash and time, signed with Ed25519 by a
    key kept outside the database. Append-only like the entries."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[str] = mapped_column(String(32))  # the exact text that was signed
    key_id: Mapped[str] = mapped_column(String(16), ForeignKey("audit_keys.key_id"))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class AuditKey(Base):
    """Public keys that have signed checkpoints, so old checkpoints verify after a key change."""

    __tablename__ = "audit_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # raw 32-byte Ed25519 key
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime())
