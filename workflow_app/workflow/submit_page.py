"""The evidence form: a narrative, files and links for the level being worked on, and, when the
officer answers a return, the returned submission's files to send again.

What a submission needs is `state_machines`' answer (placed on the fields at fault); storing it
is `perform_action`'s, kept files included.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from state_machines import Action, Actor, Refusal, State, check
from workflow_app.evidence.app_store import evidence_store
from workflow_app.extensions import db
from workflow_app.workflow.activity_record import ActivityRecord
from workflow_app.workflow.errors import WorkflowFailure
from workflow_app.workflow.forms import ACCEPTED_EXTENSIONS, SubmitEvidenceForm
from workflow_app.workflow.labels import FILE_CODES, failure_text, refusal_text, success_text
from workflow_app.workflow.operations import (
    MAX_EVIDENCE_ITEMS,
    ActionRequest,
    FileUpload,
    perform_action,
)
from workflow_app.workflow.pages import current_account, load_record, template_helpers, viewer
from workflow_app.workflow.trail import SubmissionRecord, load_submission


def submit_page(record: ActivityRecord) -> ResponseReturnValue:
    """GET: the form (filled from the returned submission when answering one). POST: send it."""
    actor = viewer(record)
    permission = check(actor, record.snapshot(), Action.SUBMIT)
    form = SubmitEvidenceForm()
    if not permission.allowed:
        assert permission.refusal is not None
        status = WorkflowFailure.refused(permission.refusal, permission.reason or "").status
        blocked = refusal_text(permission.refusal, Action.SUBMIT, record.activity.state)
        return _render(record, form, None, blocked=blocked), status
    returned = _returned(record)
    if request.method == "GET":
        form.expected_version.data = record.activity.version
        if returned is not None:
            # Answering a return usually means adding to the same evidence, not retyping it.
            form.narrative.data = returned.narrative
            form.links.data = "\n".join(item.url or "" for item in returned.evidence if item.url)
        kept = {item.id for item in returned.evidence} if returned is not None else set()
        return _render(record, form, returned, kept=kept)
    return _receive(record, actor, returned, form)


def _returned(record: ActivityRecord) -> SubmissionRecord | None:
    """The returned submission the officer is answering, if that is the state."""
    if record.state is not State.RETURNED:
        return None
    return load_submission(db.session, record.activity.open_submission_id or 0)


def _kept_choice(returned: SubmissionRecord | None) -> list[int]:
    """The returned submission's files the officer ticked (other values are not ours)."""
    if returned is None:
        return []
    ticked = {int(value) for value in request.form.getlist("keep_file") if value.isdigit()}
    return [item.id for item in returned.evidence if item.is_file and item.id in ticked]


def _receive(
    record: ActivityRecord,
    actor: Actor,
    returned: SubmissionRecord | None,
    form: SubmitEvidenceForm,
) -> ResponseReturnValue:
    form.validate()
    if form.expected_version.errors:
        abort(400)
    files = form.chosen_files()
    kept = _kept_choice(returned)
    links = form.checked_links()
    narrative = form.narrative.data or ""
    # The definition says what a submission needs; the answer is placed on the fields at fault.
    inputs = check(
        actor,
        record.snapshot(),
        Action.SUBMIT,
        has_narrative=bool(narrative.strip()),
        evidence_count=len(files) + len(kept) + len(form.link_lines()),
    )
    if inputs.refusal is Refusal.EVIDENCE_REQUIRED:
        if not narrative.strip():
            form.narrative.errors = [
                *form.narrative.errors,
                _("Describe what was done to meet this level."),
            ]
        if not files and not kept and not form.link_lines():
            form.files.errors = [*form.files.errors, _("Attach at least one file or link.")]
    if any(field.errors for field in form) or not inputs.allowed:
        page = _render(record, form, returned, kept=set(kept), files_lost=bool(files))
        return page, 422
    try:
        outcome = perform_action(
            db.session,
            user=current_account(),
            activity_id=record.activity.id,
            request=ActionRequest(
                action=Action.SUBMIT,
                expected_version=form.expected_version.data,
                narrative=narrative,
                files=[FileUpload(f.stream, f.filename or "") for f in files],
                links=links,
                keep_files=kept,
            ),
            store=evidence_store(),
        )
    except WorkflowFailure as failure:
        if failure.status == 404:
            abort(404)
        return _failed(record.activity.id, form, set(kept), bool(files), failure)
    text = success_text(outcome.action, outcome.certified_level, record.activity.target_level)
    flash(text, "success")
    return redirect(url_for("plans.activity_view", activity_id=record.activity.id))


def _failed(
    activity_id: int,
    form: SubmitEvidenceForm,
    kept: set[int],
    files_lost: bool,
    failure: WorkflowFailure,
) -> tuple[str, int]:
    record = load_record(activity_id)
    message = failure_text(failure, Action.SUBMIT, record.activity.state)
    general = None
    if failure.code in FILE_CODES:
        form.files.errors = [*form.files.errors, message]
    elif failure.code == "bad_link":
        form.links.errors = [*form.links.errors, message]
    else:
        general = message
        if failure.code == "stale_version":
            # The page now shows the current state; sending again is a decision on that.
            form.expected_version.data = record.activity.version
    page = _render(record, form, _returned(record), kept=kept, files_lost=files_lost, error=general)
    return page, failure.status


def _render(
    record: ActivityRecord,
    form: SubmitEvidenceForm,
    returned: SubmissionRecord | None,
    *,
    kept: set[int] | None = None,
    files_lost: bool = False,
    blocked: str | None = None,
    error: str | None = None,
) -> str:
    activity = record.activity
    level_number = activity.certified_level + 1
    max_bytes = int(current_app.config["WORKFLOW_MAX_UPLOAD_BYTES"])
    return render_template(
        "workflow/submit.html",
        activity=activity,
        plan=record.plan,
        form=form,
        level_number=level_number,
        criterion=record.criterion(level_number),
        returned=returned,
        return_decision=returned.last(Action.RETURN) if returned is not None else None,
        kept=kept or set(),
        files_lost=files_lost,
        blocked=blocked,
        error=error,
        max_bytes=max_bytes,
        max_size=_size_label(max_bytes),
        invalid=any(field.errors for field in form),
        max_items=MAX_EVIDENCE_ITEMS,
        accepted_extensions=ACCEPTED_EXTENSIONS,
        **template_helpers(),
    )


def _size_label(size: int) -> str:
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size:,} B"
