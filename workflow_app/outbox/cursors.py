"""Reading an append-only stream of the application's own records after a cursor, making jobs
of what is read in the same transaction that moves the cursor on.

The records themselves commit with the change that made them (a workflow decision commits with
its transition), so a follow-up exists exactly when the change committed, and the change writes
nothing more. A worker killed mid-way leaves the cursor where it was; two workers never read the
same records, since the cursor row is locked (SKIP LOCKED on PostgreSQL: the second one moves
on to other work; SQLite's write lock serialises them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflow_app.db import write_transaction
from workflow_app.outbox.models import OutboxCursor

Item = TypeVar("Item")
_CURSORS = OutboxCursor.__table__

_LOCKED = (
    select(_CURSORS.c.position)
    .where(_CURSORS.c.name == bindparam("cursor"))
    .with_for_update(skip_locked=True)
)
_EXISTS = select(_CURSORS.c.name).where(_CURSORS.c.name == bindparam("cursor"))
_MOVE = (
    update(_CURSORS)
    .where(_CURSORS.c.name == bindparam("cursor"))
    .values(position=bindparam("new_position"))
)


def _create(session: Session, name: str) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_CURSORS).values(name=name, position=0)
    session.execute(statement.on_conflict_do_nothing(index_elements=["name"]))


def advance(
    session: Session,
    name: str,
    read: Callable[[Session, int], Sequence[Item]],
    make: Callable[[Session, Item], Any],
    position_of: Callable[[Item], int],
) -> int:
    """Read the next batch after cursor `name` (`read(session, position)`, in order), `make`
    jobs of each item, and move the cursor past the batch, all in one transaction. Returns how
    many items were read (0: nothing new, or another worker holds the cursor)."""
    with write_transaction(session):
        position = session.scalar(_LOCKED, {"cursor": name})
        if position is None:
            if session.scalar(_EXISTS, {"cursor": name}) is not None:
                return 0  # another worker is reading this stream now
            _create(session, name)  # a new stream (or an emptied database): from the start
            position = session.scalar(_LOCKED, {"cursor": name}) or 0
        items = read(session, position)
        for item in items:
            make(session, item)
        if items:
            session.execute(_MOVE, {"cursor": name, "new_position": position_of(items[-1])})
        return len(items)
