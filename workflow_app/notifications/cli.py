"""`flask notify …`: the outbox worker that delivers notifications, and the daily digest."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from workflow_app import clock
from workflow_app.db import write_transaction
from workflow_app.extensions import db
from workflow_app.models_base import utcnow
from workflow_app.notifications.digest import build_digests, digest_message
from workflow_app.notifications.jobs import FEEDERS, HANDLERS, queue_mail
from workflow_app.notifications.mailer import MailSettings
from workflow_app.outbox.queue import prune
from workflow_app.outbox.worker import stop_on_signals, work_forever, work_once

notify_cli = AppGroup("notify", help="E-mail notifications.")


@notify_cli.command("worker")
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
def worker_command(once: bool) -> None:
    """Deliver what the outbox holds: notifications of transitions and digests, with retries.

    Run one or more beside the web workers, on any host (they share the database's queue).
    SIGTERM or Ctrl-C lets the current job finish, then stops."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        click.echo(f"worker: {work_once(app, HANDLERS, FEEDERS)} jobs run")
        return
    if not app.config.get("MAIL_SERVER"):
        click.echo("worker: MAIL_SERVER is not set; no notification is queued until it is")
    click.echo("worker: delivering outbox jobs (stop with Ctrl-C)")
    work_forever(app, HANDLERS, stop_on_signals(), FEEDERS)


@notify_cli.command("prune")
@click.option("--days", type=click.IntRange(min=1), default=90, show_default=True)
def prune_command(days: int) -> None:
    """Forget delivered messages and finished jobs older than DAYS (undelivered ones stay)."""
    with write_transaction(db.session):
        gone = prune(db.session, finished_before=utcnow() - timedelta(days=days))
    click.echo(f"prune: {gone} finished jobs removed")


@notify_cli.command("digest")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to report for (C.E., YYYY-MM-DD); default today in Bangkok.",
)
def digest_command(today: datetime | None) -> None:
    """Queue for each user with an address what waits for them (users with nothing get
    nothing); the worker sends them. Running it twice in a day queues nothing new."""
    settings = MailSettings.from_config(current_app.config)
    if settings is None:
        raise click.ClickException("MAIL_SERVER is not set: notifications are disabled")
    day: date = today.date() if today else clock.today()
    with write_transaction(db.session):
        digests = build_digests(db.session, day)
        queued = 0
        for digest in digests:
            subject, body = digest_message(digest, day)
            queued += queue_mail(
                db.session,
                settings,
                to=digest.user.email or "",
                subject=subject,
                body=body,
                purpose="digest",
                dedupe_key=f"mail:digest:{day.isoformat()}:{digest.user.id}",
            )
    already = len(digests) - queued
    click.echo(f"digest: {queued} e-mails queued ({already} already queued for {day.isoformat()})")
