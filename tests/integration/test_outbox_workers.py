"""Notifications leave the request: what a transition records, and real worker processes that
deliver it to a real SMTP server (aiosmtpd), through a server that hangs or dies and a worker
killed with SIGKILL mid-send. Every message arrives once; none is lost."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import event, select

from state_machines import Action
from tests.integration.conftest import People
from tests.integration.workflow_support import act
from workflow_app.extensions import db
from workflow_app.notifications.jobs import FEEDERS, HANDLERS, MAIL_JOB
from workflow_app.outbox.models import OutboxJob
from workflow_app.outbox.worker import work_once
from workflow_app.workflow.errors import WorkflowFailure

ROOT = Path(__file__).resolve().parents[2]
CODES = ("1.1.1", "1.1.2", "2.1.1", "2.2.1", "4.1.1", "4.1.2", "3.1.2", "4.2.1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """Messages by Message-ID, as the server acknowledged them. After `hang_after` of them, the
    next DATA waits for `release` and is then refused (451), recording nothing: a server that
    stopped answering mid-delivery."""

    def __init__(self, hang_after: int | None = None) -> None:
        self.received: Counter[str] = Counter()
        self.hang_after = hang_after
        self.hanging = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        if self.hang_after is not None and sum(self.received.values()) >= self.hang_after:
            self.hanging.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
            return "451 4.3.0 gone"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received[str(message["Message-ID"])] += 1
        return "250 OK"


def start_server(handler: Mailbox, port: int) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def configure_mail(app: Flask, port: int) -> None:
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_FROM="ita@example.go.th",
        MAIL_TIMEOUT_SECONDS=2,
    )


def give_addresses(people: People) -> None:
    for name in people.ids:
        people.user(name).email = f"{name}@example.go.th"
    db.session.commit()


def submit_everything(people: People) -> None:
    """A submission on every activity the officers reach: reviewers are to be told of each."""
    for code in CODES:
        for officer in ("officer", "officer2"):
            try:
                act(people, officer, code, Action.SUBMIT)
                break
            except WorkflowFailure:
                continue


def mail_ids() -> dict[str, str]:
    """Message-ID → status of every e-mail job."""
    db.session.rollback()
    return {
        job.payload["message_id"]: job.status
        for job in db.session.scalars(select(OutboxJob).where(OutboxJob.kind == MAIL_JOB))
    }


class Workers:
    """`flask notify worker` processes on the test's database."""

    def __init__(self, app: Flask, tmp_path: Path) -> None:
        self.app = app
        self.instance = tmp_path / "worker-instance"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log = tmp_path / "workers.log"

    def start(self) -> subprocess.Popen[bytes]:
        """A worker on the app's database and mail server (as configured now)."""
        config = self.app.config
        env = {
            **os.environ,
            "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "WORKFLOW_INSTANCE_PATH": str(self.instance),
            "SECRET_KEY": "worker-test",
            "MAIL_SERVER": config["MAIL_SERVER"],
            "MAIL_PORT": str(config["MAIL_PORT"]),
            "MAIL_FROM": config["MAIL_FROM"],
            "MAIL_TIMEOUT_SECONDS": "2",
            "WORKFLOW_OUTBOX_LEASE_SECONDS": "4",
            "WORKFLOW_OUTBOX_POLL_SECONDS": "0.1",
            "WORKFLOW_OUTBOX_RETRY_SECONDS": "0.2",
        }
        with self.log.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "workflow_app", "notify", "worker"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            process.wait(timeout=20)


@pytest.fixture
def workers(app: Flask, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(app, tmp_path)
    yield pool
    for process in pool.processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_for(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def test_a_transition_never_waits_for_a_hanging_mail_server(app_ctx: Flask, people: People) -> None:
    """The server accepts connections and never answers: the transition does not connect at
    all (the request holds nobody for the SMTP timeout); the worker meets the hang later."""
    accepted: list[socket.socket] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept_and_ignore() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_and_ignore, daemon=True)
    thread.start()
    try:
        give_addresses(people)
        configure_mail(app_ctx, listener.getsockname()[1])
        app_ctx.config["MAIL_TIMEOUT_SECONDS"] = 1
        act(people, "officer", "1.1.1", Action.SUBMIT)
        assert accepted == []  # not one connection from the transition: nothing to wait for
        work_once(app_ctx, HANDLERS, FEEDERS)  # the worker meets the hanging server instead
        assert accepted
        db.session.rollback()
        pending = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == MAIL_JOB)).all()
        assert pending and all(job.status == "pending" for job in pending)
        assert all("timed out" in (job.last_error or "") for job in pending)
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_failed_transition_announces_nothing(app_ctx: Flask, people: People) -> None:
    """Notifications read the decision a transition commits: when the transition fails, there
    is no decision and nothing is announced; when it succeeds, its people are told."""
    give_addresses(people)
    configure_mail(app_ctx, free_port())

    def refuse_decision(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO workflow_decisions"):
            raise RuntimeError("the disk is full")

    event.listen(db.engine, "before_cursor_execute", refuse_decision)
    try:
        with pytest.raises(RuntimeError):
            act(people, "officer", "1.1.1", Action.SUBMIT)
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse_decision)
    db.session.rollback()
    work_once(app_ctx, HANDLERS, FEEDERS)
    assert db.session.scalars(select(OutboxJob)).all() == []
    act(people, "officer", "1.1.1", Action.SUBMIT)
    app_ctx.config["WORKFLOW_OUTBOX_MAX_ATTEMPTS"] = 1  # nothing listens: fail at once
    work_once(app_ctx, HANDLERS, FEEDERS)
    db.session.rollback()
    told = sorted(job.payload["to"] for job in db.session.scalars(select(OutboxJob)))
    assert told == sorted(f"{name}@example.go.th" for name in ("multi", "reviewer", "reviewer2"))


def test_every_message_arrives_once_through_a_dead_server_and_a_killed_worker(
    app_ctx: Flask, people: People, workers: Workers
) -> None:
    port = free_port()
    first = Mailbox(hang_after=3)
    server = start_server(first, port)
    give_addresses(people)
    configure_mail(app_ctx, port)
    submit_everything(people)

    doomed = workers.start()
    # Three delivered, the fourth hanging in mid-delivery: kill the worker right there.
    assert first.hanging.wait(timeout=30), workers.output()
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    first.release.set()  # the hung delivery is refused: never delivered
    server.stop()  # and the server goes away

    second = Mailbox()
    server = start_server(second, port)
    try:
        workers.start()
        expected = mail_ids()
        assert len(expected) >= 10
        done = wait_for(lambda: set(mail_ids().values()) == {"done"}, timeout=60)
        workers.stop_all()
    finally:
        server.stop()
    assert done, mail_ids()
    received = first.received + second.received
    assert set(received) == set(mail_ids())
    assert max(received.values()) == 1, received  # none twice
    assert sum(first.received.values()) == 3


def test_two_workers_share_the_queue_without_sending_twice(
    app_ctx: Flask, people: People, workers: Workers
) -> None:
    port = free_port()
    box = Mailbox()
    server = start_server(box, port)
    try:
        give_addresses(people)
        configure_mail(app_ctx, port)
        submit_everything(people)
        workers.start()
        workers.start()
        assert wait_for(lambda: len(mail_ids()) >= 10, timeout=60)
        assert wait_for(lambda: set(mail_ids().values()) == {"done"}, timeout=60)
        workers.stop_all()
    finally:
        server.stop()
    assert set(box.received) == set(mail_ids())
    assert max(box.received.values()) == 1
    assert all(process.returncode == 0 for process in workers.processes)  # SIGTERM: clean exit
