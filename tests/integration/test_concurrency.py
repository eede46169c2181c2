"""Real concurrency against the real databases (SQLite file in WAL mode, and PostgreSQL).

Racing requests are released together by a barrier: threads each with their own app context
(hence their own session and connection), or separate OS processes (spawn) that build their own
app from the same database URL. Whatever the interleaving, one request wins, the other is told
409, and the audit chain gains exactly one entry per success without gaps or forks.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from sqlalchemy import func, select

from state_machines import Action
from tests.conftest import _app_config
from tests.integration.conftest import People
from tests.integration.workflow_support import act, activity, pdf
from tools.verify_audit import EntryRecord, verify_entries
from workflow_app import create_app
from workflow_app.accounts.models import User
from workflow_app.audit.canonical import chain_hash
from workflow_app.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from workflow_app.evidence.app_store import evidence_store
from workflow_app.extensions import db
from workflow_app.workflow.errors import WorkflowFailure
from workflow_app.workflow.models import EvidenceItem, Submission, WorkflowDecision
from workflow_app.workflow.operations import ActionOutcome, ActionRequest, perform_action

RACE_TIMEOUT = 60.0  # seconds; a hung race fails the test instead of the whole run
PROCESS_TIMEOUT = 120.0
SECRETARIAT_CODES = ("1.1.1", "1.1.2", "4.1.1")  # both head (dept) and head2 cover these


@dataclass(frozen=True)
class Result:
    """What one racer got: an outcome, or the refusal's status and code."""

    outcome: ActionOutcome | None = None
    status: int | None = None
    code: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True)
class Job:
    username: str
    code: str
    # Built inside the racing thread, so every racer gets its own file streams.
    request: Callable[[], ActionRequest]


def race(app: Flask, people: People, jobs: list[Job]) -> list[Result]:
    """Run the jobs in threads, each in its own app context, released at once by a barrier."""
    if has_app_context():
        db.session.rollback()  # the caller's read transaction must not linger through the race
    barrier = threading.Barrier(len(jobs), timeout=RACE_TIMEOUT)
    results: list[Result | BaseException | None] = [None] * len(jobs)

    def run(index: int, job: Job) -> None:
        with app.app_context():
            try:
                user = db.session.get(User, people.ids[job.username])
                assert user is not None
                user.as_actor()  # load the grants now, not after the barrier
                request = job.request()
                activity_id = people.activities[job.code]
                barrier.wait()
                outcome = perform_action(
                    db.session,
                    user=user,
                    activity_id=activity_id,
                    request=request,
                    store=evidence_store(),
                )
                results[index] = Result(outcome=outcome)
            except WorkflowFailure as failure:
                results[index] = Result(status=failure.status, code=failure.code)
            except BaseException as error:
                barrier.abort()  # do not leave the others waiting
                results[index] = error
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=run, args=(index, job), name=f"racer-{index}", daemon=True)
        for index, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RACE_TIMEOUT * 2)
        assert not thread.is_alive(), f"{thread.name} did not finish"
    finished: list[Result] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        assert result is not None
        finished.append(result)
    return finished


def winner_and_loser(results: list[Result]) -> tuple[ActionOutcome, Result]:
    winners = [r for r in results if r.ok]
    losers = [r for r in results if not r.ok]
    assert len(winners) == 1 and len(losers) == 1, results
    assert winners[0].outcome is not None
    return winners[0].outcome, losers[0]


def audit_entries() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def assert_chain_intact() -> list[AuditEntry]:
    """Seqs 1..N without gaps, every entry linked to the one before (no forks), hashes right,
    the head row at the last entry, and the independent verifier agrees."""
    db.session.rollback()
    entries = audit_entries()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    previous = GENESIS_HASH
    for entry in entries:
        assert entry.prev_hash == previous, f"fork or gap at seq {entry.seq}"
        assert entry.entry_hash == chain_hash(previous, entry.body), f"bad hash at {entry.seq}"
        previous = entry.entry_hash
    unique_links = {e.prev_hash for e in entries}, {e.entry_hash for e in entries}
    assert [len(links) for links in unique_links] == [len(entries)] * 2
    head = db.session.get(AuditChainHead, 1, populate_existing=True)
    assert head is not None and (head.seq, head.entry_hash) == (len(entries), previous)
    report = verify_entries(EntryRecord(e.seq, e.body, e.prev_hash, e.entry_hash) for e in entries)
    assert report.ok, report.problem
    assert (report.count, report.head_hash) == (len(entries), previous)
    return entries


