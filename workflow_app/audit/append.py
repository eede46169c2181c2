"""The only writer of the audit log.

Callers pass their session; the entry joins the caller's transaction, so the change and its entry
commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def append_entry(
    session: Session,
    *,
    actor: AuditActor,
    action: str,
    subject: dict[str, Any] | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain inside the caller's open transaction.

    `subject` names what was acted on; its keys plan_id, activity_id, level and submission_id are
    also copied to indexed columns for the auditors' filters.
    """
    subject = dict(subject or {})
    head = session.execute(
        select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
    ).scalar_one()
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
    entry = AuditEntry(
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
        entry_hash=chain_hash(head.entry_hash, body),
    )
    session.add(entry)
    head.seq = seq
    head.entry_hash = entry.entry_hash
    policy = current_policy()
    if policy is not None and policy.due(head, moment):
        session.flush()  # the checkpoint signs an entry that must exist in this transaction
        sign_head(session, head, policy.private_key)
    return entry
