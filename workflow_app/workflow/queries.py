"""Read helpers for the workflow: snapshots for the permission checks, open submissions."""

from __future__ import annotations

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from state_machines import PENDING_STATES, ActivitySnapshot, PendingSubmission, State
from workflow_app.accounts.unit_tree import unit_path
from workflow_app.plans.models import Activity, Plan
from workflow_app.workflow.models import Submission

# The plan's name and year for the breadcrumb; not the source document, which can be large.
PLAN_HEADING = joinedload(Activity.plan).defer(Plan.source_text)


def activity_query(*more: ORMOption) -> Select[tuple[Activity]]:
    """One activity (parameter `activity_id`) with its levels, joined in one query, and `more`
    loader options. Callers build theirs once: building a statement
    costs more than running it."""
    return (
        select(Activity)
        .where(Activity.id == bindparam("activity_id"))
        .options(joinedload(Activity.levels), *more)
    )


_OPEN_STATUSES = {
    State.SUBMITTED: ("submitted",),
    State.FORWARDED: ("forwarded",),
    State.RETURNED: ("returned",),
}


_OPEN_SUBMISSION = (
    select(Submission)
    .where(
        Submission.activity_id == bindparam("activity_id"),
        Submission.level == bindparam("level"),
        Submission.status.in_(bindparam("statuses", expanding=True)),
    )
    .order_by(Submission.id.desc())
    .limit(1)
    .options(selectinload(Submission.evidence))
)


def open_submission(session: Session, activity: Activity) -> Submission | None:
    """The submission waiting for a decision, or the returned one the officer is answering."""
    statuses = _OPEN_STATUSES.get(State(activity.state))
    if statuses is None:
        return None
    params = {
        "activity_id": activity.id,
        "level": activity.certified_level + 1,
        "statuses": list(statuses),
    }
    return session.scalar(_OPEN_SUBMISSION, params)


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
    session = Session.object_session(activity)
    assert session is not None
    return ActivitySnapshot.from_model(
        activity, unit_path=unit_path(session, activity.unit_id), pending=pending
    )
