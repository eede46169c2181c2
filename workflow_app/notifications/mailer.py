"""Sending mail over SMTP with a few retries; failures are logged, never raised."""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from workflow_app.ops.request_log import log_event

DEFAULT_RETRY_DELAYS = (0.5, 2.0)  # seconds before the second and third attempts
SMTP_TIMEOUT = 10


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    sender: str
    use_tls: bool = False
    username: str | None = None
    password: str | None = None
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS

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
            retry_delays=tuple(config.get("MAIL_RETRY_DELAYS", DEFAULT_RETRY_DELAYS)),
        )


def build_message(settings: MailSettings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject  # non-ASCII is RFC 2047-encoded as UTF-8 by the policy
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(body, charset="utf-8")
    return message


def _connect(settings: MailSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.server, settings.port, timeout=SMTP_TIMEOUT)
    try:
        if settings.use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_all(settings: MailSettings, messages: Sequence[EmailMessage], *, purpose: str) -> int:
    """Send every message; retry the unsent ones after each delay; log what still failed.

    Returns how many were delivered to the server. Never raises for SMTP or network errors.
    """
    pending = list(messages)
    attempts = len(settings.retry_delays) + 1
    error: Exception | None = None
    refused_count = 0
    for attempt in range(1, attempts + 1):
        try:
            with _connect(settings) as smtp:
                while pending:
                    try:
                        smtp.send_message(pending[0])
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as refused:
                        # Permanent for this message: log it and go on with the others.
                        log_event(
                            "notification_failed",
                            purpose=purpose,
                            recipients=[str(pending[0]["To"])],
                            error=f"{type(refused).__name__}: {refused}",
                        )
                        refused_count += 1
                    pending.pop(0)
        except (OSError, smtplib.SMTPException) as caught:
            error = caught
            log_event(
                "notification_retry" if attempt < attempts else "notification_failed",
                purpose=purpose,
                attempt=attempt,
                recipients=[str(m["To"]) for m in pending],
                error=f"{type(caught).__name__}: {caught}",
            )
        if not pending:
            break
        if attempt < attempts:
            time.sleep(settings.retry_delays[attempt - 1])
    delivered = len(messages) - len(pending) - refused_count
    if delivered:
        log_event("notification_sent", purpose=purpose, count=delivered)
    if pending and error is None:  # pragma: no cover - the loop always records its error
        log_event("notification_failed", purpose=purpose, recipients=len(pending))
    return delivered
