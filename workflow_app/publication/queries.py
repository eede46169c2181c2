"""What may be published, and nothing else.

A level is published only through the submission that certifies it now (the engine's stored
fact, `activity_levels.certified_submission_id`: never a submission that was returned,
withdrawn, revoked or is still waiting) and only if the approving division head marked it
publishable. Staff names are never read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from workflow_app.plans.models import Activity, ActivityLevel, Plan, Strategy, Tactic
from workflow_app.workflow.certifications import plan_certifications
from workflow_app.workflow.models import EvidenceItem, Submission


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


def published_levels(session: Session, plan_id: int) -> list[PublishedLevel]:
    """Every published level of the plan, newest certification first."""
    published = [
        certification
        for levels in plan_certifications(session, plan_id).values()
        for certification in levels.values()
        if certification.publishable and certification.submission_id is not None
    ]
    if not published:
        return []
    submissions = {
        submission.id: submission
        for submission in session.scalars(
            select(Submission)
            .where(Submission.id.in_([c.submission_id for c in published]))
            .options(
                selectinload(Submission.evidence),
                selectinload(Submission.activity).selectinload(Activity.levels),
            )
        )
    }
    levels: list[PublishedLevel] = []
    for certification in sorted(
        published, key=lambda c: (c.audit_seq, c.submission_id or 0), reverse=True
    ):
        submission = submissions[certification.submission_id or 0]
        activity = submission.activity
        criteria = {level.number: level.criterion for level in activity.levels}
        levels.append(
            PublishedLevel(
                submission_id=submission.id,
                activity_id=activity.id,
                activity_code=activity.code,
                activity_title=activity.title,
                level=certification.level,
                criterion=criteria.get(certification.level, ""),
                narrative=submission.narrative,
                certified_at=certification.approved_at,
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


_PUBLISHED_EVIDENCE = (
    select(EvidenceItem)
    .join(Submission, Submission.id == EvidenceItem.submission_id)
    .join(ActivityLevel, ActivityLevel.certified_submission_id == Submission.id)
    .where(EvidenceItem.id == bindparam("item_id"), Submission.publishable.is_(True))
)


def publishable_evidence(session: Session, item_id: int) -> EvidenceItem | None:
    """The evidence item if, and only if, it belongs to a published level."""
    return session.scalar(_PUBLISHED_EVIDENCE, {"item_id": item_id})


def plans(session: Session) -> list[Plan]:
    return list(session.scalars(select(Plan).order_by(Plan.fiscal_year.desc(), Plan.id)))
