"""An activity's history level by level: every submission, its evidence and every decision on it.

Typed records, read in a fixed number of queries whatever the number of attempts (submissions,
evidence, decisions, the people named). Pages use them as they are; the API turns them into
JSON at its edge (`api.shapes`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from state_machines import Action
from workflow_app.accounts.people import Person, people_by_id
from workflow_app.plans.models import Activity
from workflow_app.workflow.models import EvidenceItem, Submission, WorkflowDecision


@dataclass(frozen=True)
class EvidenceRecord:
    """A file (by its SHA-256 in the evidence store) or a link, as submitted."""

    id: int
    kind: str  # "file" or "link"
    filename: str | None
    size: int | None
    sha256: str | None
    media_type: str | None
    url: str | None

    @property
    def is_file(self) -> bool:
        return self.kind == "file"


@dataclass(frozen=True)
class DecisionRecord:
    """One action taken on the activity, with its audit entry's seq."""

    action: str
    level: int
    submission_id: int | None
    actor: Person | None
    comment: str
    at: datetime
    audit_seq: int
    from_state: str
    to_state: str


@dataclass(frozen=True)
class SubmissionRecord:
    """One attempt at one level, with its evidence and the decisions taken on it, in order."""

    id: int
    level: int
    status: str
    narrative: str
    submitted_by: Person | None
    submitted_at: datetime
    forwarded_by: Person | None
    publishable: bool
    evidence: tuple[EvidenceRecord, ...]
    decisions: tuple[DecisionRecord, ...]

    def last(self, action: Action) -> DecisionRecord | None:
        """The latest decision of this kind on the submission (a return, a forward…)."""
        found = [d for d in self.decisions if d.action == action.value]
        return found[-1] if found else None


@dataclass(frozen=True)
class LevelTrail:
    level: int
    criterion: str
    certified: bool
    submissions: tuple[SubmissionRecord, ...]  # oldest first
    # Decisions with no submission: not produced by the engine, kept rather than hidden.
    other_decisions: tuple[DecisionRecord, ...]


@dataclass(frozen=True)
class Trail:
    levels: tuple[LevelTrail, ...]

    def submission(self, submission_id: int | None) -> SubmissionRecord | None:
        for level in self.levels:
            for submission in level.submissions:
                if submission.id == submission_id:
                    return submission
        return None

    def steps(self) -> Iterator[tuple[LevelTrail, SubmissionRecord | None, DecisionRecord]]:
        """Every decision with its level and submission, level by level."""
        for level in self.levels:
            for submission in level.submissions:
                for decision in submission.decisions:
                    yield level, submission, decision
            for decision in level.other_decisions:
                yield level, None, decision


_S = Submission.__table__
_E = EvidenceItem.__table__
_D = WorkflowDecision.__table__

# Built once (every activity page and trail runs them): building costs more than running.
_SUBMISSION_COLUMNS = (
    _S.c.id,
    _S.c.level,
    _S.c.status,
    _S.c.narrative,
    _S.c.submitted_by_id,
    _S.c.submitted_at,
    _S.c.forwarded_by_id,
    _S.c.publishable,
)
_EVIDENCE_COLUMNS = (
    _E.c.submission_id,
    _E.c.id,
    _E.c.kind,
    _E.c.filename,
    _E.c.size,
    _E.c.sha256,
    _E.c.media_type,
    _E.c.url,
)
_DECISION_COLUMNS = (
    _D.c.action,
    _D.c.level,
    _D.c.submission_id,
    _D.c.actor_id,
    _D.c.comment,
    _D.c.created_at,
    _D.c.audit_seq,
    _D.c.from_state,
    _D.c.to_state,
)


