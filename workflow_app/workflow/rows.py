"""What a transition reads and writes, as Core statements.

Every workflow action runs these on its hot path: one (locked) read of the activity's workflow
fields together with its open submission and unit path, then a handful of single-row writes.
Going through Core on the session's connection, instead of ORM entities, keeps a transition to a
few statements with no unit-of-work or identity-map bookkeeping; pages keep using the ORM models,
which describe the same tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, bindparam, select, update

from state_machines import (
    OPEN_SUBMISSION_STATES,
    ActivitySnapshot,
    PendingSubmission,
    State,
)
from workflow_app.accounts.models import UnitAncestor
from workflow_app.plans.models import Activity, ActivityLevel
from workflow_app.workflow.models import EvidenceItem, Submission, WorkflowDecision

_ACTIVITIES = Activity.__table__
_LEVELS = ActivityLevel.__table__
_SUBMISSIONS = Submission.__table__
_EVIDENCE = EvidenceItem.__table__
_DECISIONS = WorkflowDecision.__table__
_ANCESTORS = UnitAncestor.__table__


@dataclass
class ActivityState:
    """An activity's workflow fields, its unit path and its open submission.

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
    open_submission_id: int | None
    submitted_by: int | None  # of the open submission
    forwarded_by: int | None
    unit_path: tuple[int, ...]  # the activity's unit id, then its ancestors' ids

    def snapshot(self) -> ActivitySnapshot:
        open_submission = None
        if self.submitted_by is not None:
            open_submission = PendingSubmission(self.submitted_by, self.forwarded_by)
        return ActivitySnapshot.from_model(
            self, unit_path=self.unit_path, open_submission=open_submission
        )

    def keep_open_submission(self, submission_id: int | None) -> None:
        """After `fire`: the state says whether the level still has an open submission."""
        has_one = State(self.state) in OPEN_SUBMISSION_STATES
        self.open_submission_id = submission_id if has_one else None


def _state_query() -> Select[Any]:
    # One row per ancestor of the activity's unit, nearest first: the path comes with the state.
    joined = _ACTIVITIES.outerjoin(
        _SUBMISSIONS, _SUBMISSIONS.c.id == _ACTIVITIES.c.open_submission_id
    ).join(_ANCESTORS, _ANCESTORS.c.unit_id == _ACTIVITIES.c.unit_id)
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
            _ACTIVITIES.c.open_submission_id,
            _SUBMISSIONS.c.submitted_by_id,
            _SUBMISSIONS.c.forwarded_by_id,
            _ANCESTORS.c.ancestor_id,
        )
        .select_from(joined)
        .where(_ACTIVITIES.c.id == bindparam("activity_id"))
        .order_by(_ANCESTORS.c.depth)
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
    rows = conn.execute(_STATE, params).all()
    if not rows:
        return None
    return ActivityState(*rows[0][:11], unit_path=tuple(row[11] for row in rows))


_SAVE_STATE = (
    update(_ACTIVITIES)
    .where(_ACTIVITIES.c.id == bindparam("activity_id"))
    .values(
        state=bindparam("new_state"),
        certified_level=bindparam("new_level"),
        version=bindparam("new_version"),
        open_submission_id=bindparam("new_open_submission_id"),
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
            "new_open_submission_id": activity.open_submission_id,
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


_CERTIFIED = select(_LEVELS.c.certified_submission_id).where(
    _LEVELS.c.activity_id == bindparam("activity_id"), _LEVELS.c.number == bindparam("level_")
)
_SET_CERTIFIED = (
    update(_LEVELS)
    .where(
        _LEVELS.c.activity_id == bindparam("of_activity"), _LEVELS.c.number == bindparam("level_")
    )
    .values(certified_submission_id=bindparam("submission_id"))
)


def certified_submission_id(conn: Connection, activity_id: int, level: int) -> int | None:
    """The approved submission standing behind `level` (None when the level was certified with
    no submission on record, as a benchmark dataset does)."""
    submission_id: int | None = conn.scalar(
        _CERTIFIED, {"activity_id": activity_id, "level_": level}
    )
    return submission_id


def set_certified_submission(
    conn: Connection, activity_id: int, level: int, submission_id: int | None
) -> None:
    """Approve stores the submission behind the level it certifies; revoke clears it."""
    conn.execute(
        _SET_CERTIFIED,
        {"of_activity": activity_id, "level_": level, "submission_id": submission_id},
    )


_SUBMISSION_FILES = (
    select(_EVIDENCE.c.id, _EVIDENCE.c.filename, _EVIDENCE.c.sha256, _EVIDENCE.c.size)
    .add_columns(_EVIDENCE.c.media_type)
    .where(
        _EVIDENCE.c.submission_id == bindparam("submission_id"),
        _EVIDENCE.c.kind == "file",
        _EVIDENCE.c.id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(_EVIDENCE.c.position)
)


def submission_files(conn: Connection, submission_id: int, ids: list[int]) -> list[dict[str, Any]]:
    """The files among evidence items `ids` that belong to `submission_id`, in its order."""
    rows = conn.execute(_SUBMISSION_FILES, {"submission_id": submission_id, "ids": ids})
    return [dict(row._mapping) for row in rows]


def insert_decision(conn: Connection, **values: Any) -> None:
    conn.execute(_DECISIONS.insert(), values)
