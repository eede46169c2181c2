"""A plan as stored: plan → strategies → tactics → activities → levels, in document order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from state_machines import OPEN_SUBMISSION_STATES
from workflow_app.accounts.models import Unit, User
from workflow_app.db import Base
from workflow_app.models_base import UTCDateTime, utcnow

ALL_QUARTERS_MASK = 0b1111
OPEN_SUBMISSION_STATE_VALUES = tuple(sorted(state.value for state in OPEN_SUBMISSION_STATES))


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    agency: Mapped[str] = mapped_column(String(255))
    ministry: Mapped[str] = mapped_column(String(255), default="")
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)  # Buddhist era, e.g. 2568
    source_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    source_text: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    department: Mapped[Unit] = relationship()
    imported_by: Mapped[User | None] = relationship()
    strategies: Mapped[list[Strategy]] = relationship(
        back_populates="plan", order_by="Strategy.position", cascade="all, delete-orphan"
    )


class Strategy(Base):
    __tablename__ = "strategies"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="strategies")
    tactics: Mapped[list[Tactic]] = relationship(
        back_populates="strategy", order_by="Tactic.position", cascade="all, delete-orphan"
    )


class Tactic(Base):
    __tablename__ = "tactics"
    __table_args__ = (UniqueConstraint("strategy_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        ForeignKey("strategies.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)

    strategy: Mapped[Strategy] = relationship(back_populates="tactics")
    activities: Mapped[list[Activity]] = relationship(
        back_populates="tactic", order_by="Activity.position", cascade="all, delete-orphan"
    )


class Activity(Base):
    """One activity of a plan; also the workflow's model (state, certified_level, version)."""

    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        UniqueConstraint("plan_id", "position"),
        # A plan's activities in the units a user may view (dashboard, API plan list): one probe
        # and an index-only read per plan. It serves plan_id alone too, as its prefix.
        Index("ix_activities_plan_unit", "plan_id", "unit_id"),
        CheckConstraint("certified_level >= 0 AND certified_level <= level_count", name="level"),
        CheckConstraint("quarter_mask >= 0 AND quarter_mask <= 15", name="quarters"),
        # An open submission exactly in the states that have one; that it is one of this
        # activity's, in the state's status, is a key declared with the submissions
        # (workflow.models), which this module does not know.
        CheckConstraint(
            f"(open_submission_id IS NOT NULL) = (state IN {OPEN_SUBMISSION_STATE_VALUES!r})",
            name="open_submission",
        ),
    )

    # Explicitly autoincrement: the open-submission key (workflow.models) names it too, and
    # SQLAlchemy does not number a primary key that is part of a foreign key by itself.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    tactic_id: Mapped[int] = mapped_column(ForeignKey("tactics.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # document order within the plan
    code: Mapped[str] = mapped_column(String(32))  # Arabic digits, as printed otherwise ("3.1.2")
    title: Mapped[str] = mapped_column(Text)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_level: Mapped[int] = mapped_column(Integer)
    outcomes_quantitative: Mapped[list[str]] = mapped_column(JSON, default=list)
    outcomes_qualitative: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Bit q-1 set = active in fiscal quarter q; a mask keeps "due this quarter" one indexed test.
    quarter_mask: Mapped[int] = mapped_column(Integer, default=0)
    budget_satang: Mapped[int | None] = mapped_column(BigInteger)  # exact money; None = no budget
    responsible_unit_text: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)

    # Workflow state, changed only by workflow operations.
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    certified_level: Mapped[int] = mapped_column(Integer, default=0)
    level_count: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The submission waiting for a decision, or the returned one the officer is answering;
    # written by the engine with each transition.
    open_submission_id: Mapped[int | None] = mapped_column(Integer)

    tactic: Mapped[Tactic] = relationship(back_populates="activities")
    plan: Mapped[Plan] = relationship()
    unit: Mapped[Unit] = relationship()
    levels: Mapped[list[ActivityLevel]] = relationship(
        back_populates="activity", order_by="ActivityLevel.number", cascade="all, delete-orphan"
    )

    @property
    def quarters(self) -> list[int]:
        return [q for q in range(1, 5) if self.quarter_mask & (1 << (q - 1))]

    @property
    def budget_baht(self) -> Decimal | None:
        if self.budget_satang is None:
            return None
        return Decimal(self.budget_satang) / 100

    @property
    def target_met(self) -> bool:
        return self.certified_level >= self.target_level


class ActivityLevel(Base):
    __tablename__ = "activity_levels"
    __table_args__ = (
        UniqueConstraint("activity_id", "number"),
        CheckConstraint("source IN ('rubric', 'targets')", name="source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    criterion: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))
    # The approved submission that certified this level, written by the engine when it approves
    # and cleared when it revokes; None for a level not certified (or certified with no
    # submission on record, as a benchmark dataset does).
    certified_submission_id: Mapped[int | None] = mapped_column(Integer)

    activity: Mapped[Activity] = relationship(back_populates="levels")


def quarter_mask(quarters: list[int]) -> int:
    mask = 0
    for quarter in quarters:
        mask |= 1 << (quarter - 1)
    return mask
