"""What waits for whom, due when: the one worklist.

Each working role has one queue, derived from the workflow definition: the action that moves an
activity on (officer: submit, reviewer: forward, division head: approve) and the states from which
that action can be taken. An activity is on someone's queue exactly when `state_machines` would
let them take that action now. Its deadline comes from the fiscal calendar
(`plans.fiscal.deadline_status`): one meaning of due and overdue, and a met target is never
overdue.

The "My work" page, the daily digest and the notification recipients all read this; it costs a
constant number of queries whatever the number of activities or people.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from state_machines import (
    Action,
    ActivitySnapshot,
    Actor,
    PendingSubmission,
    Role,
    State,
    check,
    required_roles,
    sources,
)
from workflow_app.accounts.people import Person, people_by_id
from workflow_app.accounts.unit_tree import UnitInfo, load_units
from workflow_app.plans import fiscal
from workflow_app.plans.models import Activity, Plan
from workflow_app.workflow.models import Submission, WorkflowDecision


@dataclass(frozen=True)
class Queue:
    role: Role
    action: Action
    states: tuple[State, ...]  # in the definition's order


def _queue(action: Action) -> Queue:
    states = tuple(sorted(sources(action), key=list(State).index))
    (role,) = {role for state in states for role in required_roles(action, state)}
    return Queue(role, action, states)


# One per working role, in the order pages list them.
QUEUES: tuple[Queue, ...] = tuple(
    _queue(a) for a in (Action.SUBMIT, Action.FORWARD, Action.APPROVE)
)
QUEUE_BY_ROLE: dict[Role, Queue] = {queue.role: queue for queue in QUEUES}


@dataclass(frozen=True)
class Deadline:
    status: fiscal.DeadlineStatus
    due_date: date | None  # the end of the activity's last quarter
    next_due: date | None  # the end of its current or next active quarter
    quarter: tuple[int, int] | None  # (fiscal year, quarter) the work is planned for

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"


@dataclass(frozen=True)
class WorkActivity:
    """What a work item shows of its activity."""

    id: int
    plan_id: int
    code: str
    title: str
    state: str
    certified_level: int
    level_count: int
    target_level: int
    unit_id: int
    fiscal_year: int
    quarters: tuple[int, ...]

    @property
    def level(self) -> int:
        """The level being worked on."""
        return self.certified_level + 1


@dataclass(frozen=True)
class OpenSubmission:
    submitted_by: Person | None
    submitted_at: datetime
    forwarded_by: Person | None


@dataclass(frozen=True)
class ReturnNote:
    """Why the open submission came back: the latest return decision on it."""

    actor: Person | None
    at: datetime
    comment: str


@dataclass(frozen=True)
class WorkItem:
    queue: Queue
    activity: WorkActivity
    unit: UnitInfo
    open_submission: OpenSubmission | None
    returned: ReturnNote | None
    deadline: Deadline

    def sort_key(self) -> tuple[object, ...]:
        """Planned quarter first (none last), then plan and code in number order."""
        quarter = self.deadline.quarter
        return (
            quarter is None,
            quarter or (0, 0),
            self.activity.plan_id,
            code_key(self.activity.code),
        )


def code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Codes in number order: "1.1.10" comes after "1.1.9"."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in code.split("."))


@dataclass(frozen=True)
class _Candidate:
    activity: WorkActivity
    snapshot: ActivitySnapshot
    open_submission_id: int | None
    submitted_by_id: int | None
    submitted_at: datetime | None
    forwarded_by_id: int | None


_CANDIDATES = (
    select(
        Activity.id,
        Activity.plan_id,
        Activity.code,
        Activity.title,
        Activity.state,
        Activity.certified_level,
        Activity.level_count,
        Activity.target_level,
        Activity.unit_id,
        Plan.fiscal_year,
        Activity.quarter_mask,
        Activity.open_submission_id,
        Submission.submitted_by_id,
        Submission.submitted_at,
        Submission.forwarded_by_id,
    )
    .join(Plan, Plan.id == Activity.plan_id)
    .outerjoin(Submission, Submission.id == Activity.open_submission_id)
    .where(
        Activity.state.in_(bindparam("states", expanding=True)),
        Activity.unit_id.in_(bindparam("unit_ids", expanding=True)),
    )
)
_CANDIDATES_OF = _CANDIDATES.where(Activity.id.in_(bindparam("activity_ids", expanding=True)))
_RETURNS = (
    select(
        WorkflowDecision.submission_id,
        WorkflowDecision.actor_id,
        WorkflowDecision.created_at,
        WorkflowDecision.comment,
    )
    .where(
        and_(
            WorkflowDecision.submission_id.in_(bindparam("submission_ids", expanding=True)),
            WorkflowDecision.action == Action.RETURN.value,
        )
    )
    .order_by(WorkflowDecision.id)
)


def _covered_units(units: dict[int, UnitInfo], actors: Sequence[Actor]) -> list[int]:
    """Units in which any of the actors holds a queue's role (through the unit's path)."""
    grants = {
        grant.unit_id
        for actor in actors
        if actor.active
        for grant in actor.grants
        if grant.role in QUEUE_BY_ROLE
    }
    return sorted(uid for uid, unit in units.items() if grants.intersection(unit.path))


def _candidates(
    session: Session,
    units: dict[int, UnitInfo],
    queues: Sequence[Queue],
    unit_ids: list[int],
    activity_ids: Collection[int] | None,
) -> list[_Candidate]:
    states = sorted({state.value for queue in queues for state in queue.states})
    params: dict[str, object] = {"states": states, "unit_ids": unit_ids}
    statement = _CANDIDATES
    if activity_ids is not None:
        statement, params["activity_ids"] = _CANDIDATES_OF, sorted(activity_ids)
    found = []
    for row in session.execute(statement, params):
        activity = WorkActivity(
            id=row.id,
            plan_id=row.plan_id,
            code=row.code,
            title=row.title,
            state=row.state,
            certified_level=row.certified_level,
            level_count=row.level_count,
            target_level=row.target_level,
            unit_id=row.unit_id,
            fiscal_year=row.fiscal_year,
            quarters=tuple(q for q in fiscal.QUARTERS if row.quarter_mask & (1 << (q - 1))),
        )
        found.append(
            _Candidate(
                activity=activity,
                snapshot=ActivitySnapshot.from_model(
                    activity,
                    unit_path=units[row.unit_id].path,
                    open_submission=None
                    if row.submitted_by_id is None
                    else PendingSubmission(row.submitted_by_id, row.forwarded_by_id),
                ),
                open_submission_id=row.open_submission_id,
                submitted_by_id=row.submitted_by_id,
                submitted_at=row.submitted_at,
                forwarded_by_id=row.forwarded_by_id,
            )
        )
    return found


def _deadline(activity: WorkActivity, today: date) -> Deadline:
    year, quarters = activity.fiscal_year, activity.quarters
    return Deadline(
        status=fiscal.deadline_status(
            year, quarters, activity.certified_level, activity.target_level, today
        ),
        due_date=fiscal.due_date(year, quarters),
        next_due=fiscal.next_due(year, quarters, today),
        quarter=fiscal.planned_quarter(year, quarters, today),
    )


def load_worklists(
    session: Session,
    actors: Sequence[Actor],
    today: date,
    *,
    activity_ids: Collection[int] | None = None,
) -> dict[int, list[WorkItem]]:
    """user id → their work items, sorted; every actor gets a list (possibly empty).

    `activity_ids` limits the answer to those activities (who must act on this one now?).
    Four queries at most: units, the activities in the states the actors' queues take with
    their open submissions, the return notes, the people named.
    """
    lists: dict[int, list[WorkItem]] = {actor.user_id: [] for actor in actors}
    queues = [q for q in QUEUES if any(actor.active and actor.has_role(q.role) for actor in actors)]
    if not queues:
        return lists
    units = load_units(session)
    covered = _covered_units(units, actors)
    if not covered:
        return lists
    candidates = _candidates(session, units, queues, covered, activity_ids)
    returned_ids = [
        c.open_submission_id for c in candidates if c.activity.state == State.RETURNED.value
    ]
    returns: dict[int, tuple[int, datetime, str]] = {}
    if returned_ids:
        for row in session.execute(_RETURNS, {"submission_ids": returned_ids}):
            returns[row.submission_id] = (row.actor_id, row.created_at, row.comment or "")
    people = people_by_id(
        session,
        [c.submitted_by_id for c in candidates]
        + [c.forwarded_by_id for c in candidates]
        + [actor_id for actor_id, _at, _comment in returns.values()],
    )
    deadlines = {c.activity.id: _deadline(c.activity, today) for c in candidates}
    for actor in actors:
        items = lists[actor.user_id]
        for queue in QUEUES:
            if not actor.has_role(queue.role):
                continue
            for candidate in candidates:
                if State(candidate.activity.state) not in queue.states:
                    continue
                if not check(actor, candidate.snapshot, queue.action).allowed:
                    continue
                items.append(
                    _item(
                        queue, candidate, units, people, returns, deadlines[candidate.activity.id]
                    )
                )
        items.sort(key=lambda item: (QUEUES.index(item.queue), *item.sort_key()))
    return lists


def _item(
    queue: Queue,
    candidate: _Candidate,
    units: dict[int, UnitInfo],
    people: dict[int, Person],
    returns: dict[int, tuple[int, datetime, str]],
    deadline: Deadline,
) -> WorkItem:
    open_submission = None
    if candidate.submitted_at is not None:
        open_submission = OpenSubmission(
            submitted_by=people.get(candidate.submitted_by_id or -1),
            submitted_at=candidate.submitted_at,
            forwarded_by=people.get(candidate.forwarded_by_id or -1),
        )
    returned = None
    note = returns.get(candidate.open_submission_id or -1)
    if note is not None:
        returned = ReturnNote(actor=people.get(note[0]), at=note[1], comment=note[2])
    return WorkItem(
        queue=queue,
        activity=candidate.activity,
        unit=units[candidate.activity.unit_id],
        open_submission=open_submission,
        returned=returned,
        deadline=deadline,
    )


def worklist(session: Session, actor: Actor, today: date) -> list[WorkItem]:
    """One person's work items."""
    return load_worklists(session, [actor], today)[actor.user_id]
