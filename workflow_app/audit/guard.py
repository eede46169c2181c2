"""Refuses ORM bulk UPDATE/DELETE statements on audited tables.

Bulk statements bypass the operations that write audit entries (and history libraries never see
them); every change to these tables must go through an operation, one audited row at a time.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

AUDITED_TABLES = frozenset(
    {
        "audit_entries",
        "audit_checkpoints",
        "audit_keys",
        "activities",
        "activity_levels",
        "submissions",
        "evidence_items",
        "workflow_decisions",
        "plans",
        "strategies",
        "tactics",
        "users",
        "role_assignments",
        "api_tokens",
        "units",
    }
)


class BulkWriteRefused(RuntimeError):
    pass


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_writes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    table = mapper.local_table.name if mapper is not None else None  # type: ignore[union-attr]
    if table in AUDITED_TABLES:
        kind = "UPDATE" if state.is_update else "DELETE"
        raise BulkWriteRefused(
            f"bulk {kind} on audited table {table!r} refused: change rows through an operation"
        )
