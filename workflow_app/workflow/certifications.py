"""The certification behind a level: which approval of which submission certified it.

Now: read from the fact the engine stores when it approves (`activity_levels.
certified_submission_id`, cleared when it revokes), with the approval that made it. As at an
earlier moment (quarterly reports): replayed from the stored approvals and revocations up to
that moment, because a level revoked later still counted then. Both answers live here; the pages,
the API, the publication pages and the reports all ask this module.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from state_machines import Action
from workflow_app.accounts.people import Person, people_by_id
from workflow_app.plans.models import Activity, ActivityLevel
from workflow_app.workflow.models import Submission, WorkflowDecision


@dataclass(frozen=True)
class Certification:
    """A certified level, the submission that certified it and the approval that did."""

    activity_id: int
    level: int
    submission_id: int | None  # None only for a level certified with no submission on record
    approved_by: Person | None
    approved_at: datetime
    audit_seq: int
    publishable: bool


_CURRENT_COLUMNS = (
    ActivityLevel.activity_id,
    ActivityLevel.number,
    Submission.id,
    WorkflowDecision.actor_id,
    WorkflowDecision.created_at,
    WorkflowDecision.audit_seq,
    Submission.publishable,
)
_CURRENT = (
    select(*_CURRENT_COLUMNS)
    .join(Submission, Submission.id == ActivityLevel.certified_submission_id)
    .join(
        WorkflowDecision,
        and_(
            WorkflowDecision.submission_id == Submission.id,
            WorkflowDecision.action == Action.APPROVE.value,
        ),
    )
    .order_by(ActivityLevel.activity_id, ActivityLevel.number)
)
_FOR_ACTIVITIES = _CURRENT.where(
    ActivityLevel.activity_id.in_(bindparam("activity_ids", expanding=True))
)
_FOR_PLAN = _CURRENT.join(Activity, Activity.id == ActivityLevel.activity_id).where(
    Activity.plan_id == bindparam("plan_id")
)


def _build(session: Session, rows: list) -> dict[int, dict[int, Certification]]:  # type: ignore[type-arg]
    people = people_by_id(session, [row.actor_id for row in rows])
    found: dict[int, dict[int, Certification]] = {}
    for activity_id, level, submission_id, actor_id, at, audit_seq, publishable in rows:
        found.setdefault(activity_id, {})[level] = Certification(
            activity_id=activity_id,
            level=level,
            submission_id=submission_id,
            approved_by=people.get(actor_id),
            approved_at=at,
            audit_seq=audit_seq,
            publishable=bool(publishable),
        )
    return found


def current_certifications(
    session: Session, activity_ids: Collection[int]
) -> dict[int, dict[int, Certification]]:
    """activity id → level → its certification, for the levels certified now."""
    if not activity_ids:
        return {}
    rows = session.execute(_FOR_ACTIVITIES, {"activity_ids": sorted(activity_ids)}).all()
    return _build(session, rows)


def plan_certifications(session: Session, plan_id: int) -> dict[int, dict[int, Certification]]:
    """The same for every activity of a plan, in one query."""
    return _build(session, session.execute(_FOR_PLAN, {"plan_id": plan_id}).all())


_DECISIONS_OF_PLAN = (
    select(WorkflowDecision)
    .join(Activity, Activity.id == WorkflowDecision.activity_id)
    .where(
        Activity.plan_id == bindparam("plan_id"),
        WorkflowDecision.action.in_((Action.APPROVE.value, Action.REVOKE.value)),
        WorkflowDecision.created_at < bindparam("as_at"),
        WorkflowDecision.audit_seq <= bindparam("up_to_seq"),
    )
    .order_by(WorkflowDecision.audit_seq)
)
_PUBLISHABLE = select(Submission.id, Submission.publishable).where(
    Submission.id.in_(bindparam("ids", expanding=True))
)


def certifications_as_at(
    session: Session, plan_id: int, *, as_at: datetime, up_to_seq: int
) -> dict[int, list[Certification]]:
    """activity id → the certifications in force at `as_at`, lowest level first.

    Replays the approvals and revocations recorded before `as_at` (and at audit seq `up_to_seq`
    or before, the head a report states) in the order the engine applied them: an approval
    certifies the next level, a revocation withdraws the highest one.
    """
    standing: dict[int, list[WorkflowDecision]] = {}
    params = {"plan_id": plan_id, "as_at": as_at, "up_to_seq": up_to_seq}
    for decision in session.scalars(_DECISIONS_OF_PLAN, params):
        approvals = standing.setdefault(decision.activity_id, [])
        if decision.action == Action.APPROVE.value:
            approvals.append(decision)
        elif approvals:
            approvals.pop()
    in_force = [decision for approvals in standing.values() for decision in approvals]
    people = people_by_id(session, [decision.actor_id for decision in in_force])
    submission_ids = sorted({d.submission_id for d in in_force if d.submission_id is not None})
    publishable = (
        dict(session.execute(_PUBLISHABLE, {"ids": submission_ids}).all()) if submission_ids else {}
    )
    return {
        activity_id: [
            Certification(
                activity_id=activity_id,
                level=decision.level,
                submission_id=decision.submission_id,
                approved_by=people.get(decision.actor_id),
                approved_at=decision.created_at,
                audit_seq=decision.audit_seq,
                publishable=bool(publishable.get(decision.submission_id or -1, False)),
            )
            for decision in approvals
        ]
        for activity_id, approvals in standing.items()
    }
