"""An activity's history level by level: every attempt, its evidence and every decision on it.

Shared by the API and the pages. A fixed number of queries (submissions, their evidence, the
decisions, the people named), whatever the number of attempts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from workflow_app.accounts.models import User
from workflow_app.plans.models import Activity
from workflow_app.workflow.models import EvidenceItem, Submission, WorkflowDecision

# Builds the download address of a stored file from its evidence item id (the API passes its
# route; pages may pass theirs); None leaves the address out.
FileUrl = Callable[[int], str]


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name}


def evidence_dict(item: EvidenceItem, file_url: FileUrl | None = None) -> dict[str, Any]:
    is_file = item.kind == "file"
    return {
        "id": item.id,
        "kind": item.kind,
        "filename": item.filename,
        "size": item.size,
        "sha256": item.sha256,
        "media_type": item.media_type,
        "url": item.url,
        "download_url": file_url(item.id) if is_file and file_url is not None else None,
    }


def decision_dict(decision: WorkflowDecision, people: dict[int, User]) -> dict[str, Any]:
    return {
        "action": decision.action,
        "actor": person(people.get(decision.actor_id)),
        "comment": decision.comment,
        "at": iso(decision.created_at),
        "audit_seq": decision.audit_seq,
        "from_state": decision.from_state,
        "to_state": decision.to_state,
    }


_USERS = select(User).where(User.id.in_(bindparam("ids", expanding=True)))


def users_by_id(session: Session, ids: Iterable[int]) -> dict[int, User]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {user.id: user for user in session.scalars(_USERS, {"ids": sorted(wanted)})}


# Built once (every activity page and API trail runs them): building costs more than running.
_SUBMISSIONS = (
    select(Submission)
    .where(Submission.activity_id == bindparam("activity_id"))
    .order_by(Submission.id)
    .options(selectinload(Submission.evidence))
)
_DECISIONS = (
    select(WorkflowDecision)
    .where(WorkflowDecision.activity_id == bindparam("activity_id"))
    .order_by(WorkflowDecision.id)
)


def build_trail(
    session: Session, activity: Activity, *, file_url: FileUrl | None = None
) -> list[dict[str, Any]]:
    """One entry per rubric level, in order: its submissions oldest first, each with its evidence
    and its decisions (submit included) in the order they were taken."""
    params = {"activity_id": activity.id}
    submissions = session.scalars(_SUBMISSIONS, params).all()
    decisions = session.scalars(_DECISIONS, params).all()
    people = users_by_id(
        session, [s.submitted_by_id for s in submissions] + [d.actor_id for d in decisions]
    )

    by_submission: dict[int | None, list[dict[str, Any]]] = {}
    loose_by_level: dict[int, list[dict[str, Any]]] = {}
    for decision in decisions:
        entry = decision_dict(decision, people)
        if decision.submission_id is None:
            # Not produced by the engine today; kept rather than dropped, an audit view hides
            # nothing.
            loose_by_level.setdefault(decision.level, []).append(entry)
        else:
            by_submission.setdefault(decision.submission_id, []).append(entry)

    attempts_by_level: dict[int, list[dict[str, Any]]] = {}
    for submission in submissions:
        attempts_by_level.setdefault(submission.level, []).append(
            {
                "id": submission.id,
                "level": submission.level,
                "status": submission.status,
                "narrative": submission.narrative,
                "submitted_by": person(people.get(submission.submitted_by_id)),
                "submitted_at": iso(submission.submitted_at),
                "publishable": submission.publishable,
                "evidence": [evidence_dict(item, file_url) for item in submission.evidence],
                "decisions": by_submission.get(submission.id, []),
            }
        )

    return [
        {
            "level": level.number,
            "criterion": level.criterion,
            "certified": level.number <= activity.certified_level,
            "submissions": attempts_by_level.get(level.number, []),
            "other_decisions": loose_by_level.get(level.number, []),
        }
        for level in activity.levels
    ]
