"""What the outbox worker does for notifications.

- `feed_transitions`: reads the workflow decisions the engine committed since the last time (in
  audit order, after the `notifications` cursor) and, for each one anybody hears of, queues one
  e-mail job per recipient (from the worklist), in the transaction that moves the cursor on.
  A transition thus writes nothing for its notifications: its decision row is the record.
- `send_mail` (jobs of kind `mail.send`): one message, sent over SMTP outside any transaction,
  then marked done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from state_machines import Action
from workflow_app.db import write_transaction
from workflow_app.models_base import utcnow
from workflow_app.notifications.mailer import MailSettings, build_message, send_message
from workflow_app.notifications.messages import transition_message
from workflow_app.notifications.recipients import NEXT_ROLE, transition_recipients
from workflow_app.ops.request_log import log_event
from workflow_app.outbox.cursors import advance
from workflow_app.outbox.queue import ClaimedJob, complete, enqueue
from workflow_app.outbox.worker import Feeder, Handler
from workflow_app.plans.models import Activity
from workflow_app.workflow.models import Submission, WorkflowDecision

MAIL_JOB = "mail.send"
CURSOR = "notifications"
BATCH = 100
NOTIFIED_ACTIONS = frozenset(
    action.value for action in (Action.SUBMIT, Action.FORWARD, Action.RETURN, Action.APPROVE)
)


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


@dataclass(frozen=True)
class Decided:
    """A committed workflow decision, as notifications read it."""

    audit_seq: int
    activity_id: int
    action: str
    level: int
    actor_id: int
    comment: str
    at: datetime
    submitted_by: int | None


_DECISIONS_AFTER = (
    select(
        WorkflowDecision.audit_seq,
        WorkflowDecision.activity_id,
        WorkflowDecision.action,
        WorkflowDecision.level,
        WorkflowDecision.actor_id,
        WorkflowDecision.comment,
        WorkflowDecision.created_at,
        Submission.submitted_by_id,
    )
    .outerjoin(Submission, Submission.id == WorkflowDecision.submission_id)
    .where(WorkflowDecision.audit_seq > bindparam("position"))
    .order_by(WorkflowDecision.audit_seq)
    .limit(BATCH)
)
# Something happened on the activity after this decision: asking anyone to act on it is stale.
_LATER = select(WorkflowDecision.id).where(
    WorkflowDecision.activity_id == bindparam("activity_id"),
    WorkflowDecision.audit_seq > bindparam("seq"),
)
_ACTIVITY = (
    select(Activity)
    .where(Activity.id == bindparam("activity_id"))
    .options(joinedload(Activity.plan))
)


def _read(session: Session, position: int) -> list[Decided]:
    return [Decided(*row) for row in session.execute(_DECISIONS_AFTER, {"position": position})]


def _announce(session: Session, decided: Decided) -> None:
    """Queue the e-mails one decision calls for (none for most)."""
    settings = MailSettings.from_config(current_app.config)
    if settings is None or decided.action not in NOTIFIED_ACTIONS:
        return
    max_age = timedelta(hours=float(current_app.config["WORKFLOW_NOTIFY_MAX_AGE_HOURS"]))
    if decided.at < utcnow() - max_age:
        log_event("notification_too_old", audit_seq=decided.audit_seq)
        return  # the digest says what still waits; a days-old "please review" would mislead
    action = Action(decided.action)
    params = {"activity_id": decided.activity_id, "seq": decided.audit_seq}
    if action in NEXT_ROLE and session.scalar(_LATER.limit(1), params) is not None:
        log_event("notification_superseded", audit_seq=decided.audit_seq)
        return
    activity = session.scalar(_ACTIVITY, {"activity_id": decided.activity_id})
    if activity is None:
        return
    recipients = transition_recipients(
        session, activity.id, action, decided.submitted_by, decided.actor_id
    )
    if not recipients:
        return
    subject, body = transition_message(action, activity, decided.level, decided.comment)
    for user in recipients:
        queue_mail(
            session,
            settings,
            to=user.email or "",
            subject=subject,
            body=body,
            purpose=f"workflow.{action.value}",
            dedupe_key=f"mail:transition:{decided.audit_seq}:{user.id}",
        )


def feed_transitions(session: Session) -> int:
    """Turn the decisions committed since the last call into e-mail jobs; how many were read."""
    return advance(session, CURSOR, _read, _announce, lambda decided: decided.audit_seq)


def send_mail(session: Session, job: ClaimedJob) -> None:
    settings = MailSettings.from_config(current_app.config)
    if settings is None:
        raise RuntimeError("MAIL_SERVER is not set: notifications are off")
    payload = job.payload
    message = build_message(
        settings, payload["to"], payload["subject"], payload["body"], payload["message_id"]
    )
    session.rollback()  # no transaction may stay open while the server is slow
    send_message(settings, message)
    with write_transaction(session):
        complete(session, job.id)
    log_event("notification_sent", purpose=payload.get("purpose"), job=job.id)


HANDLERS: dict[str, Handler] = {MAIL_JOB: send_mail}
FEEDERS: tuple[Feeder, ...] = (feed_transitions,)
