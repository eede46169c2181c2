"""Administration: e-mail the outbox could not deliver, with the error, and sending it again."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from workflow_app.admin.blueprint import acting_admin, admin_bp, done
from workflow_app.admin.forms import ActionForm
from workflow_app.extensions import db
from workflow_app.notifications.jobs import MAIL_JOB
from workflow_app.notifications.operations import NotificationError, requeue_undelivered
from workflow_app.outbox.models import OutboxJob
from workflow_app.outbox.queue import failed_jobs

_WAITING = select(func.count()).where(OutboxJob.kind == MAIL_JOB, OutboxJob.status == "pending")


@admin_bp.route("/notifications")
def notifications() -> str:
    return render_template(
        "admin/notifications.html",
        failed=failed_jobs(db.session, MAIL_JOB),
        waiting=db.session.scalar(_WAITING) or 0,
        action_form=ActionForm(formdata=None),
    )


@admin_bp.route("/notifications/<id:job_id>/retry", methods=["POST"])
def notification_retry(job_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        seq = requeue_undelivered(db.session, job_id, actor=acting_admin())
    except NotificationError:
        flash(_("Not done: this e-mail is not waiting to be sent again."), "danger")
    else:
        done(_("The e-mail will be sent again."), seq)
    return redirect(url_for("admin.notifications"))
