"""The worker loop: claim a due job, run its handler, record how it ended; repeat.

Handlers are given by kind. A handler does its work and, in the same transaction as anything it
writes, calls `queue.complete`; it raises `PermanentFailure` for a job that can never succeed
(an address the mail server refuses, say) and anything else for one worth trying again later
(with back-off, up to the configured number of attempts). Handlers must not hold a database
transaction across slow I/O: on SQLite that would stop every other writer.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from types import FrameType
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from workflow_app.extensions import db
from workflow_app.ops.request_log import log_event
from workflow_app.outbox import queue
from workflow_app.outbox.queue import ClaimedJob

Handler = Callable[[Session, ClaimedJob], None]
# Reads new records after its cursor and makes jobs of them; returns how many it read.
Feeder = Callable[[Session], int]


class PermanentFailure(Exception):
    """The job cannot succeed however often it is tried."""


@dataclass(frozen=True)
class WorkerSettings:
    lease: timedelta
    poll_seconds: float
    max_attempts: int
    retry_base: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WorkerSettings:
        return cls(
            lease=timedelta(seconds=float(config["WORKFLOW_OUTBOX_LEASE_SECONDS"])),
            poll_seconds=float(config["WORKFLOW_OUTBOX_POLL_SECONDS"]),
            max_attempts=int(config["WORKFLOW_OUTBOX_MAX_ATTEMPTS"]),
            retry_base=timedelta(seconds=float(config["WORKFLOW_OUTBOX_RETRY_SECONDS"])),
        )

    def delay_after(self, attempts: int) -> timedelta:
        """Exponential back-off: base, 2×base, 4×base … at most an hour."""
        return min(self.retry_base * 2 ** max(attempts - 1, 0), timedelta(hours=1))


def run_job(session: Session, job: ClaimedJob, handler: Handler, settings: WorkerSettings) -> str:
    """Run one claimed job; returns how it ended: done, retry or failed."""
    try:
        handler(session, job)
    except PermanentFailure as error:
        session.rollback()
        queue.fail(session, job.id, str(error))
        log_event("job_failed", job=job.id, kind=job.kind, error=str(error))
        return "failed"
    except Exception as error:  # a job's failure must not stop the worker
        session.rollback()
        text = f"{type(error).__name__}: {error}"
        if job.attempts >= settings.max_attempts:
            queue.fail(session, job.id, text)
            log_event("job_failed", job=job.id, kind=job.kind, attempts=job.attempts, error=text)
            return "failed"
        delay = settings.delay_after(job.attempts)
        queue.retry_later(session, job.id, text, delay)
        log_event("job_retry", job=job.id, kind=job.kind, attempts=job.attempts, error=text)
        return "retry"
    return "done"


def _feed(session: Session, feeders: Sequence[Feeder]) -> int:
    read = 0
    for feeder in feeders:
        try:
            read += feeder(session)
        except Exception as error:  # rolled back, cursor unmoved: read again next time
            session.rollback()
            text = f"{type(error).__name__}: {error}"
            log_event("feed_failed", feeder=feeder.__name__, error=text)
    return read


def work_once(app: Flask, handlers: Mapping[str, Handler], feeders: Sequence[Feeder] = ()) -> int:
    """Feed and run every job that is due now, until nothing is left; returns how many jobs
    were run."""
    settings = WorkerSettings.from_config(app.config)
    count = 0
    with app.app_context():
        session = db.session
        try:
            while True:
                fed = _feed(session, feeders)
                ran = 0
                while (job := queue.claim(session, lease=settings.lease)) is not None:
                    handler = handlers.get(job.kind)
                    if handler is None:
                        queue.fail(session, job.id, f"no handler for jobs of kind {job.kind!r}")
                        continue
                    run_job(session, job, handler, settings)
                    ran += 1
                count += ran
                if not fed and not ran:
                    break
        finally:
            db.session.remove()
    return count


def work_forever(
    app: Flask,
    handlers: Mapping[str, Handler],
    stop: threading.Event,
    feeders: Sequence[Feeder] = (),
) -> None:
    """Poll for new records and due jobs until `stop` is set (SIGTERM and SIGINT set it)."""
    settings = WorkerSettings.from_config(app.config)
    while not stop.is_set():
        if work_once(app, handlers, feeders) == 0:
            stop.wait(settings.poll_seconds)


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM and SIGINT set: the loop finishes its job and exits."""
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop
