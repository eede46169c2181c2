"""The whole unit tree in one query, with each unit's path (its id, then its ancestors').

Visibility and scope depend only on a unit's path, so pages that show many activities load the
tree once and ask `state_machines` per unit instead of walking parents per activity.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Select, bindparam, literal, select
from sqlalchemy.orm import Session

from workflow_app.accounts.models import Unit


@dataclass(frozen=True)
class UnitInfo:
    name: str
    path: tuple[int, ...]  # the unit's id, then its ancestors' ids (as `Unit.path_ids`)
    full_name: str


def load_units(session: Session) -> dict[int, UnitInfo]:
    """Every unit with its path, from one query (the tree is walked in Python)."""
    rows = session.execute(select(Unit.id, Unit.parent_id, Unit.name)).all()
    parents = {row.id: row.parent_id for row in rows}
    names = {row.id: row.name for row in rows}
    units: dict[int, UnitInfo] = {}
    for unit_id in parents:
        path: list[int] = []
        current: int | None = unit_id
        while current is not None and current not in path:  # a cycle cannot loop forever
            path.append(current)
            current = parents.get(current)
        units[unit_id] = UnitInfo(
            name=names[unit_id],
            path=tuple(path),
            full_name=" / ".join(names[i] for i in reversed(path)),
        )
    return units


def unit_paths(session: Session) -> dict[int, tuple[int, ...]]:
    return {unit_id: info.path for unit_id, info in load_units(session).items()}


def _ancestors_query() -> Select[tuple[int]]:
    # The depth cap keeps a (forbidden) cycle from looping.
    step = (
        select(Unit.id, Unit.parent_id, literal(0).label("depth"))
        .where(Unit.id == bindparam("unit_id"))
        .cte("ancestors", recursive=True)
    )
    step = step.union_all(
        select(Unit.id, Unit.parent_id, (step.c.depth + 1).label("depth"))
        .join(step, Unit.id == step.c.parent_id)
        .where(step.c.depth < 64)
    )
    return select(step.c.id).order_by(step.c.depth)


_ANCESTORS = _ancestors_query()  # built once: building it costs more than running it


def unit_path(db: Session | Connection, unit_id: int) -> tuple[int, ...]:
    """One unit's path from one recursive query: for a single activity, where loading the whole
    tree would be waste."""
    return tuple(db.scalars(_ANCESTORS, {"unit_id": unit_id}))