def _statements(by_activity: bool) -> tuple[Select, Select]:  # type: ignore[type-arg]
    key = bindparam("key")
    # Each submission with its evidence, one row per item (a submission with none: one row of
    # NULLs): a submission has a handful of items, so repeating its columns costs less than a
    # second query.
    submissions = (
        select(*_SUBMISSION_COLUMNS, *_EVIDENCE_COLUMNS)
        .outerjoin(_E, _E.c.submission_id == _S.c.id)
        .order_by(_S.c.id, _E.c.position)
    )
    decisions = select(*_DECISION_COLUMNS).order_by(_D.c.id)
    if by_activity:
        return submissions.where(_S.c.activity_id == key), decisions.where(_D.c.activity_id == key)
    return submissions.where(_S.c.id == key), decisions.where(_D.c.submission_id == key)


_BY_ACTIVITY = _statements(by_activity=True)
_BY_SUBMISSION = _statements(by_activity=False)
_EVIDENCE_AT = len(_SUBMISSION_COLUMNS)


def _records(
    session: Session,
    statements: tuple[Select, Select],  # type: ignore[type-arg]
    key: int,
) -> tuple[list[SubmissionRecord], list[DecisionRecord]]:
    """The submissions (with their evidence and decisions) and the decisions with none."""
    rows = session.execute(statements[0], {"key": key}).all()
    decision_rows = session.execute(statements[1], {"key": key}).all()
    submission_rows = {row.id: row for row in rows}  # first row of each, in id order
    people = people_by_id(
        session,
        [row.submitted_by_id for row in submission_rows.values()]
        + [row.forwarded_by_id for row in submission_rows.values()]
        + [row.actor_id for row in decision_rows],
    )
    evidence: dict[int, list[EvidenceRecord]] = {}
    for row in rows:
        item = row[_EVIDENCE_AT:]
        if item[1] is not None:  # the item's id: NULL when the submission has none
            evidence.setdefault(row.id, []).append(EvidenceRecord(*item[1:]))
    decisions: dict[int | None, list[DecisionRecord]] = {}
    for row in decision_rows:
        decisions.setdefault(row.submission_id, []).append(
            DecisionRecord(
                action=row.action,
                level=row.level,
                submission_id=row.submission_id,
                actor=people.get(row.actor_id),
                comment=row.comment or "",
                at=row.created_at,
                audit_seq=row.audit_seq,
                from_state=row.from_state,
                to_state=row.to_state,
            )
        )
    submissions = [
        SubmissionRecord(
            id=row.id,
            level=row.level,
            status=row.status,
            narrative=row.narrative,
            submitted_by=people.get(row.submitted_by_id),
            submitted_at=row.submitted_at,
            forwarded_by=people.get(row.forwarded_by_id) if row.forwarded_by_id else None,
            publishable=bool(row.publishable),
            evidence=tuple(evidence.get(row.id, ())),
            decisions=tuple(decisions.get(row.id, ())),
        )
        for row in submission_rows.values()
    ]
    return submissions, decisions.get(None, [])


def load_trail(session: Session, activity: Activity) -> Trail:
    """One entry per level of `activity` (its levels loaded), in order: its submissions oldest
    first, each with its evidence and its decisions (submit included) as they were taken."""
    submissions, loose = _records(session, _BY_ACTIVITY, activity.id)
    by_level: dict[int, list[SubmissionRecord]] = {}
    for submission in submissions:
        by_level.setdefault(submission.level, []).append(submission)
    loose_by_level: dict[int, list[DecisionRecord]] = {}
    for decision in loose:
        loose_by_level.setdefault(decision.level, []).append(decision)
    return Trail(
        tuple(
            LevelTrail(
                level=level.number,
                criterion=level.criterion,
                certified=level.number <= activity.certified_level,
                submissions=tuple(by_level.get(level.number, ())),
                other_decisions=tuple(loose_by_level.get(level.number, ())),
            )
            for level in activity.levels
        )
    )


def load_submission(session: Session, submission_id: int) -> SubmissionRecord | None:
    """One submission as the trail shows it (the open one, on pages that show nothing else)."""
    submissions, _loose = _records(session, _BY_SUBMISSION, submission_id)
    return submissions[0] if submissions else None
