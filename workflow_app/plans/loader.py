"""Writes a parsed plan to the database in one transaction, with its audit entry."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow_app.accounts.models import Unit
from workflow_app.accounts.unit_tree import SEPARATOR
from workflow_app.audit.append import AuditActor, append_entry
from workflow_app.db import write_transaction
from workflow_app.plans.document import PlanDocument
from workflow_app.plans.models import (
    Activity,
    ActivityLevel,
    Plan,
    Strategy,
    Tactic,
    quarter_mask,
)


@dataclass(frozen=True)
class LoadResult:
    plan_id: int
    created: bool
    units_created: tuple[str, ...] = ()


def find_plan_by_sha(session: Session, sha256: str) -> Plan | None:
    return session.scalar(select(Plan).where(Plan.source_sha256 == sha256))


class _UnitResolver:
    """Finds or creates the units named by a plan: roots are departments, children divisions."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.created: list[str] = []
        self._cache: dict[tuple[int | None, str], Unit] = {}

    def resolve(self, path: tuple[str, ...]) -> Unit:
        parent: Unit | None = None
        for depth in range(len(path)):
            parent = self._child(parent, path[: depth + 1])
        assert parent is not None, "a unit path is never empty"
        return parent

    def _child(self, parent: Unit | None, path: tuple[str, ...]) -> Unit:
        """The unit at the end of `path` (names from the department down), under `parent`."""
        name, kind = path[-1], "department" if len(path) == 1 else "division"
        parent_id = parent.id if parent else None
        key = (parent_id, name)
        if key in self._cache:
            return self._cache[key]
        # `== None` compiles to IS NULL, so roots are found the same way as children.
        unit = self.session.scalar(
            select(Unit).where(Unit.name == name, Unit.parent_id == parent_id)
        )
        if unit is None:
            unit = Unit(name=name, kind=kind, parent=parent)
            self.session.add(unit)
            self.session.flush()
            self.created.append(SEPARATOR.join(path))
        self._cache[key] = unit
        return unit


def load_plan(
    session: Session,
    document: PlanDocument,
    *,
    source_text: str,
    source_name: str,
    actor: AuditActor,
) -> LoadResult:
    """Store `document` unless a plan with the same source hash exists (then create nothing)."""
    try:
        with write_transaction(session):
            existing = find_plan_by_sha(session, document.source_sha256)
            if existing is not None:
                return LoadResult(plan_id=existing.id, created=False)
            plan, units_created = _insert_plan(session, document, source_text, source_name, actor)
            counts = document.counts()
            append_entry(
                session,
                actor=actor,
                action="plan.import",
                subject={"plan_id": plan.id},
                payload={
                    "source_sha256": document.source_sha256,
                    "source_name": source_name,
                    "title": document.title,
                    "fiscal_year": document.fiscal_year,
                    "counts": counts,
                    "units_created": list(units_created),
                },
            )
            return LoadResult(plan_id=plan.id, created=True, units_created=units_created)
    except IntegrityError:
        # A concurrent import of the same document won the race; ours rolled back whole.
        existing = find_plan_by_sha(session, document.source_sha256)
        if existing is None:
            raise
        return LoadResult(plan_id=existing.id, created=False)


def _insert_plan(
    session: Session,
    document: PlanDocument,
    source_text: str,
    source_name: str,
    actor: AuditActor,
) -> tuple[Plan, tuple[str, ...]]:
    units = _UnitResolver(session)
    department = units.resolve((document.agency,))
    plan = Plan(
        title=document.title,
        agency=document.agency,
        ministry=document.ministry,
        fiscal_year=document.fiscal_year,
        source_sha256=document.source_sha256,
        source_name=source_name,
        source_text=source_text,
        department=department,
        imported_by_id=actor.id,
    )
    session.add(plan)
    position = 0
    for s_index, strategy_doc in enumerate(document.strategies):
        strategy = Strategy(
            plan=plan, position=s_index, number=strategy_doc.number, title=strategy_doc.title
        )
        session.add(strategy)
        for t_index, tactic_doc in enumerate(strategy_doc.tactics):
            tactic = Tactic(
                strategy=strategy,
                position=t_index,
                number=tactic_doc.number,
                title=tactic_doc.title,
            )
            session.add(tactic)
            for activity_doc in tactic_doc.activities:
                position += 1
                activity = Activity(
                    plan=plan,
                    tactic=tactic,
                    position=position,
                    code=activity_doc.code,
                    title=activity_doc.title,
                    objectives=activity_doc.objectives,
                    indicators=activity_doc.indicators,
                    targets=activity_doc.targets,
                    target_level=activity_doc.target_level,
                    outcomes_quantitative=activity_doc.outcomes_quantitative,
                    outcomes_qualitative=activity_doc.outcomes_qualitative,
                    quarter_mask=quarter_mask(activity_doc.quarters),
                    budget_satang=activity_doc.budget_satang,
                    responsible_unit_text=activity_doc.responsible_unit,
                    unit=units.resolve(activity_doc.unit_path),
                    state="open",
                    certified_level=0,
                    level_count=len(activity_doc.levels),
                    version=1,
                    levels=[
                        ActivityLevel(
                            number=level.number,
                            criterion=level.criterion,
                            source=activity_doc.level_source,
                        )
                        for level in activity_doc.levels
                    ],
                )
                session.add(activity)
    session.flush()
    return plan, tuple(units.created)
