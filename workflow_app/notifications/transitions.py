"""`notify_transition`: called by the engine after an action has committed; never raises."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from state_machines import Action
from workflow_app.notifications.mailer import MailSettings, build_message, send_all
from workflow_app.notifications.messages import transition_message
from workflow_app.notifications.recipients import transition_recipients
from workflow_app.ops.request_log import log_event
from workflow_app.plans.models import Activity
from workflow_app.workflow.models import Submission, WorkflowDecision

if TYPE_CHECKING:
    from workflow_app.workflow.operations import ActionOutcome

NOTIFIED_ACTIONS = (Action.SUBMIT, Action.FORWARD, Action.RETURN, Action.APPROVE)


def notify_transition(session: Session, outcome: ActionOutcome) -> int:
    """E-mail whoever should hear of this (committed) transition; returns how many were sent.

    Runs in a session of its own so the caller's session is left as it was; any error is logged
    and swallowed: the transition stands whatever happens to the mail.
    """
    try:
        if not has_app_context():
            return 0
        settings = MailSettings.from_config(current_app.config)
        if settings is None or Action(outcome.action) not in NOTIFIED_ACTIONS:
            return 0
        with Session(bind=session.get_bind()) as own:
            messages = _messages(own, settings, outcome)
        if not messages:
            return 0
        return send_all(settings, messages, purpose=f"workflow.{Action(outcome.action).value}")
    except Exception as error:  # the transition is committed: never undo or fail it
        log_event(
            "notification_failed",
            purpose="transition",
            activity=outcome.activity_id,
            audit_seq=outcome.audit_seq,
            error=f"{type(error).__name__}: {error}",
        )
        return 0


def _messages(session: Session, settings: MailSettings, outcome: ActionOutcome) -> list:  # type: ignore[type-arg]
    action = Action(outcome.action)
    activity = session.get(Activity, outcome.activity_id)
    decision = session.scalar(
        select(WorkflowDecision).where(WorkflowDecision.audit_seq == outcome.audit_seq)
    )
    if activity is None or decision is None:
        return []
    submission = session.get(Submission, outcome.submission_id) if outcome.submission_id else None
    recipients = transition_recipients(
        session,
        activity.id,
        action,
        submission.submitted_by_id if submission is not None else None,
        decision.actor_id,
    )
    subject, body = transition_message(action, activity, decision.level, decision.comment)
    return [build_message(settings, user.email or "", subject, body) for user in recipients]
