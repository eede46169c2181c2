"""E-mail: transition notifications and the daily digest, to a local SMTP server, delivered by
the outbox worker after the transition has committed."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select, update

from tests.conftest import csrf_token_from, login
from tests.integration.conftest import PASSWORD, People
from tests.integration.workflow_support import act, activity
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db
from workflow_app.models_base import utcnow
from workflow_app.notifications.jobs import FEEDERS, HANDLERS, MAIL_JOB
from workflow_app.outbox.models import OutboxJob
from workflow_app.outbox.queue import failed_jobs
from workflow_app.outbox.worker import work_once
from workflow_app.workflow.models import WorkflowDecision


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def to(self) -> list[str]:
        return sorted(str(m["To"]) for m in self.messages)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def _mail_config(app: Flask, port: int) -> None:
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_FROM="ita@example.go.th",
        MAIL_TIMEOUT_SECONDS=2,
    )


def deliver(app: Flask) -> int:
    """What `flask notify worker --once` does: run every job that is due."""
    return work_once(app, HANDLERS, FEEDERS)


def jobs(kind: str) -> list[OutboxJob]:
    db.session.rollback()  # a fresh read: the worker wrote in its own session
    return list(
        db.session.scalars(
            select(OutboxJob)
            .where(OutboxJob.kind == kind)
            .order_by(OutboxJob.id)
            .execution_options(populate_existing=True)
        )
    )


def _addresses(people: People) -> None:
    for name in people.ids:
        people.user(name).email = f"{name}@example.go.th"
    db.session.commit()


def _addr(*names: str) -> list[str]:
    return sorted(f"{name}@example.go.th" for name in names)


def test_transitions_reach_the_right_people_only(
    app_ctx: Flask, people: People, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    _addresses(people)
    _mail_config(app_ctx, port)

    act(people, "multi", "1.1.1", "submit")
    assert box.messages == []  # nothing is sent in the request
    deliver(app_ctx)
    # Reviewers in scope, never the submitter (multi) nor the out-of-scope "outsider".
    assert box.to() == _addr("reviewer", "reviewer2")
    message = box.messages[0]
    assert "มีหลักฐานส่งมาให้ตรวจสอบ" in str(message["Subject"])
    assert "1.1.1" in message.get_content()

    box.messages.clear()
    act(people, "reviewer", "1.1.1", "forward")
    deliver(app_ctx)
    assert box.to() == _addr("head", "head2")  # multi submitted it: not asked to approve

    box.messages.clear()
    act(people, "head", "1.1.1", "return", comment="แนบภาพถ่ายกิจกรรม")
    deliver(app_ctx)
    assert box.to() == _addr("multi")
    assert "แนบภาพถ่ายกิจกรรม" in box.messages[0].get_content()

    box.messages.clear()
    act(people, "officer", "1.1.1", "submit")
    deliver(app_ctx)
    assert box.to() == _addr("multi", "reviewer", "reviewer2")
    act(people, "reviewer2", "1.1.1", "forward")
    deliver(app_ctx)
    box.messages.clear()
    act(people, "head", "1.1.1", "approve")
    deliver(app_ctx)
    assert box.to() == _addr("officer")
    # Every message once, each with its own Message-ID; every job done.
    assert all(job.status == "done" for job in jobs(MAIL_JOB))
    assert "ได้รับการรับรองแล้ว" in str(box.messages[0]["Subject"])


def test_no_mail_server_means_no_notifications(app_ctx: Flask, people: People) -> None:
    _addresses(people)
    app_ctx.config["MAIL_SERVER"] = None
    assert act(people, "officer", "1.1.1", "submit").to_state == "submitted"
    assert deliver(app_ctx) == 0 and jobs(MAIL_JOB) == []


def test_a_failing_smtp_server_is_retried_then_reported(
    app_ctx: Flask, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    _addresses(people)
    _mail_config(app_ctx, _free_port())  # nothing listens there
    app_ctx.config.update(WORKFLOW_OUTBOX_RETRY_SECONDS=0, WORKFLOW_OUTBOX_MAX_ATTEMPTS=3)
    outcome = act(people, "officer", "1.1.1", "submit")
    assert outcome.to_state == "submitted"
    assert activity(people, "1.1.1").state == "submitted"
    decision = db.session.scalar(
        select(WorkflowDecision).where(WorkflowDecision.audit_seq == outcome.audit_seq)
    )
    assert decision is not None and decision.action == "submit"
    with caplog.at_level(logging.INFO, logger="workflow_app.requests"):
        deliver(app_ctx)
    mails = jobs(MAIL_JOB)
    assert sorted(job.payload["to"] for job in mails) == _addr("multi", "reviewer", "reviewer2")
    # Three attempts each (no delay in this test), then failed for good, with the error kept.
    assert all((job.status, job.attempts) == ("failed", 3) for job in mails)
    assert all("ConnectionRefusedError" in (job.last_error or "") for job in mails)
    retries = [r for r in caplog.records if '"job_retry"' in r.getMessage()]
    failures = [r for r in caplog.records if '"job_failed"' in r.getMessage()]
    assert (len(retries), len(failures)) == (6, 3)
    assert [job.id for job in failed_jobs(db.session, MAIL_JOB)] == [m.id for m in mails][::-1]


def test_daily_digest(app_ctx: Flask, people: People, inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    codes = sorted(people.activities)
    act(people, "officer", codes[0], "submit")  # waits for reviewers
    act(people, "officer", codes[1], "submit")
    act(people, "reviewer", codes[1], "forward")  # waits for heads
    act(people, "officer", codes[2], "submit")
    act(people, "reviewer", codes[2], "return")  # waits for the officer
    deliver(app_ctx)  # notifications are off: the worker reads past these, announcing nothing
    _addresses(people)
    _mail_config(app_ctx, port)

    result = app_ctx.test_cli_runner().invoke(args=["notify", "digest", "--today", "2024-11-15"])
    assert result.exit_code == 0, result.output
    assert box.messages == []  # queued, not sent by the command
    deliver(app_ctx)
    by_user = {str(m["To"]).split("@")[0]: m.get_content() for m in box.messages}
    assert len(box.messages) == len(by_user)  # one each
    # Reviewers see the submitted one (the reviewer who forwarded has nothing more there).
    assert codes[0] in by_user["reviewer2"] and codes[0] in by_user["reviewer"]
    assert "รอท่านพิจารณารับรอง" in by_user["head"] and codes[1] in by_user["head"]
    assert "ถูกส่งกลับให้แก้ไข" in by_user["officer"] and codes[2] in by_user["officer"]
    # Nothing waits for these: no e-mail at all.
    for idle in ("auditor", "admin", "outsider"):
        assert idle not in by_user
    assert f"{len(box.messages)} e-mails queued (0 already" in result.output
    # The same day again queues nothing: one digest per person per day.
    again = app_ctx.test_cli_runner().invoke(args=["notify", "digest", "--today", "2024-11-15"])
    assert f"0 e-mails queued ({len(box.messages)} already" in again.output
    assert deliver(app_ctx) == 0


def test_digest_without_mail_server_refuses(app_ctx: Flask, people: People) -> None:
    app_ctx.config["MAIL_SERVER"] = None
    result = app_ctx.test_cli_runner().invoke(args=["notify", "digest"])
    assert result.exit_code != 0 and "MAIL_SERVER" in result.output


def test_user_create_takes_an_email(app_ctx: Flask, people: People) -> None:
    result = app_ctx.test_cli_runner().invoke(
        args=[
            "user",
            "create",
            "mailer",
            "--role",
            "officer",
            "--unit",
            "กองอื่น",
            "--email",
            "mailer@example.go.th",
            "--password-stdin",
        ],
        input="a long test password\n",
    )
    assert result.exit_code == 0, result.output
    from workflow_app.accounts.models import User

    user = db.session.scalar(select(User).where(User.username == "mailer"))
    assert user is not None and user.email == "mailer@example.go.th"
    bad = app_ctx.test_cli_runner().invoke(
        args=[
            "user",
            "create",
            "mailer2",
            "--role",
            "officer",
            "--unit",
            "กองอื่น",
            "--email",
            "x@y\nBcc: z@w",
            "--password-stdin",
        ],
        input="a long test password\n",
    )
    assert bad.exit_code != 0


def test_an_administrator_sees_undelivered_mail_and_sends_it_again(
    app: Flask, people: People, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    _mail_config(app, _free_port())  # nothing listens there: every attempt fails
    app.config.update(WORKFLOW_OUTBOX_RETRY_SECONDS=0, WORKFLOW_OUTBOX_MAX_ATTEMPTS=1)
    with app.app_context():
        _addresses(people)
        act(people, "multi", "1.1.1", "submit")
        deliver(app)
        failed = [(job.id, job.status, job.payload["to"]) for job in jobs(MAIL_JOB)]
    assert {status for _id, status, _to in failed} == {"failed"}

    reviewer = app.test_client()
    login(reviewer, "reviewer", PASSWORD)
    assert reviewer.get("/admin/notifications").status_code == 403
    admin = app.test_client()
    login(admin, "admin", PASSWORD)
    page = admin.get("/admin/notifications").text
    assert page.count("data-job=") == len(failed) and "reviewer2@example.go.th" in page
    assert "ConnectionRefusedError" in page

    app.config["MAIL_PORT"] = port  # the server is back
    token = csrf_token_from(page)
    job_id, _status, to = failed[0]
    retried = admin.post(f"/admin/notifications/{job_id}/retry", data={"csrf_token": token})
    assert retried.status_code == 302
    again = admin.post(f"/admin/notifications/{job_id}/retry", data={"csrf_token": token})
    assert "Not done" in admin.get(again.headers["Location"]).text  # not failed any more
    deliver(app)
    assert box.to() == [to]
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "notification.requeue")
        )
        assert entry is not None and entry.actor_username == "admin"
    assert admin.get("/admin/notifications").text.count("data-job=") == len(failed) - 1


def test_prune_forgets_old_finished_jobs_only(
    app_ctx: Flask, people: People, inbox: tuple[Inbox, int]
) -> None:
    _box, port = inbox
    _addresses(people)
    _mail_config(app_ctx, port)
    act(people, "officer", "1.1.1", "submit")
    deliver(app_ctx)
    kept = len(jobs(MAIL_JOB))
    runner = app_ctx.test_cli_runner()
    assert "0 finished jobs removed" in runner.invoke(args=["notify", "prune"]).output
    db.session.execute(update(OutboxJob).values(finished_at=utcnow() - timedelta(days=91)))
    db.session.commit()
    assert f"{kept} finished jobs removed" in runner.invoke(args=["notify", "prune"]).output
    assert jobs(MAIL_JOB) == []


def test_stale_requests_to_act_are_not_sent(
    app_ctx: Flask, people: People, inbox: tuple[Inbox, int]
) -> None:
    """The worker reads the decisions in order; a request to act that the activity has moved
    past (submitted, then forwarded before the worker looked) is not sent, news still is."""
    box, port = inbox
    _addresses(people)
    _mail_config(app_ctx, port)
    act(people, "officer", "1.1.1", "submit")
    act(people, "reviewer", "1.1.1", "forward")
    deliver(app_ctx)
    assert box.to() == _addr("head", "head2", "multi")  # the forward only
    box.messages.clear()
    act(people, "head", "1.1.1", "return", comment="เพิ่มภาพ")
    act(people, "officer", "1.1.1", "submit")
    deliver(app_ctx)
    # The return is news for the officer whatever follows; the new submission asks reviewers.
    assert box.to() == _addr("multi", "officer", "reviewer", "reviewer2")


def test_transitions_older_than_the_limit_are_not_announced(
    app_ctx: Flask, people: People, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    _addresses(people)
    _mail_config(app_ctx, port)
    app_ctx.config["WORKFLOW_NOTIFY_MAX_AGE_HOURS"] = 0  # everything is "too old" at once
    act(people, "officer", "1.1.1", "submit")
    deliver(app_ctx)
    assert box.messages == [] and jobs(MAIL_JOB) == []
