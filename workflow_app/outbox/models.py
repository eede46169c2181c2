"""Outbox jobs as stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.db import Base
from workflow_app.models_base import UTCDateTime, utcnow

JOB_STATUSES = ("pending", "done", "failed")


class OutboxJob(Base):
    """One piece of work: its kind, what it needs, and how far it got.

    A pending job is due once `run_after` has passed and nobody holds its lease
    (`claimed_until`); `attempts` counts the claims, so a worker killed mid-job still uses one.
    `dedupe_key` makes an enqueue idempotent (one e-mail per person per transition, say).
    """

    __tablename__ = "outbox_jobs"
    __table_args__ = (
        CheckConstraint(f"status IN {JOB_STATUSES!r}", name="status"),
        # Claiming scans the due pending jobs in order; the rest are history.
        Index("ix_outbox_jobs_due", "status", "run_after", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxCursor(Base):
    """How far a consumer has read an append-only stream of the application's own records (the
    notifications read the workflow decisions, by audit seq). Advanced in the same transaction as
    the jobs made from what was read, so nothing is read twice or skipped."""

    __tablename__ = "outbox_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
