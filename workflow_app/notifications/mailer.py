"""Sending one message over SMTP. The outbox worker retries; this module only tries once and
says whether a failure is for good (the server refused the sender or the recipient) or worth
another attempt (anything else: connection refused, timeout, a temporary reply)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from workflow_app.outbox.worker import PermanentFailure


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    sender: str
    use_tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings | None:
        """None when no MAIL_SERVER is configured: notifications are then off."""
        if not config.get("MAIL_SERVER"):
            return None
        return cls(
            server=config["MAIL_SERVER"],
            port=int(config.get("MAIL_PORT") or 25),
            sender=config.get("MAIL_FROM") or "no-reply@localhost",
            use_tls=bool(config.get("MAIL_USE_TLS")),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            timeout=float(config.get("MAIL_TIMEOUT_SECONDS") or 10),
        )

    def new_message_id(self) -> str:
        """Fixed when the message is queued, so every attempt sends the same Message-ID and a
        receiving system can tell a repeat delivery."""
        return make_msgid(domain=self.sender.rpartition("@")[2] or None)


def build_message(
    settings: MailSettings, to: str, subject: str, body: str, message_id: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject  # non-ASCII is RFC 2047-encoded as UTF-8 by the policy
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    message.set_content(body, charset="utf-8")
    return message


def send_message(settings: MailSettings, message: EmailMessage) -> None:
    """Deliver `message` to the server, or raise: `PermanentFailure` if it refuses the sender
    or recipient, the SMTP or network error otherwise."""
    with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
        if settings.use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        try:
            smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as refused:
            raise PermanentFailure(f"{type(refused).__name__}: {refused}") from refused
