"""Read helpers for the workflow: snapshots for the permission checks, open submissions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from state_machines import PENDING_STATES, ActivitySnapshot, PendingSubmission, State
from workflow_app.plans.models import Activity
from workflow_app.workflow.models import Submission

_OPEN_STATUSES = {
    State.SUBMITTED: ("submitted",),
    State.FORWARDED: ("forwarded",),
    State.RETURNED: ("returned",),
}


def open_submission(session: Session, activity: Activity) -> Submission | None:
    """The submission waiting for a decision, or the returned one the officer is answering."""
    statuses = _OPEN_STATUSES.get(State(activity.state))
    if statuses is None:
        return None
    return session.scalar(
        select(Submission)
        .where(
            Submission.activity_id == activity.id,
            Submission.level == activity.certified_level + 1,
            Submission.status.in_(statuses),
        )
        .order_by(Submission.id.desc())
        .limit(1)
        .options(selectinload(Submission.evidence))
    )


def certified_submission(session: Session, activity: Activity, level: int) -> Submission | None:
    return session.scalar(
        select(Submission)
        .where(
            Submission.activity_id == activity.id,
            Submission.level == level,
            Submission.status == "approved",
        )
        .order_by(Submission.id.desc())
        .limit(1)
    )


def snapshot_of(activity: Activity, submission: Submission | None) -> ActivitySnapshot:
    """What the workflow definition needs to judge an action on this activity."""
    pending = None
    if submission is not None and State(activity.state) in PENDING_STATES:
        pending = PendingSubmission(
            submitted_by=submission.submitted_by_id, forwarded_by=submission.forwarded_by_id
        )
    return ActivitySnapshot.from_model(
        activity, unit_path=activity.unit.path_ids(), pending=pending
    )
