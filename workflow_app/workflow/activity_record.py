"""One activity as the pages and the API read it: its fields and levels, its plan's heading, its
unit with the unit's path, its open submission and the certification behind each certified
level; and from these, the snapshot `state_machines` judges actions on.

Every fact here is one the engine stored when it wrote (the open submission, the certifying
submissions, the unit path); nothing is worked out again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from state_machines import ActivitySnapshot, PendingSubmission, State
from workflow_app.accounts.unit_tree import UnitInfo, load_unit
from workflow_app.plans.models import Activity, Plan
from workflow_app.workflow.certifications import Certification, current_certifications
from workflow_app.workflow.models import Submission


@dataclass(frozen=True)
class ActivityRecord:
    activity: Activity  # with its levels and its plan (not the plan's source document)
    unit: UnitInfo
    open_submission: Submission | None  # the row alone; its evidence comes with the trail
    certifications: dict[int, Certification]  # level → certification, certified levels only

    @property
    def plan(self) -> Plan:
        return self.activity.plan

    @property
    def state(self) -> State:
        return State(self.activity.state)

    @property
    def completed(self) -> bool:
        return self.state is State.COMPLETED

    @property
    def current_level(self) -> int | None:
        """The level being worked on; None once every level is certified."""
        return None if self.completed else self.activity.certified_level + 1

    def criterion(self, number: int) -> str:
        return next((lv.criterion for lv in self.activity.levels if lv.number == number), "")

    def snapshot(self) -> ActivitySnapshot:
        """What `state_machines` needs to judge an action on this activity."""
        submission = self.open_submission
        return ActivitySnapshot.from_model(
            self.activity,
            unit_path=self.unit.path,
            open_submission=None
            if submission is None
            else PendingSubmission(submission.submitted_by_id, submission.forwarded_by_id),
        )


def _activity_query(*, fresh: bool):  # type: ignore[no-untyped-def]
    query = (
        select(Activity, Submission)
        .outerjoin(Submission, Submission.id == Activity.open_submission_id)
        .where(Activity.id == bindparam("activity_id"))
        .options(joinedload(Activity.levels), joinedload(Activity.plan).defer(Plan.source_text))
    )
    # After a failed action the engine has rolled back: show what is stored, not what the
    # session's identity map still holds.
    return query.execution_options(populate_existing=True) if fresh else query


# Built once: every activity page and API read runs them, and building costs more than running.
_ACTIVITY = _activity_query(fresh=False)
_FRESH_ACTIVITY = _activity_query(fresh=True)


def load_activity_record(
    session: Session, activity_id: int, *, fresh: bool = False
) -> ActivityRecord | None:
    """The activity `activity_id`, or None; three queries (activity with its open submission,
    levels and plan; the unit's path; the certifications)."""
    row = (
        session.execute(_FRESH_ACTIVITY if fresh else _ACTIVITY, {"activity_id": activity_id})
        .unique()
        .first()
    )
    if row is None:
        return None
    activity, submission = row
    unit = load_unit(session, activity.unit_id)
    assert unit is not None, "every activity has a unit, and every unit a stored path"
    certified = current_certifications(session, [activity.id]).get(activity.id, {})
    return ActivityRecord(activity, unit, submission, certified)
