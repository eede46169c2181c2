"""Workflow routes: an activity's actions, its review page, the evidence form and "My work".

Every route asks `state_machines` on the server: `may_view_activity` before showing anything
(403 otherwise), `check` / `available_actions` for what to offer, and every change goes through
`perform_action`, which asks again on the locked row. Templates only display those answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from state_machines import Action
from workflow_app.clock import today
from workflow_app.evidence.app_store import evidence_store
from workflow_app.extensions import db
from workflow_app.workflow.errors import WorkflowFailure
from workflow_app.workflow.forms import WorkflowActionForm
from workflow_app.workflow.labels import QUEUE_TEXT, failure_text, success_text
from workflow_app.workflow.operations import ActionRequest, perform_action
from workflow_app.workflow.pages import (
    activity_page,
    current_account,
    load_record,
    review_page,
    template_helpers,
    viewer,
)
from workflow_app.workflow.panels import FailedAction
from workflow_app.workflow.submit_page import submit_page
from workflow_app.workflow.worklist import QUEUES, WorkItem, worklist

workflow_bp = Blueprint("workflow", __name__)


def show_activity(activity_id: int) -> tuple[str, int]:
    """GET of the activity page (the route is `plans.activity_view`)."""
    return activity_page(load_record(activity_id))


@workflow_bp.post("/activities/<id:activity_id>/actions/<action_name>")
@login_required
def act(activity_id: int, action_name: str) -> ResponseReturnValue:
    """Every action of every page lands here and goes through `perform_action`."""
    try:
        action = Action(action_name)
    except ValueError:
        abort(404)
    record = load_record(activity_id)
    viewer(record)
    if action is Action.SUBMIT:
        return submit_page(record)
    on_review = request.form.get("origin") == "review"
    form = WorkflowActionForm()
    form.validate()
    if form.expected_version.errors:
        abort(400)  # a page of ours always sends it: this request was not made by one
    comment = form.comment.data or ""
    publishable = bool(form.publishable.data) and action is Action.APPROVE
    page = review_page if on_review else activity_page
    if form.comment.errors:
        failed = FailedAction(action, "invalid", form.comment.errors[0], comment, publishable)
        return page(record, failed=failed, status=422)
    try:
        outcome = perform_action(
            db.session,
            user=current_account(),
            activity_id=activity_id,
            # Always a string, so the definition judges a missing return comment as empty.
            request=ActionRequest(
                action=action,
                expected_version=form.expected_version.data,
                comment=comment,
                publishable=publishable,
            ),
            store=evidence_store(),
        )
    except WorkflowFailure as failure:
        if failure.status == 404:
            abort(404)
        record = load_record(activity_id)
        message = failure_text(failure, action, record.activity.state)
        failed = FailedAction(action, failure.code, message, comment, publishable)
        return page(record, failed=failed, status=failure.status)
    text = success_text(outcome.action, outcome.certified_level, record.activity.target_level)
    flash(text, "success")
    return redirect(url_for("plans.activity_view", activity_id=activity_id))


@workflow_bp.get("/activities/<id:activity_id>/review")
@login_required
def review(activity_id: int) -> ResponseReturnValue:
    return review_page(load_record(activity_id))


@workflow_bp.route("/activities/<id:activity_id>/submit", methods=["GET", "POST"])
@login_required
def submit(activity_id: int) -> ResponseReturnValue:
    return submit_page(load_record(activity_id))


@dataclass(frozen=True)
class InboxSection:
    key: str
    title: str
    empty_text: str
    endpoint: str
    items: list[WorkItem]


@workflow_bp.get("/inbox")
@login_required
def inbox() -> ResponseReturnValue:
    """The caller's worklist, one section per working role they hold."""
    actor = current_account().as_actor()
    items = worklist(db.session, actor, today())
    sections = []
    for queue in QUEUES:
        if not actor.has_role(queue.role):
            continue
        title, empty_text, endpoint = QUEUE_TEXT[queue.role]
        mine = [item for item in items if item.queue is queue]
        sections.append(InboxSection(queue.role.value, str(title), str(empty_text), endpoint, mine))
    return render_template(
        "workflow/inbox.html",
        sections=sections,
        nothing_to_do=all(not section.items for section in sections),
        **template_helpers(),
    )
