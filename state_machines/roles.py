"""Who someone is to the workflow: unit-scoped role grants, free of any storage concerns."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    REVIEWER = "reviewer"
    DIVISION_HEAD = "division_head"
    AUDITOR = "auditor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Grant:
    """A role held for one unit and, through the unit tree, for all of its sub-units."""

    role: Role
    unit_id: int


@dataclass(frozen=True)
class Actor:
    user_id: int
    grants: frozenset[Grant]
    active: bool = True

    def __post_init__(self) -> None:
        # Callers often hand over a set or list; a frozenset keeps the actor hashable and immutable.
        if not isinstance(self.grants, frozenset):
            object.__setattr__(self, "grants", frozenset(self.grants))

    def covers(self, role: Role, unit_path: Collection[int]) -> bool:
        """True when a grant of `role` sits on the activity's unit or any of its ancestors.

        `unit_path` is the activity's unit id followed by its ancestors' ids, so a grant on a
        department covers every division and section beneath it without walking the tree here.
        """
        return any(grant.role == role and grant.unit_id in unit_path for grant in self.grants)

    def has_role(self, role: Role) -> bool:
        """True when the role is held for any unit at all (scope is checked separately)."""
        return any(grant.role == role for grant in self.grants)
