"""E-mail: transition notifications and the daily digest, to a local SMTP server."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from tests.integration.conftest import People
from tests.integration.workflow_support import act, activity
from workflow_app.extensions import db
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
        MAIL_RETRY_DELAYS=(0, 0),
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
    # Reviewers in scope, never the submitter (multi) nor the out-of-scope "outsider".
    assert box.to() == _addr("reviewer", "reviewer2")
    message = box.messages[0]
    assert "มีหลักฐานส่งมาให้ตรวจสอบ" in str(message["Subject"])
    assert "1.1.1" in message.get_content()

    box.messages.clear()
    act(people, "reviewer", "1.1.1", "forward")
    assert box.to() == _addr("head", "head2")  # multi submitted it: not asked to approve

    box.messages.clear()
    act(people, "head", "1.1.1", "return", comment="แนบภาพถ่ายกิจกรรม")
    assert box.to() == _addr("multi")
    assert "แนบภาพถ่ายกิจกรรม" in box.messages[0].get_content()

    box.messages.clear()
    act(people, "officer", "1.1.1", "submit")
    assert box.to() == _addr("multi", "reviewer", "reviewer2")
    act(people, "reviewer2", "1.1.1", "forward")
    box.messages.clear()
    act(people, "head", "1.1.1", "approve")
    assert box.to() == _addr("officer")
    assert "ได้รับการรับรองแล้ว" in str(box.messages[0]["Subject"])


def test_no_mail_server_means_no_notifications(app_ctx: Flask, people: People) -> None:
    _addresses(people)
    app_ctx.config["MAIL_SERVER"] = None
    assert act(people, "officer", "1.1.1", "submit").to_state == "submitted"


def test_a_failing_smtp_server_does_not_fail_the_transition(
    app_ctx: Flask, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    _addresses(people)
    _mail_config(app_ctx, _free_port())  # nothing listens there
    with caplog.at_level(logging.INFO, logger="workflow_app.requests"):
        outcome = act(people, "officer", "1.1.1", "submit")
    assert outcome.to_state == "submitted"
    assert activity(people, "1.1.1").state == "submitted"
    decision = db.session.scalar(
        select(WorkflowDecision).where(WorkflowDecision.audit_seq == outcome.audit_seq)
    )
    assert decision is not None and decision.action == "submit"
    failures = [r.getMessage() for r in caplog.records if "notification_failed" in r.getMessage()]
    assert len(failures) == 1
    assert "reviewer@example.go.th" in failures[0]
    retries = [r for r in caplog.records if "notification_retry" in r.getMessage()]
    assert len(retries) == 2


def test_daily_digest(app_ctx: Flask, people: People, inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    codes = sorted(people.activities)
    act(people, "officer", codes[0], "submit")  # waits for reviewers
    act(people, "officer", codes[1], "submit")
    act(people, "reviewer", codes[1], "forward")  # waits for heads
    act(people, "officer", codes[2], "submit")
    act(people, "reviewer", codes[2], "return")  # waits for the officer
    _addresses(people)
    _mail_config(app_ctx, port)

    result = app_ctx.test_cli_runner().invoke(args=["notify", "digest", "--today", "2024-11-15"])
    assert result.exit_code == 0, result.output
    by_user = {str(m["To"]).split("@")[0]: m.get_content() for m in box.messages}
    assert len(box.messages) == len(by_user)  # one each
    # Reviewers see the submitted one (the reviewer who forwarded has nothing more there).
    assert codes[0] in by_user["reviewer2"] and codes[0] in by_user["reviewer"]
    assert "รอท่านพิจารณารับรอง" in by_user["head"] and codes[1] in by_user["head"]
    assert "ถูกส่งกลับให้แก้ไข" in by_user["officer"] and codes[2] in by_user["officer"]
    # Nothing waits for these: no e-mail at all.
    for idle in ("auditor", "admin", "outsider"):
        assert idle not in by_user
    assert f"{len(box.messages)} of {len(box.messages)}" in result.output


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
