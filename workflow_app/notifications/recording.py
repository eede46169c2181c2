"""Inside a transition's transaction: record that its people are to be told, as one outbox job.

Only while notifications are on (MAIL_SERVER set) and only for the actions anyone is told of;
who is told is worked out by the worker, from the worklist (`jobs.expand_transition`).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from state_machines import Action
from workflow_app.outbox.queue import enqueue
from workflow_app.workflow.events import AppliedTransition

TRANSITION_JOB = "notify.transition"
NOTIFIED_ACTIONS = (Action.SUBMIT, Action.FORWARD, Action.RETURN, Action.APPROVE)


def record_transition(session: Session, *, transition: AppliedTransition, **_: Any) -> None:
    if not has_app_context() or not current_app.config.get("MAIL_SERVER"):
        return
    if transition.action not in NOTIFIED_ACTIONS:
        return
    enqueue(
        session,
        TRANSITION_JOB,
        {
            "activity_id": transition.activity_id,
            "action": transition.action.value,
            "level": transition.level,
            "version": transition.version,
            "submitted_by": transition.submitted_by,
            "actor_id": transition.actor_id,
            "comment": transition.comment,
            "audit_seq": transition.audit_seq,
        },
        dedupe_key=f"transition:{transition.audit_seq}",
    )
