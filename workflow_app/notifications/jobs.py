"""The notification jobs the outbox worker runs.

- `notify.transition` (recorded by a transition): who is to be told, from the worklist as it
  stands; one `mail.send` job each, in one transaction with marking this one done, so a worker
  killed half-way leaves nothing half-queued (the e-mail jobs are idempotent by key).
- `mail.send`: one message, sent over SMTP outside any transaction, then marked done.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from state_machines import Action
from workflow_app.db import write_transaction
from workflow_app.notifications.mailer import MailSettings, build_message, send_message
from workflow_app.notifications.messages import transition_message
from workflow_app.notifications.recipients import NEXT_ROLE, transition_recipients
from workflow_app.notifications.recording import TRANSITION_JOB
from workflow_app.ops.request_log import log_event
from workflow_app.outbox.queue import ClaimedJob, complete, enqueue
from workflow_app.outbox.worker import Handler
from workflow_app.plans.models import Activity

MAIL_JOB = "mail.send"


def queue_mail(
    session: Session,
    settings: MailSettings,
    *,
    to: str,
    subject: str,
    body: str,
    purpose: str,
    dedupe_key: str,
) -> bool:
    """One e-mail job, inside the caller's transaction; its Message-ID is fixed now. False
    when a job with this key exists already."""
    return enqueue(
        session,
        MAIL_JOB,
        {
            "to": to,
            "subject": subject,
            "body": body,
            "message_id": settings.new_message_id(),
            "purpose": purpose,
        },
        dedupe_key=dedupe_key,
    )


def _settings() -> MailSettings:
    settings = MailSettings.from_config(current_app.config)
    if settings is None:
        raise RuntimeError("MAIL_SERVER is not set: notifications are off")
    return settings


_ACTIVITY = select(Activity).options(joinedload(Activity.plan))


def expand_transition(session: Session, job: ClaimedJob) -> None:
    settings = _settings()
    payload = job.payload
    action = Action(payload["action"])
    with write_transaction(session):
        activity = session.scalar(_ACTIVITY.where(Activity.id == payload["activity_id"]))
        recipients = []
        if activity is not None and (
            action not in NEXT_ROLE or activity.version == payload["version"]
        ):
            recipients = transition_recipients(
                session,
                activity.id,
                action,
                payload["submitted_by"],
                payload["actor_id"],
            )
        elif activity is not None:
            # The activity moved on before anyone was asked to act: the request is stale.
            log_event("notification_superseded", audit_seq=payload["audit_seq"])
        if activity is not None and recipients:
            subject, body = transition_message(
                action, activity, payload["level"], payload["comment"]
            )
            for user in recipients:
                queue_mail(
                    session,
                    settings,
                    to=user.email or "",
                    subject=subject,
                    body=body,
                    purpose=f"workflow.{action.value}",
                    dedupe_key=f"mail:transition:{payload['audit_seq']}:{user.id}",
                )
        complete(session, job.id)


def send_mail(session: Session, job: ClaimedJob) -> None:
    settings = _settings()
    payload = job.payload
    message = build_message(
        settings, payload["to"], payload["subject"], payload["body"], payload["message_id"]
    )
    session.rollback()  # no transaction may stay open while the server is slow
    send_message(settings, message)
    with write_transaction(session):
        complete(session, job.id)
    log_event("notification_sent", purpose=payload.get("purpose"), job=job.id)


HANDLERS: dict[str, Handler] = {TRANSITION_JOB: expand_transition, MAIL_JOB: send_mail}
