"""The chain head as it stands: the last entry's seq and hash (seq 0 and the genesis hash for an
empty log). Appenders read it under a lock (`append`); everyone else reads it here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from workflow_app.audit.models import GENESIS_HASH, AuditChainHead


@dataclass(frozen=True)
class ChainHead:
    seq: int
    entry_hash: str


# Plain columns, not the ORM row: an identity-mapped head could be stale.
_HEAD = select(AuditChainHead.seq, AuditChainHead.entry_hash).where(AuditChainHead.id == 1)


def read_head(db: Session | Connection) -> ChainHead:
    row = db.execute(_HEAD).first()
    return ChainHead(0, GENESIS_HASH) if row is None else ChainHead(row.seq, row.entry_hash)
