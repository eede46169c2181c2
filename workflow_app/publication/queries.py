"""What may be published, and nothing else.

A level is published only through the submission that certified it: status ``approved`` (so
never submitted, forwarded, returned, withdrawn or revoked), at a level the activity still holds
(``level <= certified_level``) and marked publishable by the approving division head. Staff
names are never read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, selectinload

from workflow_app.plans.models import Activity, Plan, Strategy, Tactic
from workflow_app.workflow.models import EvidenceItem, Submission, WorkflowDecision


@dataclass(frozen=True)
class PublishedEvidence:
    id: int
    kind: str
    filename: str | None
    sha256: str | None
    size: int | None
    url: str | None


@dataclass(frozen=True)
class PublishedLevel:
    submission_id: int
    activity_id: int
    activity_code: str
    activity_title: str
    level: int
    criterion: str
    narrative: str
    certified_at: datetime | None
    evidence: tuple[PublishedEvidence, ...]


@dataclass
class PublicActivity:
    activity: Activity
    levels: list[PublishedLevel] = field(default_factory=list)


@dataclass
class PublicStrategy:
    strategy: Strategy
    activities: list[PublicActivity] = field(default_factory=list)


def _publishable_condition():  # type: ignore[no-untyped-def]
    return and_(
        Submission.status == "approved",
        Submission.publishable.is_(True),
        Submission.level <= Activity.certified_level,
    )


def published_levels(session: Session, plan_id: int) -> list[PublishedLevel]:
    """Every published level of the plan, newest certification first."""
    rows = session.execute(
        select(Submission, Activity, WorkflowDecision.created_at)
        .join(Activity, Activity.id == Submission.activity_id)
        .outerjoin(
            WorkflowDecision,
            and_(
                WorkflowDecision.submission_id == Submission.id,
                WorkflowDecision.action == "approve",
            ),
        )
        .where(Activity.plan_id == plan_id, _publishable_condition())
        .options(selectinload(Submission.evidence), selectinload(Activity.levels))
        .order_by(WorkflowDecision.audit_seq.desc(), Submission.id.desc())
    ).all()
    levels: list[PublishedLevel] = []
    for submission, activity, approved_at in rows:
        criteria = {level.number: level.criterion for level in activity.levels}
        levels.append(
            PublishedLevel(
                submission_id=submission.id,
                activity_id=activity.id,
                activity_code=activity.code,
                activity_title=activity.title,
                level=submission.level,
                criterion=criteria.get(submission.level, ""),
                narrative=submission.narrative,
                certified_at=approved_at,
                evidence=tuple(
                    PublishedEvidence(
                        id=item.id,
                        kind=item.kind,
                        filename=item.filename,
                        sha256=item.sha256,
                        size=item.size,
                        url=item.url,
                    )
                    for item in submission.evidence
                ),
            )
        )
    return levels


def public_plan(session: Session, plan_id: int) -> tuple[Plan, list[PublicStrategy]] | None:
    plan = session.scalar(
        select(Plan)
        .where(Plan.id == plan_id)
        .options(
            selectinload(Plan.strategies)
            .selectinload(Strategy.tactics)
            .selectinload(Tactic.activities)
        )
    )
    if plan is None:
        return None
    by_activity: dict[int, list[PublishedLevel]] = {}
    for level in published_levels(session, plan_id):
        by_activity.setdefault(level.activity_id, []).append(level)
    strategies = []
    for strategy in plan.strategies:
        entry = PublicStrategy(strategy)
        for tactic in strategy.tactics:
            for activity in tactic.activities:
                levels = sorted(by_activity.get(activity.id, []), key=lambda lv: lv.level)
                entry.activities.append(PublicActivity(activity, levels))
        strategies.append(entry)
    return plan, strategies


def publishable_evidence(session: Session, item_id: int) -> EvidenceItem | None:
    """The evidence item if, and only if, it belongs to a published level."""
    return session.scalar(
        select(EvidenceItem)
        .join(Submission, Submission.id == EvidenceItem.submission_id)
        .join(Activity, Activity.id == Submission.activity_id)
        .where(EvidenceItem.id == item_id, _publishable_condition())
    )


def plans(session: Session) -> list[Plan]:
    return list(session.scalars(select(Plan).order_by(Plan.fiscal_year.desc(), Plan.id)))
