"""`flask notify digest [--today YYYY-MM-DD]`: the daily e-mail of what waits for each user."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from workflow_app import clock
from workflow_app.extensions import db
from workflow_app.notifications.digest import build_digests, digest_message
from workflow_app.notifications.mailer import MailSettings, build_message, send_all

notify_cli = AppGroup("notify", help="E-mail notifications.")


@notify_cli.command("digest")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to report for (C.E., YYYY-MM-DD); default today in Bangkok.",
)
def digest_command(today: datetime | None) -> None:
    """E-mail each user with an address what waits for them; users with nothing get nothing."""
    settings = MailSettings.from_config(current_app.config)
    if settings is None:
        raise click.ClickException("MAIL_SERVER is not set: notifications are disabled")
    day: date = today.date() if today else clock.today()
    digests = build_digests(db.session, day)
    messages = []
    for digest in digests:
        subject, body = digest_message(digest, day)
        messages.append(build_message(settings, digest.user.email or "", subject, body))
    db.session.rollback()
    sent = send_all(settings, messages, purpose="digest") if messages else 0
    click.echo(f"digest: {sent} of {len(messages)} e-mails sent")
    if sent < len(messages):
        raise SystemExit(1)
