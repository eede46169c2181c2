"""Submissions of evidence for one level, their evidence items and the decisions taken on them.

Rows here are written only by `workflow.operations.perform_action`, each with its audit entry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.accounts.models import User
from workflow_app.db import Base
from workflow_app.models_base import UTCDateTime, utcnow
from workflow_app.plans.models import Activity, ActivityLevel

SUBMISSION_STATUSES = ("submitted", "forwarded", "returned", "withdrawn", "approved", "revoked")
DECISION_ACTIONS = ("submit", "withdraw", "forward", "return", "approve", "revoke")


class Submission(Base):
    """One attempt at one level. A returned submission stays as it was; resubmitting makes a new
    one, so the trail shows every attempt."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(f"status IN {SUBMISSION_STATUSES!r}", name="status"),
        # What the activity's open submission and its levels' certifying submissions refer to
        # (see plans.models); the first also serves an activity's submissions in order.
        UniqueConstraint("activity_id", "id", "level"),
        UniqueConstraint("activity_id", "id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    narrative: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    forwarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set by the approving division head: may this narrative and its evidence be published?
    publishable: Mapped[bool] = mapped_column(Boolean, default=False)

    activity: Mapped[Activity] = relationship(foreign_keys=[activity_id])
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    forwarded_by: Mapped[User | None] = relationship(foreign_keys=[forwarded_by_id])
    evidence: Mapped[list[EvidenceItem]] = relationship(
        back_populates="submission", order_by="EvidenceItem.position", cascade="all, delete-orphan"
    )
    decisions: Mapped[list[WorkflowDecision]] = relationship(
        back_populates="submission", order_by="WorkflowDecision.id"
    )


# The engine's facts stored on the plan's tables, held consistent by the database. Declared here,
# with the table they refer to, so that the plan's models need not know about submissions.
# - An activity's open submission is one of its own whose status is the activity's state
#   (deferred to the commit: a transition changes both rows in turn).
# - A level's certifying submission is one of the activity's, made for that level.
Activity.__table__.append_constraint(
    ForeignKeyConstraint(
        ["id", "open_submission_id", "state"],
        [Submission.activity_id, Submission.id, Submission.status],
        name="fk_activities_open_submission",
        deferrable=True,
        initially="DEFERRED",
        use_alter=True,  # submissions refer to activities as well: a cycle
    )
)
ActivityLevel.__table__.append_constraint(
    ForeignKeyConstraint(
        ["activity_id", "certified_submission_id", "number"],
        [Submission.activity_id, Submission.id, Submission.level],
        name="fk_activity_levels_certified_submission",
    )
)


class EvidenceItem(Base):
    """A file (by its SHA-256 in the content-addressed store) or a link attached to a submission."""

    __tablename__ = "evidence_items"
    __table_args__ = (
        UniqueConstraint("submission_id", "position"),
        CheckConstraint(
            "(kind = 'file' AND sha256 IS NOT NULL AND url IS NULL)"
            " OR (kind = 'link' AND url IS NOT NULL AND sha256 IS NULL)",
            name="kind",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(120))
    url: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="evidence")


class WorkflowDecision(Base):
    """Every successful action on an activity, with who, when, the comment and its audit seq."""

    __tablename__ = "workflow_decisions"
    __table_args__ = (
        CheckConstraint(f"action IN {DECISION_ACTIONS!r}", name="action"),
        Index("ix_workflow_decisions_activity", "activity_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    audit_seq: Mapped[int] = mapped_column(BigInteger, unique=True)

    submission: Mapped[Submission | None] = relationship(back_populates="decisions")
    actor: Mapped[User] = relationship()
