"""What a transition reads and writes, as Core statements.

Every workflow action runs these on its hot path: one (locked) read of the activity's workflow
fields together with its pending submission, then a handful of single-row writes. Going through
Core on the session's connection, instead of ORM entities, keeps a transition to a few statements
with no unit-of-work or identity-map bookkeeping; pages keep using the ORM models, which describe
the same tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, select, update

from state_machines import PENDING_STATES, ActivitySnapshot, PendingSubmission, State
from workflow_app.accounts.models import Unit
from workflow_app.accounts.unit_tree import unit_path
from workflow_app.plans.models import Activity
from workflow_app.workflow.models import EvidenceItem, Submission, WorkflowDecision

_ACTIVITIES = Activity.__table__
_SUBMISSIONS = Submission.__table__
_EVIDENCE = EvidenceItem.__table__
_DECISIONS = WorkflowDecision.__table__
_PENDING = tuple(state.value for state in PENDING_STATES)


# The unit tree is shallow (department → division → section), so the activity's unit and three
# ancestors come joined to the state row; a deeper tree costs one more query (`unit_path`).
_JOINED_UNIT_LEVELS = 4
_UNITS = [Unit.__table__.alias(f"unit_{depth}") for depth in range(_JOINED_UNIT_LEVELS)]


@dataclass
class ActivityState:
    """An activity's workflow fields, its unit path and the submission awaiting a decision.

    Mutable on purpose: it is also the model the state machine fires on (`state`,
    `certified_level`, `level_count` and `target_level` are what `state_machines` reads).
    """

    id: int
    plan_id: int
    code: str
    state: str
    certified_level: int
    level_count: int
    target_level: int
    version: int
    pending_id: int | None
    submitted_by: int | None
    forwarded_by: int | None
    unit_path: tuple[int, ...]  # the activity's unit id, then its ancestors' ids

    def snapshot(self) -> ActivitySnapshot:
        pending = None
        if self.pending_id is not None and State(self.state) in PENDING_STATES:
            assert self.submitted_by is not None
            pending = PendingSubmission(self.submitted_by, self.forwarded_by)
        return ActivitySnapshot.from_model(self, unit_path=self.unit_path, pending=pending)


def _state_query() -> Select[Any]:
    # The pending submission is the newest one for the next level whose status is the state's
    # name ("submitted" / "forwarded"): the same rule as `queries.open_submission`.
    pending = and_(
        _SUBMISSIONS.c.activity_id == _ACTIVITIES.c.id,
        _SUBMISSIONS.c.level == _ACTIVITIES.c.certified_level + 1,
        _SUBMISSIONS.c.status == _ACTIVITIES.c.state,
        _ACTIVITIES.c.state.in_(_PENDING),
    )
    joined = _ACTIVITIES.outerjoin(_SUBMISSIONS, pending).join(
        _UNITS[0], _UNITS[0].c.id == _ACTIVITIES.c.unit_id
    )
    for child, parent in pairwise(_UNITS):
        joined = joined.outerjoin(parent, parent.c.id == child.c.parent_id)
    return (
        select(
            _ACTIVITIES.c.id,
            _ACTIVITIES.c.plan_id,
            _ACTIVITIES.c.code,
            _ACTIVITIES.c.state,
            _ACTIVITIES.c.certified_level,
            _ACTIVITIES.c.level_count,
            _ACTIVITIES.c.target_level,
            _ACTIVITIES.c.version,
            _SUBMISSIONS.c.id,
            _SUBMISSIONS.c.submitted_by_id,
            _SUBMISSIONS.c.forwarded_by_id,
            *(unit.c.id for unit in _UNITS),
            _UNITS[-1].c.parent_id,
        )
        .select_from(joined)
        .where(_ACTIVITIES.c.id == bindparam("activity_id"))
        .order_by(_SUBMISSIONS.c.id.desc())
        .limit(1)
    )


# Statements are built once and executed with parameters: on this path building a select costs
# more than running it.
_STATE = _state_query()
_LOCK_ACTIVITY = (
    select(_ACTIVITIES.c.id).where(_ACTIVITIES.c.id == bindparam("activity_id")).with_for_update()
)


def load_state(conn: Connection, activity_id: int, *, lock: bool) -> ActivityState | None:
    """The activity's workflow state; `lock` first takes the row lock (PostgreSQL) that
    serialises transitions of one activity (SQLite's BEGIN IMMEDIATE already serialises all
    writers).

    The lock is its own statement on purpose: PostgreSQL re-reads only the locked row after
    waiting for a lock, so a state read joined to the locking statement would pair the winner's
    new state with the submissions as they were before it committed.
    """
    params = {"activity_id": activity_id}
    if lock and conn.execute(_LOCK_ACTIVITY, params).first() is None:
        return None
    row = conn.execute(_STATE, params).first()
    if row is None:
        return None
    fields = row[:11]
    path = tuple(unit_id for unit_id in row[11 : 11 + _JOINED_UNIT_LEVELS] if unit_id is not None)
    beyond = row[-1]
    if beyond is not None:
        path += unit_path(conn, beyond)
    return ActivityState(*fields, unit_path=path)


_SAVE_STATE = (
    update(_ACTIVITIES)
    .where(_ACTIVITIES.c.id == bindparam("activity_id"))
    .values(
        state=bindparam("new_state"),
        certified_level=bindparam("new_level"),
        version=bindparam("new_version"),
    )
)


def save_state(conn: Connection, activity: ActivityState) -> None:
    conn.execute(
        _SAVE_STATE,
        {
            "activity_id": activity.id,
            "new_state": activity.state,
            "new_level": activity.certified_level,
            "new_version": activity.version,
        },
    )


def insert_submission(
    conn: Connection,
    *,
    activity_id: int,
    level: int,
    narrative: str,
    submitted_by: int,
    evidence: Sequence[dict[str, Any]],
) -> int:
    """A new submission and its evidence items (each a dict of `evidence_items` columns)."""
    result = conn.execute(
        _SUBMISSIONS.insert(),
        {
            "activity_id": activity_id,
            "level": level,
            "narrative": narrative,
            "status": State.SUBMITTED.value,
            "submitted_by_id": submitted_by,
        },
    )
    submission_id: int = result.inserted_primary_key[0]
    if evidence:
        conn.execute(
            _EVIDENCE.insert(), [{**item, "submission_id": submission_id} for item in evidence]
        )
    return submission_id


# The SET clause comes from the parameters given (status, forwarded_by_id, publishable).
_UPDATE_SUBMISSION = update(_SUBMISSIONS).where(_SUBMISSIONS.c.id == bindparam("submission_id"))


def update_submission(conn: Connection, submission_id: int, **values: Any) -> None:
    conn.execute(_UPDATE_SUBMISSION, {"submission_id": submission_id, **values})


_CERTIFIED = (
    select(_SUBMISSIONS.c.id)
    .where(
        _SUBMISSIONS.c.activity_id == bindparam("activity_id"),
        _SUBMISSIONS.c.level == bindparam("level_"),
        _SUBMISSIONS.c.status == "approved",
    )
    .order_by(_SUBMISSIONS.c.id.desc())
    .limit(1)
)


def certified_submission_id(conn: Connection, activity_id: int, level: int) -> int | None:
    """The approved submission that certified `level` (None for levels certified before
    submissions were recorded, e.g. imported as already done)."""
    submission_id: int | None = conn.scalar(
        _CERTIFIED, {"activity_id": activity_id, "level_": level}
    )
    return submission_id


def insert_decision(conn: Connection, **values: Any) -> None:
    conn.execute(_DECISIONS.insert(), values)
