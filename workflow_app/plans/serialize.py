"""A stored plan as plain data: the shape of `plan show --json` and of the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow_app.plans.models import Activity, Plan, Strategy, Tactic


def load_plan_tree(session: Session, plan_id: int) -> Plan | None:
    """The plan with its whole tree in four queries, whatever its size."""
    return session.scalar(
        select(Plan)
        .where(Plan.id == plan_id)
        .options(
            selectinload(Plan.strategies)
            .selectinload(Strategy.tactics)
            .selectinload(Tactic.activities)
            .selectinload(Activity.levels)
        )
    )


def budget_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def activity_dict(activity: Activity, *, with_state: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": activity.id,
        "code": activity.code,
        "title": activity.title,
        "objectives": list(activity.objectives),
        "indicators": list(activity.indicators),
        "targets": list(activity.targets),
        "target_level": activity.target_level,
        "outcomes_quantitative": list(activity.outcomes_quantitative),
        "outcomes_qualitative": list(activity.outcomes_qualitative),
        "quarters": activity.quarters,
        "budget_baht": budget_number(activity.budget_baht),
        "responsible_unit": activity.responsible_unit_text,
        "levels": [{"number": lv.number, "criterion": lv.criterion} for lv in activity.levels],
    }
    if with_state:
        data["state"] = activity.state
        data["certified_level"] = activity.certified_level
        data["version"] = activity.version
    return data


def plan_dict(plan: Plan, *, with_state: bool = False) -> dict[str, Any]:
    return {
        "id": plan.id,
        "title": plan.title,
        "agency": plan.agency,
        "ministry": plan.ministry,
        "fiscal_year": plan.fiscal_year,
        "source_sha256": plan.source_sha256,
        "strategies": [
            {
                "number": strategy.number,
                "title": strategy.title,
                "tactics": [
                    {
                        "number": tactic.number,
                        "title": tactic.title,
                        "activities": [
                            activity_dict(activity, with_state=with_state)
                            for activity in tactic.activities
                        ],
                    }
                    for tactic in strategy.tactics
                ],
            }
            for strategy in plan.strategies
        ],
    }