def count_where(model: Any, *conditions: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def forwarded(people: People, code: str) -> ActionOutcome:
    act(people, "officer", code, "submit")
    return act(people, "reviewer", code, "forward")


def assert_single_approval(people: People, code: str, audit_seq: int, version: int) -> None:
    """One approval of level 1 stored: activity, decision, audit entry and submission agree."""
    db.session.rollback()
    activity_id = people.activities[code]
    row = activity(people, code)
    assert (row.state, row.certified_level, row.version) == ("open", 1, version + 1)
    decisions = db.session.scalars(
        select(WorkflowDecision).where(
            WorkflowDecision.activity_id == activity_id, WorkflowDecision.action == "approve"
        )
    ).all()
    assert [d.audit_seq for d in decisions] == [audit_seq]
    entries = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.activity_id == activity_id, AuditEntry.action == "workflow.approve"
        )
    ).all()
    assert [e.seq for e in entries] == [audit_seq]
    statuses = db.session.scalars(
        select(Submission.status).where(Submission.activity_id == activity_id)
    ).all()
    assert statuses == ["approved"]


# --- two division heads approve the same forwarded submission ---------------------------------


@pytest.mark.parametrize("versioned", [True, False], ids=["expected-version", "no-version"])
def test_two_heads_approve_the_same_submission_at_once(
    app_ctx: Flask, people: People, versioned: bool
) -> None:
    for code in SECRETARIAT_CODES:
        ready = forwarded(people, code)
        version = ready.version if versioned else None

        def approve(version: int | None = version) -> ActionRequest:
            return ActionRequest(action=Action.APPROVE, expected_version=version)

        results = race(app_ctx, people, [Job("head", code, approve), Job("head2", code, approve)])
        outcome, loser = winner_and_loser(results)
        # The loser either saw the new version under the lock, or (if it looked after the
        # winner committed) a state that no longer allows approval.
        allowed = {"stale_version", "wrong_state"} if versioned else {"wrong_state"}
        assert loser.status == 409 and loser.code in allowed, loser
        assert (outcome.certified_level, outcome.version) == (1, ready.version + 1)
        assert_single_approval(people, code, outcome.audit_seq, ready.version)
    assert_chain_intact()


def _approve_in_child(
    config: dict[str, Any],
    user_id: int,
    activity_id: int,
    expected_version: int,
    barrier: Any,
    results: Any,
) -> None:
    """Runs in a spawned process: its own app, engine and connection to the same database."""
    application = create_app(config)
    reply: tuple[Any, ...]
    with application.app_context():
        try:
            user = db.session.get(User, user_id)
            assert user is not None
            user.as_actor()
            barrier.wait()
            outcome = perform_action(
                db.session,
                user=user,
                activity_id=activity_id,
                request=ActionRequest(action=Action.APPROVE, expected_version=expected_version),
                store=evidence_store(),
            )
            reply = ("ok", outcome.version, outcome.audit_seq, outcome.certified_level)
        except WorkflowFailure as failure:
            reply = ("refused", failure.status, failure.code)
        except BaseException as error:
            barrier.abort()
            reply = ("error", repr(error))
        finally:
            db.session.remove()
            db.engine.dispose()
    results.put(reply)


def test_two_heads_in_two_processes_approve_at_once(
    app: Flask, people: People, tmp_path: Path
) -> None:
    with app.app_context():
        ready = forwarded(people, "1.1.1")
        db.session.remove()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2, timeout=PROCESS_TIMEOUT)
    replies = context.Queue()
    processes = []
    for index, head in enumerate(("head", "head2")):
        config = _app_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / f"child-{index}")
        config["WORKFLOW_UPLOAD_DIR"] = app.config["WORKFLOW_UPLOAD_DIR"]
        process = context.Process(
            target=_approve_in_child,
            args=(
                config,
                people.ids[head],
                people.activities["1.1.1"],
                ready.version,
                barrier,
                replies,
            ),
            name=f"approver-{head}",
        )
        process.start()
        processes.append(process)
    try:
        got = [replies.get(timeout=PROCESS_TIMEOUT) for _ in processes]
    finally:
        for process in processes:
            process.join(PROCESS_TIMEOUT)
            if process.is_alive():
                process.kill()
                process.join()
    assert [p.exitcode for p in processes] == [0, 0]
    assert not [reply for reply in got if reply[0] == "error"], got
    wins = [reply for reply in got if reply[0] == "ok"]
    refusals = [reply for reply in got if reply[0] == "refused"]
    assert len(wins) == 1 and len(refusals) == 1, got
    _, status, code = refusals[0]
    assert status == 409 and code in {"stale_version", "wrong_state"}, got
    _, version, audit_seq, certified = wins[0]
    assert (version, certified) == (ready.version + 1, 1)
    with app.app_context():
        assert_single_approval(people, "1.1.1", audit_seq, ready.version)
        assert_chain_intact()


