"""The only writer of the audit log.

Callers pass their session; the entry joins the caller's transaction, so the change and its entry
commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.audit.canonical import FORMAT_VERSION, canonical_bytes, chain_hash, format_time
from workflow_app.audit.checkpoints import current_policy, sign_head
from workflow_app.audit.models import AuditChainHead, AuditEntry
from workflow_app.models_base import utcnow

if TYPE_CHECKING:
    from workflow_app.accounts.models import User


@dataclass(frozen=True)
class AuditActor:
    """Who acted, as they were at that moment (roles are copied, not referenced)."""

    id: int | None
    username: str
    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, user: User) -> AuditActor:
        grants = sorted(f"{a.role}@{a.unit_id}" for a in user.role_assignments)
        return cls(id=user.id, username=user.username, roles=tuple(grants))

    @classmethod
    def system(cls, name: str) -> AuditActor:
        return cls(id=None, username=f"system:{name}")


@dataclass(frozen=True)
class AppendedEntry:
    seq: int
    recorded_at: datetime
    entry_hash: str


_HEAD = AuditChainHead.__table__
# Built once and run with parameters: every change in the application appends through these.
_LOCK_HEAD = (
    select(_HEAD.c.seq, _HEAD.c.entry_hash, _HEAD.c.last_checkpoint_seq, _HEAD.c.last_checkpoint_at)
    .where(_HEAD.c.id == 1)
    .with_for_update()
)
_INSERT_ENTRY = AuditEntry.__table__.insert()


def append_entry(
    session: Session,
    *,
    actor: AuditActor,
    action: str,
    subject: dict[str, Any] | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    payload: dict[str, Any] | None = None,
) -> AppendedEntry:
    """Append one entry to the chain inside the caller's open transaction.

    `subject` names what was acted on; its keys plan_id, activity_id, level and submission_id are
    also copied to indexed columns for the auditors' filters.
    """
    session.flush()  # the caller's pending rows first: the entry names their ids
    subject = dict(subject or {})
    conn = session.connection()
    head = conn.execute(_LOCK_HEAD).one()
    seq = head.seq + 1
    moment = utcnow()
    document = {
        "v": FORMAT_VERSION,
        "seq": seq,
        "time": format_time(moment),
        "actor": {"id": actor.id, "username": actor.username, "roles": list(actor.roles)},
        "action": action,
        "subject": subject,
        "from_state": from_state,
        "to_state": to_state,
        "payload": payload or {},
        "prev": head.entry_hash,
    }
    body = canonical_bytes(document)
    entry_hash = chain_hash(head.entry_hash, body)
    conn.execute(
        _INSERT_ENTRY,
        dict(
            seq=seq,
            recorded_at=moment,
            actor_id=actor.id,
            actor_username=actor.username,
            action=action,
            plan_id=subject.get("plan_id"),
            activity_id=subject.get("activity_id"),
            level=subject.get("level"),
            submission_id=subject.get("submission_id"),
            body=body,
            prev_hash=head.entry_hash,
            entry_hash=entry_hash,
        ),
    )
    # No UPDATE of the head here: a trigger moves it to each inserted entry (migration 0006).
    policy = current_policy()
    if policy is not None and policy.due(
        seq=seq,
        last_seq=head.last_checkpoint_seq,
        last_at=head.last_checkpoint_at,
        moment=moment,
    ):
        sign_head(session, seq, entry_hash, policy.private_key)
    return AppendedEntry(seq=seq, recorded_at=moment, entry_hash=entry_hash)
