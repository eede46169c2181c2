"""People as the read side shows them: who submitted, decided or certified something."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from workflow_app.accounts.models import User


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    display_name: str

    @property
    def name(self) -> str:
        """What pages call them: the display name, else the username."""
        return self.display_name or self.username

    @classmethod
    def of(cls, user: User) -> Person:
        return cls(id=user.id, username=user.username, display_name=user.display_name)


_PEOPLE = select(User.id, User.username, User.display_name).where(
    User.id.in_(bindparam("ids", expanding=True))
)


def people_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Person]:
    """The people with these ids, in one query (none for an empty set)."""
    wanted = sorted({user_id for user_id in ids if user_id is not None})
    if not wanted:
        return {}
    return {row.id: Person(*row) for row in session.execute(_PEOPLE, {"ids": wanted})}
