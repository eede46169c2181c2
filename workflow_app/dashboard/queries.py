"""What the dashboard reads: a handful of queries whatever the plan's size (no per-activity
query), always limited to the activities the user may view.

Visibility depends only on an activity's unit path, so `may_view_activity` is asked once per
unit (all units are loaded in one query) and the answer becomes a `unit_id IN (...)` filter;
that lets counts and sums stay in SQL without a second permission rule.

The statements are built once per process, with the units and the plan as parameters: building
one costs more than running it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, load_only

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

    def params(self, **more: Any) -> dict[str, Any]:
        """Parameters for a statement filtered by `_IN_SCOPE` (an empty scope matches nothing)."""
        return {"unit_ids": sorted(self.unit_ids), **more}


_IN_SCOPE = Activity.unit_id.in_(bindparam("unit_ids", expanding=True))


def scope_for(session: Session, actor: Actor) -> Scope:
    units = load_units(session)
    visible = frozenset(uid for uid, info in units.items() if may_view_activity(actor, info.path))
    return Scope(unit_ids=visible, units=units)


class PlanChoice(NamedTuple):
    """What the dashboard shows of a plan: its heading, and its entry in the switcher."""

    id: int
    fiscal_year: int
    title: str
    agency: str
    ministry: str


_PLAN_COLUMNS = (Plan.id, Plan.fiscal_year, Plan.title, Plan.agency, Plan.ministry)
_VISIBLE_PLANS = (
    select(*_PLAN_COLUMNS)
    .where(select(Activity.id).where(Activity.plan_id == Plan.id, _IN_SCOPE).exists())
    .order_by(Plan.fiscal_year.desc(), Plan.id.desc())
)
_PLAN = select(*_PLAN_COLUMNS).where(Plan.id == bindparam("plan_id"))


def visible_plans(session: Session, scope: Scope) -> list[PlanChoice]:
    """Plans with at least one activity the user may view, latest fiscal year first."""
    return [PlanChoice._make(row) for row in session.execute(_VISIBLE_PLANS, scope.params())]


def plan_choice(session: Session, plan_id: int) -> PlanChoice | None:
    """Any plan by id, whether or not the user may view an activity of it."""
    row = session.execute(_PLAN, {"plan_id": plan_id}).first()
    return None if row is None else PlanChoice._make(row)


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


def summarise_states(activities: Sequence[Activity]) -> StateSummary:
    """Counts by state and of targets met, over activities the page has loaded anyway."""
    found: Counter[str] = Counter(activity.state for activity in activities)
    counts = {state: found[state] for state in STATE_ORDER}
    # A state the definition no longer knows would still be counted, after the known ones.
    counts.update({state: count for state, count in found.items() if state not in counts})
    return StateSummary(
        counts=counts,
        total=len(activities),
        met=sum(1 for activity in activities if activity.target_met),
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


class StrategyHeading(NamedTuple):
    position: int
    number: int
    title: str


def budgets_by_strategy(
    placed: Sequence[tuple[Activity, StrategyHeading]],
) -> list[StrategyBudget]:
    """Budget per strategy over the activities given (the visible ones), in document order.

    Summed here from the rows the page loads anyway, rather than by a query of its own."""
    totals: dict[StrategyHeading, list[Any]] = {}
    for activity, strategy in placed:
        entry = totals.setdefault(strategy, [0, None])
        entry[0] += 1
        if activity.budget_satang is not None:
            entry[1] = (entry[1] or 0) + activity.budget_satang
    return [
        StrategyBudget(strategy.number, strategy.title, count, total)
        for strategy, (count, total) in sorted(totals.items())
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


_PLAN_ACTIVITIES = (
    select(Activity, Strategy.position, Strategy.number, Strategy.title)
    .join(Tactic, Tactic.id == Activity.tactic_id)
    .join(Strategy, Strategy.id == Tactic.strategy_id)
    .where(Activity.plan_id == bindparam("plan_id"), _IN_SCOPE)
    # Only what the page shows: the long JSON columns stay in the database.
    .options(
        load_only(
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
            Activity.budget_satang,
            raiseload=True,
        )
    )
    .order_by(Activity.position)
)


def plan_activities(
    session: Session, plan_id: int, scope: Scope
) -> list[tuple[Activity, StrategyHeading]]:
    """The plan's visible activities in document order, each with its strategy's heading."""
    rows = session.execute(_PLAN_ACTIVITIES, scope.params(plan_id=plan_id))
    return [(activity, StrategyHeading(*strategy)) for activity, *strategy in rows]


@dataclass(frozen=True)
class Dashboard:
    plan: PlanChoice
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


def load_dashboard(session: Session, plan: PlanChoice, scope: Scope, today: date) -> Dashboard:
    year = plan.fiscal_year
    placed = plan_activities(session, plan.id, scope)
    activities = [activity for activity, _strategy in placed]
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
        for activity in activities
    ]
    current_quarter = fiscal.quarter_of(today) if fiscal.fiscal_year_of(today) == year else None
    return Dashboard(
        plan=plan,
        today=today,
        rows=rows,
        states=summarise_states(activities),
        budgets=budgets_by_strategy(placed),
        current_quarter=current_quarter,
    )
