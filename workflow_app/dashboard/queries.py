"""What the dashboard reads: a handful of queries whatever the plan's size (no per-activity
query), always limited to the activities the user may view.

Visibility depends only on an activity's unit path, so `may_view_activity` is asked once per
unit (all units are loaded in one query) and the answer becomes a `unit_id IN (...)` filter;
that lets counts and sums stay in SQL without a second permission rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, load_only

from state_machines import Actor, State, may_view_activity
from workflow_app.accounts.unit_tree import UnitInfo, load_units
from workflow_app.plans import fiscal
from workflow_app.plans.models import Activity, Plan, Strategy, Tactic

STATE_ORDER: tuple[str, ...] = tuple(state.value for state in State)


@dataclass(frozen=True)
class Scope:
    """The units whose activities this user may view."""

    unit_ids: frozenset[int]
    units: dict[int, UnitInfo] = field(repr=False)

    def clause(self, column: InstrumentedAttribute[int]) -> ColumnElement[bool]:
        # Sorted for a stable statement (and cache key); an empty set compiles to "false".
        return column.in_(sorted(self.unit_ids))


def scope_for(session: Session, actor: Actor) -> Scope:
    units = load_units(session)
    visible = frozenset(uid for uid, info in units.items() if may_view_activity(actor, info.path))
    return Scope(unit_ids=visible, units=units)


@dataclass(frozen=True)
class PlanChoice:
    id: int
    fiscal_year: int
    title: str
    agency: str


def visible_plans(session: Session, scope: Scope) -> list[PlanChoice]:
    """Plans with at least one activity the user may view, latest fiscal year first."""
    has_visible = (
        select(Activity.id)
        .where(Activity.plan_id == Plan.id, scope.clause(Activity.unit_id))
        .exists()
    )
    rows = session.execute(
        select(Plan.id, Plan.fiscal_year, Plan.title, Plan.agency)
        .where(has_visible)
        .order_by(Plan.fiscal_year.desc(), Plan.id.desc())
    ).all()
    return [PlanChoice(row.id, row.fiscal_year, row.title, row.agency) for row in rows]


@dataclass(frozen=True)
class StateSummary:
    counts: dict[str, int]  # every workflow state, in the definition's order, zeros included
    total: int
    met: int  # certified level has reached the target level

    @property
    def met_percent(self) -> int:
        """Share of activities that met their target, rounded half up to a whole percent."""
        if not self.total:
            return 0
        return (self.met * 200 + self.total) // (self.total * 2)


def state_summary(session: Session, plan_id: int, scope: Scope) -> StateSummary:
    met = func.sum(case((Activity.certified_level >= Activity.target_level, 1), else_=0))
    rows = session.execute(
        select(Activity.state, func.count(Activity.id), met)
        .where(Activity.plan_id == plan_id, scope.clause(Activity.unit_id))
        .group_by(Activity.state)
    ).all()
    found = {state: (int(count), int(met_count or 0)) for state, count, met_count in rows}
    counts = {state: found.get(state, (0, 0))[0] for state in STATE_ORDER}
    # A state the definition no longer knows would still be counted, after the known ones.
    counts.update({state: value[0] for state, value in found.items() if state not in counts})
    return StateSummary(
        counts=counts,
        total=sum(counts.values()),
        met=sum(value[1] for value in found.values()),
    )


@dataclass(frozen=True)
class StrategyBudget:
    number: int
    title: str
    activities: int
    budget_satang: int | None  # None when none of its (visible) activities has a budget

    @property
    def budget_baht(self) -> Decimal | None:
        return None if self.budget_satang is None else Decimal(self.budget_satang) / 100


def budget_by_strategy(session: Session, plan_id: int, scope: Scope) -> list[StrategyBudget]:
    """Budget per strategy over the visible activities, in document order."""
    rows = session.execute(
        select(
            Strategy.number,
            Strategy.title,
            func.count(Activity.id),
            func.sum(Activity.budget_satang),
        )
        .join(Tactic, Tactic.strategy_id == Strategy.id)
        .join(Activity, Activity.tactic_id == Tactic.id)
        .where(Strategy.plan_id == plan_id, scope.clause(Activity.unit_id))
        .group_by(Strategy.id, Strategy.position, Strategy.number, Strategy.title)
        .order_by(Strategy.position)
    ).all()
    # PostgreSQL sums BIGINT as NUMERIC (Decimal), SQLite as int: satang are whole either way.
    return [
        StrategyBudget(number, title, int(count), None if total is None else int(total))
        for number, title, count, total in rows
    ]


@dataclass(frozen=True)
class ActivityRow:
    activity: Activity
    unit: UnitInfo | None
    status: fiscal.DeadlineStatus
    due_date: date | None  # end of its last quarter
    next_due: date | None  # end of its current or next active quarter
    today: date

    @property
    def days_left(self) -> int | None:
        return None if self.next_due is None else (self.next_due - self.today).days

    @property
    def days_overdue(self) -> int | None:
        return None if self.due_date is None else (self.today - self.due_date).days


# Only what the page shows: the long JSON columns stay in the database.
_ACTIVITY_COLUMNS = (
    Activity.id,
    Activity.code,
    Activity.title,
    Activity.position,
    Activity.target_level,
    Activity.level_count,
    Activity.certified_level,
    Activity.state,
    Activity.quarter_mask,
    Activity.unit_id,
)


def plan_activities(session: Session, plan_id: int, scope: Scope) -> list[Activity]:
    return list(
        session.scalars(
            select(Activity)
            .where(Activity.plan_id == plan_id, scope.clause(Activity.unit_id))
            .options(load_only(*_ACTIVITY_COLUMNS, raiseload=True))
            .order_by(Activity.position)
        )
    )


@dataclass(frozen=True)
class Dashboard:
    plan: Plan
    today: date
    rows: list[ActivityRow]
    states: StateSummary
    budgets: list[StrategyBudget]
    # The plan's quarter containing today; None when today lies outside the plan's fiscal year.
    current_quarter: int | None

    @property
    def budget_total_baht(self) -> Decimal:
        return Decimal(sum(b.budget_satang or 0 for b in self.budgets)) / 100

    @property
    def current_quarter_bounds(self) -> tuple[date, date] | None:
        if self.current_quarter is None:
            return None
        return fiscal.quarter_bounds(self.plan.fiscal_year, self.current_quarter)

    @property
    def due_this_quarter(self) -> list[ActivityRow]:
        """Activities active in the current quarter that have not yet met their target."""
        return [
            row
            for row in self.rows
            if self.current_quarter in row.activity.quarters and row.status != "met"
        ]

    @property
    def overdue(self) -> list[ActivityRow]:
        rows = [row for row in self.rows if row.status == "overdue"]
        return sorted(rows, key=lambda row: (row.due_date or self.today, row.activity.position))


def load_dashboard(session: Session, plan: Plan, scope: Scope, today: date) -> Dashboard:
    year = plan.fiscal_year
    rows = [
        ActivityRow(
            activity=activity,
            unit=scope.units.get(activity.unit_id),
            status=fiscal.deadline_status(
                year, activity.quarters, activity.certified_level, activity.target_level, today
            ),
            due_date=fiscal.due_date(year, activity.quarters),
            next_due=fiscal.next_due(year, activity.quarters, today),
            today=today,
        )
        for activity in plan_activities(session, plan.id, scope)
    ]
    current_quarter = fiscal.quarter_of(today) if fiscal.fiscal_year_of(today) == year else None
    return Dashboard(
        plan=plan,
        today=today,
        rows=rows,
        states=state_summary(session, plan.id, scope),
        budgets=budget_by_strategy(session, plan.id, scope),
        current_quarter=current_quarter,
    )
