"""Units with their paths, as the database stores them (`unit_ancestors`): the one reader of the
unit tree.

Visibility and scope depend only on a unit's path (its id, then its ancestors'), so pages that
show many activities load every unit once and ask `state_machines` per unit; a single activity's
page loads its unit alone. Nothing walks parents: the paths are stored when units are created.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from workflow_app.accounts.models import Unit, UnitAncestor

SEPARATOR = " / "


@dataclass(frozen=True)
class UnitInfo:
    id: int
    name: str
    path: tuple[int, ...]  # the unit's id, then its ancestors' ids, nearest first
    full_name: str  # from the department down: "กรมอาเซียน / สำนักงานเลขานุการกรม"


# One row per (unit, ancestor), nearest ancestor first, with the ancestor's name.
_PATHS = (
    select(UnitAncestor.unit_id, UnitAncestor.ancestor_id, Unit.name)
    .join(Unit, Unit.id == UnitAncestor.ancestor_id)
    .order_by(UnitAncestor.unit_id, UnitAncestor.depth)
)
_ONE_PATH = _PATHS.where(UnitAncestor.unit_id == bindparam("unit_id"))
_PATH_IDS = (
    select(UnitAncestor.ancestor_id)
    .where(UnitAncestor.unit_id == bindparam("unit_id"))
    .order_by(UnitAncestor.depth)
)


def _build(rows: list[tuple[int, int, str]]) -> dict[int, UnitInfo]:
    ancestors: dict[int, list[tuple[int, str]]] = {}
    for unit_id, ancestor_id, name in rows:
        ancestors.setdefault(unit_id, []).append((ancestor_id, name))
    return {
        unit_id: UnitInfo(
            id=unit_id,
            name=chain[0][1],
            path=tuple(ancestor_id for ancestor_id, _name in chain),
            full_name=SEPARATOR.join(name for _id, name in reversed(chain)),
        )
        for unit_id, chain in ancestors.items()
    }


def load_units(session: Session) -> dict[int, UnitInfo]:
    """Every unit with its path and full name, from one query."""
    return _build([tuple(row) for row in session.execute(_PATHS)])


def load_unit(db: Session | Connection, unit_id: int) -> UnitInfo | None:
    """One unit with its path and full name, from one query."""
    return _build([tuple(row) for row in db.execute(_ONE_PATH, {"unit_id": unit_id})]).get(unit_id)


def unit_path(db: Session | Connection, unit_id: int) -> tuple[int, ...]:
    """One unit's path: what a grant must name to cover it."""
    return tuple(db.scalars(_PATH_IDS, {"unit_id": unit_id}))


def sorted_by_name(units: dict[int, UnitInfo]) -> list[UnitInfo]:
    """For lists and choices: every unit, ordered by its full name."""
    return sorted(units.values(), key=lambda unit: unit.full_name)
