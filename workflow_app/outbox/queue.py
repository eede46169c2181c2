"""Writing and claiming outbox jobs.

`enqueue` joins the caller's open transaction: the job commits with the change that called for
it, or not at all. A worker `claim`s one due job at a time in a short transaction of its own
(row lock with SKIP LOCKED on PostgreSQL, so workers never wait for each other; SQLite's write
lock serialises claims), which sets a lease and counts an attempt; it then runs the job outside
any transaction and records how it ended (`complete`, `retry_later`, `fail`). A worker killed
mid-job leaves the lease to expire, and the job is claimed again: at least once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflow_app.db import write_transaction
from workflow_app.models_base import utcnow
from workflow_app.outbox.models import OutboxJob

_JOBS = OutboxJob.__table__
MAX_ERROR_CHARS = 2_000


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int  # this claim included


def _insert_statement(dialect: str, *, dedupe: bool) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_JOBS)
    if dedupe:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    # RETURNING says whether a row went in (a skipped conflict returns none); rowcount does not
    # tell on every driver.
    return statement.returning(_JOBS.c.id)


# Built once per dialect and kind: a transition enqueues on its hot path, and building the
# statement costs more than running it.
_INSERTS = {
    (dialect, dedupe): _insert_statement(dialect, dedupe=dedupe)
    for dialect in ("postgresql", "sqlite")
    for dedupe in (False, True)
}


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    run_after: datetime | None = None,
) -> bool:
    """Add a job inside the caller's transaction; with `dedupe_key`, at most one such job ever
    exists (a second enqueue with the same key does nothing). True when a job was added."""
    moment = utcnow()
    connection = session.connection()
    statement = _INSERTS[(connection.dialect.name, dedupe_key is not None)]
    values = {
        "kind": kind,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": "pending",
        "attempts": 0,
        "run_after": run_after or moment,
        "created_at": moment,
    }
    return connection.execute(statement, values).first() is not None


def _due_condition(moment: datetime) -> Any:
    return and_(
        _JOBS.c.status == "pending",
        _JOBS.c.run_after <= moment,
        or_(_JOBS.c.claimed_until.is_(None), _JOBS.c.claimed_until < moment),
    )


_NEXT_DUE = (
    select(_JOBS.c.id, _JOBS.c.kind, _JOBS.c.payload, _JOBS.c.attempts)
    .where(_due_condition(bindparam("moment")))
    .order_by(_JOBS.c.run_after, _JOBS.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)
_TAKE_LEASE = (
    update(_JOBS)
    .where(_JOBS.c.id == bindparam("job_id"))
    .values(claimed_until=bindparam("until"), attempts=_JOBS.c.attempts + 1)
)


def claim(session: Session, *, lease: timedelta) -> ClaimedJob | None:
    """The next due job, leased to the caller for `lease`; None when nothing is due."""
    with write_transaction(session):
        moment = utcnow()
        row = session.execute(_NEXT_DUE, {"moment": moment}).first()
        if row is None:
            return None
        session.execute(_TAKE_LEASE, {"job_id": row.id, "until": moment + lease})
        return ClaimedJob(id=row.id, kind=row.kind, payload=row.payload, attempts=row.attempts + 1)


def _finish(session: Session, job_id: int, **values: Any) -> None:
    session.execute(
        update(_JOBS)
        .where(_JOBS.c.id == job_id, _JOBS.c.status == "pending")
        .values(claimed_until=None, **values)
    )


def complete(session: Session, job_id: int) -> None:
    """The job is done; inside the caller's transaction (with whatever the job wrote)."""
    _finish(session, job_id, status="done", finished_at=utcnow(), last_error=None)


def retry_later(session: Session, job_id: int, error: str, delay: timedelta) -> None:
    with write_transaction(session):
        _finish(session, job_id, run_after=utcnow() + delay, last_error=error[:MAX_ERROR_CHARS])


def fail(session: Session, job_id: int, error: str) -> None:
    """Failed for good: kept, with its error, for an administrator to see and send again."""
    with write_transaction(session):
        _finish(
            session,
            job_id,
            status="failed",
            finished_at=utcnow(),
            last_error=error[:MAX_ERROR_CHARS],
        )


def requeue(session: Session, job_id: int) -> bool:
    """A failed job becomes due again with fresh attempts, inside the caller's transaction;
    False when there is no such failed job."""
    result = session.execute(
        update(_JOBS)
        .where(_JOBS.c.id == job_id, _JOBS.c.status == "failed")
        .values(
            status="pending",
            attempts=0,
            run_after=utcnow(),
            claimed_until=None,
            finished_at=None,
        )
    )
    return bool(result.rowcount)


def prune(session: Session, *, finished_before: datetime) -> int:
    """Forget jobs that were done before `finished_before`; failed ones stay until handled.
    Inside the caller's transaction; returns how many went."""
    result = session.execute(
        delete(_JOBS).where(_JOBS.c.status == "done", _JOBS.c.finished_at < finished_before)
    )
    return int(result.rowcount or 0)


def failed_jobs(session: Session, kind: str, *, limit: int = 200) -> list[OutboxJob]:
    """The jobs of `kind` that failed for good, newest first."""
    return list(
        session.scalars(
            select(OutboxJob)
            .where(OutboxJob.kind == kind, OutboxJob.status == "failed")
            .order_by(OutboxJob.id.desc())
            .limit(limit)
        )
    )