# --- many writers at once keep one chain ------------------------------------------------------


def test_eight_activities_at_once_keep_one_unbroken_chain(app_ctx: Flask, people: People) -> None:
    codes = sorted(people.activities)
    assert len(codes) == 8
    before = len(assert_chain_intact())

    def submit(index: int) -> Callable[[], ActionRequest]:
        # Half the uploads share their bytes: the content-addressed store sees that race too.
        def build() -> ActionRequest:
            return ActionRequest(
                action=Action.SUBMIT,
                narrative=f"ผลการดำเนินงานกิจกรรมที่ {index}",
                files=[pdf(extra=b"shared" if index % 2 else f"own {index}".encode())],
                links=["https://www.mfa.go.th/report"],
            )

        return build

    def forward() -> ActionRequest:
        return ActionRequest(action=Action.FORWARD)

    submitters = ("officer2", "multi")
    submitted = race(
        app_ctx,
        people,
        [Job(submitters[i % 2], code, submit(i)) for i, code in enumerate(codes)],
    )
    assert all(r.ok for r in submitted), submitted
    forwarded_ = race(app_ctx, people, [Job("reviewer", code, forward) for code in codes])
    assert all(r.ok for r in forwarded_), forwarded_

    entries = assert_chain_intact()
    outcomes = [r.outcome for r in [*submitted, *forwarded_] if r.outcome is not None]
    new = entries[before:]
    assert sorted(o.audit_seq for o in outcomes) == [e.seq for e in new]
    assert len(new) == 16
    by_seq = {e.seq: e for e in new}
    for outcome in outcomes:
        entry = by_seq[outcome.audit_seq]
        assert (entry.action, entry.activity_id) == (
            f"workflow.{outcome.action.value}",
            outcome.activity_id,
        )
    for code in codes:
        row = activity(people, code)
        assert (row.state, row.version) == ("forwarded", 3)
    assert count_where(Submission) == 8
    store = evidence_store()
    hashes = db.session.scalars(select(EvidenceItem.sha256).where(EvidenceItem.kind == "file"))
    for digest in hashes:
        assert digest is not None and store.verify(digest)


# --- the same officer submits twice at once ----------------------------------------------------


@pytest.mark.parametrize("versioned", [True, False], ids=["expected-version", "no-version"])
def test_the_same_submission_sent_twice_at_once(
    app_ctx: Flask, people: People, versioned: bool
) -> None:
    for code in SECRETARIAT_CODES:
        activity_id = people.activities[code]
        version = activity(people, code).version if versioned else None

        def submit(version: int | None = version) -> ActionRequest:
            return ActionRequest(
                action=Action.SUBMIT,
                expected_version=version,
                narrative="ดำเนินการตามแผนแล้ว",
                files=[pdf()],
            )

        results = race(app_ctx, people, [Job("officer", code, submit)] * 2)
        outcome, loser = winner_and_loser(results)
        allowed = {"stale_version", "wrong_state"} if versioned else {"wrong_state"}
        assert loser.status == 409 and loser.code in allowed, loser
        db.session.rollback()
        assert (outcome.from_state, outcome.to_state) == ("open", "submitted")
        rows = db.session.scalars(
            select(Submission).where(Submission.activity_id == activity_id)
        ).all()
        assert [(s.id, s.status) for s in rows] == [(outcome.submission_id, "submitted")]
        submits = count_where(
            AuditEntry,
            AuditEntry.activity_id == activity_id,
            AuditEntry.action == "workflow.submit",
        )
        assert submits == 1
        assert count_where(WorkflowDecision, WorkflowDecision.activity_id == activity_id) == 1
        assert activity(people, code).version == 2
    assert_chain_intact()
