"""What administrators do with undelivered e-mail: send it again (an audited change)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workflow_app.audit.append import AuditActor, append_entry
from workflow_app.db import write_transaction
from workflow_app.notifications.jobs import MAIL_JOB
from workflow_app.outbox.models import OutboxJob
from workflow_app.outbox.queue import requeue


class NotificationError(ValueError):
    """The change was refused; nothing was written."""


def requeue_undelivered(session: Session, job_id: int, *, actor: AuditActor) -> int:
    """Queue a failed e-mail again with fresh attempts; returns the audit entry's seq."""
    with write_transaction(session):
        job = session.get(OutboxJob, job_id)
        if job is None or job.kind != MAIL_JOB or not requeue(session, job_id):
            raise NotificationError("there is no undelivered e-mail with this number")
        entry = append_entry(
            session,
            actor=actor,
            action="notification.requeue",
            payload={
                "job_id": job_id,
                "to": job.payload.get("to"),
                "subject": job.payload.get("subject"),
                "last_error": job.last_error,
            },
        )
        return entry.seq
