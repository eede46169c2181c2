"""The activity page and the review page, assembled from the activity record, its trail and what
`state_machines` lets the caller do.

Both answer 403 unless `may_view_activity` lets the caller in; both are rendered again, with the
failed action and what was typed, when an action does not go through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask import abort, render_template
from flask_login import current_user

from state_machines import PENDING_STATES, Action, Actor, may_view_activity
from workflow_app.accounts.models import User
from workflow_app.accounts.people import Person
from workflow_app.extensions import db
from workflow_app.workflow.activity_record import ActivityRecord, load_activity_record
from workflow_app.workflow.labels import SUBMISSION_STATUS_LABELS, TIMELINE_LABELS
from workflow_app.workflow.operations import MAX_COMMENT_CHARS
from workflow_app.workflow.panels import REVIEW_ACTIONS, FailedAction, action_panels
from workflow_app.workflow.trail import SubmissionRecord, Trail, load_trail


def current_account() -> User:
    return cast(User, current_user._get_current_object())  # type: ignore[attr-defined]


def load_record(activity_id: int) -> ActivityRecord:
    """The activity as stored now (after a failed action the engine has rolled back), or 404."""
    record = load_activity_record(db.session, activity_id, fresh=True)
    if record is None:
        abort(404)
    return record


def viewer(record: ActivityRecord) -> Actor:
    """The caller as the workflow sees them, once `may_view_activity` has let them in."""
    actor = current_account().as_actor()
    if not may_view_activity(actor, record.unit.path):
        abort(403)
    return actor


def person_name(person: Person | User | None) -> str:
    if person is None:
        return "—"
    if isinstance(person, User):
        return person.display_name or person.username
    return person.name


def template_helpers() -> dict[str, Any]:
    """What the workflow templates call to put codes and people into words."""
    return {
        "timeline_label": lambda action: TIMELINE_LABELS.get(action, action),
        "person_name": person_name,
        "status_label": lambda status: SUBMISSION_STATUS_LABELS.get(status, status),
        "max_comment_chars": MAX_COMMENT_CHARS,
    }


@dataclass(frozen=True)
class LevelRow:
    number: int
    criterion: str
    certified: bool
    current: bool
    target: bool
    certified_by: Person | None = None
    certified_at: datetime | None = None
    publishable: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    action: str
    level: int
    actor: Person | None
    at: datetime
    comment: str
    audit_seq: int
    submission: SubmissionRecord | None  # with the narrative and evidence, on submit entries
    publishable: bool


def level_rows(record: ActivityRecord) -> list[LevelRow]:
    activity = record.activity
    rows = []
    for level in activity.levels:
        certification = record.certifications.get(level.number)
        rows.append(
            LevelRow(
                number=level.number,
                criterion=level.criterion,
                certified=level.number <= activity.certified_level,
                current=level.number == record.current_level,
                target=level.number == activity.target_level,
                certified_by=certification.approved_by if certification else None,
                certified_at=certification.approved_at if certification else None,
                publishable=certification.publishable if certification else False,
            )
        )
    return rows


def timeline(trail: Trail) -> list[TimelineEntry]:
    """Every submission and decision of every level, oldest first (by audit sequence)."""
    entries = [
        TimelineEntry(
            action=decision.action,
            level=level.level,
            actor=decision.actor,
            at=decision.at,
            comment=decision.comment,
            audit_seq=decision.audit_seq,
            submission=submission if decision.action == Action.SUBMIT.value else None,
            publishable=bool(
                submission and decision.action == Action.APPROVE.value and submission.publishable
            ),
        )
        for level, submission, decision in trail.steps()
    ]
    return sorted(entries, key=lambda entry: entry.audit_seq)


def activity_page(
    record: ActivityRecord, *, failed: FailedAction | None = None, status: int = 200
) -> tuple[str, int]:
    """The whole activity: fields, levels, the open submission, the trail and the caller's
    actions."""
    actor = viewer(record)
    activity = record.activity
    trail = load_trail(db.session, activity)
    panels, note = action_panels(actor, record.snapshot(), list(Action), failed)
    current = trail.submission(activity.open_submission_id)
    page = render_template(
        "plans/activity.html",
        activity=activity,
        plan=record.plan,
        unit_name=record.unit.full_name,
        levels=level_rows(record),
        submission=current,
        returned=current.last(Action.RETURN) if current is not None else None,
        forwarded=current.last(Action.FORWARD) if current is not None else None,
        review_open=record.state in PENDING_STATES,
        events=timeline(trail),
        panels=panels,
        account_note=note,
        failed=failed,
        **template_helpers(),
    )
    return page, status


def review_page(
    record: ActivityRecord, *, failed: FailedAction | None = None, status: int = 200
) -> tuple[str, int]:
    """The submission waiting for a decision beside its level's criterion, with the caller's
    decisions and the earlier attempts at the level."""
    actor = viewer(record)
    activity = record.activity
    panels: list[Any] = []
    note = None
    current = None
    earlier: list[SubmissionRecord] = []
    if record.state in PENDING_STATES:
        panels, note = action_panels(actor, record.snapshot(), REVIEW_ACTIONS, failed)
        trail = load_trail(db.session, activity)
        current = trail.submission(activity.open_submission_id)
        assert current is not None, "a pending state has an open submission"
        earlier = [
            submission
            for level in trail.levels
            if level.level == current.level
            for submission in level.submissions
            if submission.id != current.id
        ]
    level_number = activity.certified_level + 1
    page = render_template(
        "workflow/review.html",
        activity=activity,
        plan=record.plan,
        submission=current,
        forwarded=current.last(Action.FORWARD) if current else None,
        earlier=earlier,
        level_number=level_number,
        criterion=record.criterion(level_number),
        panels=panels,
        account_note=note,
        failed=failed,
        **template_helpers(),
    )
    return page, status
