"""Workflow pages: an activity with its levels, trail and actions; evidence; review; "My work".

Every route asks `state_machines` on the server: `may_view_activity` before showing anything
(403 otherwise), `check` / `available_actions` for what to offer, and every change goes through
`perform_action`, which asks again on the locked row. Templates only display those answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from state_machines import (
    PENDING_STATES,
    Action,
    ActivitySnapshot,
    Actor,
    PendingSubmission,
    Permission,
    Refusal,
    Role,
    State,
    available_actions,
    check,
    may_view_activity,
    required_roles,
    sources,
)
from workflow_app.accounts.models import User
from workflow_app.accounts.unit_tree import load_unit, load_units, unit_path
from workflow_app.clock import today
from workflow_app.evidence.app_store import evidence_store
from workflow_app.extensions import db
from workflow_app.plans.fiscal import fiscal_year_of, quarter_of
from workflow_app.plans.models import Activity
from workflow_app.web.context import state_label
from workflow_app.workflow.errors import WorkflowFailure
from workflow_app.workflow.forms import ACCEPTED_EXTENSIONS, SubmitEvidenceForm, WorkflowActionForm
from workflow_app.workflow.models import EvidenceItem, Submission, WorkflowDecision
from workflow_app.workflow.operations import (
    MAX_COMMENT_CHARS,
    MAX_EVIDENCE_ITEMS,
    ActionOutcome,
    ActionRequest,
    FileUpload,
    perform_action,
)
from workflow_app.workflow.queries import (
    PLAN_HEADING,
    activity_query,
    open_submission,
    snapshot_of,
)
from workflow_app.workflow.trail import build_trail

workflow_bp = Blueprint("workflow", __name__)


# --- Words the pages use for the workflow's stable codes ----------------------------------------
# The definition speaks English codes and messages; the pages translate by code so that Thai
# users read Thai, whatever wording the engine uses.

ACTION_LABELS: dict[Action, LazyString] = {
    Action.SUBMIT: _l("Submit evidence"),
    Action.WITHDRAW: _l("Withdraw the submission"),
    Action.FORWARD: _l("Forward to the division head"),
    Action.RETURN: _l("Return to the officer"),
    Action.APPROVE: _l("Approve and certify the level"),
    Action.REVOKE: _l("Revoke the highest certified level"),
}
TIMELINE_LABELS: dict[str, LazyString] = {
    Action.SUBMIT.value: _l("Evidence submitted"),
    Action.WITHDRAW.value: _l("Submission withdrawn"),
    Action.FORWARD.value: _l("Forwarded to the division head"),
    Action.RETURN.value: _l("Returned to the officer"),
    Action.APPROVE.value: _l("Approved: level certified"),
    Action.REVOKE.value: _l("Certification revoked"),
}
SUBMISSION_STATUS_LABELS: dict[str, LazyString] = {
    "submitted": _l("Waiting for review"),
    "forwarded": _l("Waiting for approval"),
    "returned": _l("Returned"),
    "withdrawn": _l("Withdrawn"),
    "approved": _l("Approved"),
    "revoked": _l("Approval revoked"),
}
COMMENT_LABELS: dict[Action, LazyString] = {
    Action.FORWARD: _l("Note for the division head"),
    Action.RETURN: _l("What should the officer change?"),
    Action.APPROVE: _l("Note"),
    Action.REVOKE: _l("Reason for revoking"),
}
BUTTON_CLASSES: dict[Action, str] = {
    Action.SUBMIT: "btn-primary",
    Action.WITHDRAW: "btn-outline-secondary",
    Action.FORWARD: "btn-primary",
    Action.RETURN: "btn-outline-danger",
    Action.APPROVE: "btn-success",
    Action.REVOKE: "btn-outline-danger",
}
# Evidence problems carry a precise English detail (the file name, the type found); a translated
# headline goes first so that everyone understands what kind of problem it is.
EVIDENCE_HEADLINES: dict[str, LazyString] = {
    "refused_type": _l("This file cannot be accepted."),
    "empty_file": _l("The file is empty."),
    "too_large": _l("The file is larger than the limit."),
    "bad_filename": _l("The file name cannot be used."),
    "bad_link": _l("The link cannot be used."),
}
_FILE_CODES = frozenset({"refused_type", "empty_file", "too_large", "bad_filename"})

# Refusals about the kind of account: no button and no per-action reason (an officer need not
# read why they cannot approve).
_ROLE_REFUSALS = frozenset(
    {Refusal.WRONG_ROLE, Refusal.AUDITOR_READ_ONLY, Refusal.ADMIN_DOES_NOT_CERTIFY}
)
_REVIEW_ACTIONS = (Action.FORWARD, Action.RETURN, Action.APPROVE)
_MAIN_ACTIONS = frozenset({Action.SUBMIT, Action.FORWARD, Action.APPROVE})  # one per working role
_REFUSAL_CODES = frozenset(refusal.value for refusal in Refusal)


def refusal_text(refusal: Refusal, action: Action, state: str) -> str:
    """The refusal's sentence (written once, in `state_machines`), translated, naming the action
    and state by their labels."""
    return _(refusal.template, action=ACTION_LABELS[action], state=state_label(state))


def failure_text(failure: WorkflowFailure, action: Action, state: str) -> str:
    if failure.code in _REFUSAL_CODES:
        return refusal_text(Refusal(failure.code), action, state)
    if failure.code == "stale_version":
        return _(
            "Someone changed this activity after you opened it. The page now shows its current "
            "state; check it and send again."
        )
    if failure.code == "busy":
        return _("The activity is busy with another change; try again in a moment.")
    headline = EVIDENCE_HEADLINES.get(failure.code)
    return f"{headline} {failure.message}" if headline else failure.message


def _success_text(outcome: ActionOutcome, activity: Activity) -> str:
    level = outcome.certified_level
    if outcome.action is Action.SUBMIT:
        return _("Your evidence for level %(n)s was sent for review.", n=level + 1)
    if outcome.action is Action.WITHDRAW:
        return _("The submission was withdrawn; the level is open for evidence again.")
    if outcome.action is Action.FORWARD:
        return _("Forwarded to the division head.")
    if outcome.action is Action.RETURN:
        return _("Returned to the officer with your comment.")
    if outcome.action is Action.APPROVE:
        text = _("Level %(n)s is certified.", n=level)
        if level == activity.target_level:
            text += " " + _("The activity has reached its target level.")
        return text
    return _("Level %(n)s is no longer certified.", n=level + 1)


# --- Loading and permission -------------------------------------------------------------------


def _user() -> User:
    return cast(User, current_user._get_current_object())  # type: ignore[attr-defined]


# After a failed action the engine has rolled back; pages show what is stored now.
_ACTIVITY = activity_query(PLAN_HEADING).execution_options(populate_existing=True)


def _load_activity(activity_id: int) -> Activity:
    activity = db.session.scalar(_ACTIVITY, {"activity_id": activity_id})
    if activity is None:
        abort(404)
    return activity


def _viewer(activity: Activity) -> Actor:
    """The caller as the workflow sees them, once `may_view_activity` has let them in."""
    actor = _user().as_actor()
    if not may_view_activity(actor, unit_path(db.session, activity.unit_id)):
        abort(403)
    return actor


def _file_url(item_id: int) -> str:
    # The API's download accepts browser sessions and applies the same view check.
    return url_for("api.download_evidence", item_id=item_id)


# --- What the pages show ----------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """A failed action: why, and what the user typed (shown again, never lost)."""

    action: Action
    code: str
    message: str
    comment: str = ""
    publishable: bool = False


@dataclass(frozen=True)
class ActionPanel:
    action: Action
    label: str
    allowed: bool
    refusal: str | None = None
    reason: str | None = None
    comment_label: str | None = None
    needs_comment: bool = False
    comment: str = ""
    publishable: bool = False
    error: str | None = None
    hint: str | None = None

    @property
    def button_class(self) -> str:
        return BUTTON_CLASSES[self.action]


def _explains(decision: Permission, snapshot: ActivitySnapshot) -> bool:
    """Whether a refused action is one this user would look for, so its reason helps them."""
    refusal = decision.refusal
    if refusal is None or refusal in _ROLE_REFUSALS:
        return False
    if refusal is Refusal.WRONG_STATE:
        # `check` tests role and scope before state, so the caller holds the role: their main
        # action missing would puzzle them; side actions (withdraw, return) would only be noise.
        return decision.action in _MAIN_ACTIONS
    if refusal is Refusal.NOTHING_TO_REVOKE:
        return False  # the level list already shows that nothing is certified
    if refusal is Refusal.PENDING_BLOCKS_REVOKE:
        return snapshot.certified_level > 0  # with nothing certified the reason would mislead
    return True


def _panels(
    actor: Actor,
    snapshot: ActivitySnapshot,
    actions: Sequence[Action],
    attempt: Attempt | None,
) -> tuple[list[ActionPanel], str | None]:
    """The forms the caller may use, reasons for familiar actions they may not, and a note for
    accounts that act on nothing (auditors, administrators)."""
    panels: list[ActionPanel] = []
    account_notes: set[Refusal] = set()
    for decision in available_actions(actor, snapshot):
        action = decision.action
        if action not in actions:
            continue
        typed = attempt if attempt is not None and attempt.action is action else None
        common: dict[str, Any] = {
            "action": action,
            "label": str(ACTION_LABELS[action]),
            "comment": typed.comment if typed else "",
            "publishable": typed.publishable if typed else False,
            "error": typed.message if typed else None,
        }
        if decision.allowed:
            # Whether the text is required is the definition's answer to an empty text.
            empty = check(actor, snapshot, action, comment="")
            label = COMMENT_LABELS.get(action)
            panels.append(
                ActionPanel(
                    allowed=True,
                    hint=_action_hint(action, snapshot),
                    comment_label=str(label) if label else None,
                    needs_comment=empty.refusal
                    in (Refusal.COMMENT_REQUIRED, Refusal.REASON_REQUIRED),
                    **common,
                )
            )
        elif typed is not None or _explains(decision, snapshot):
            assert decision.refusal is not None
            panels.append(
                ActionPanel(
                    allowed=False,
                    refusal=decision.refusal.value,
                    reason=refusal_text(decision.refusal, action, snapshot.state.value),
                    **common,
                )
            )
        elif decision.refusal in (Refusal.AUDITOR_READ_ONLY, Refusal.ADMIN_DOES_NOT_CERTIFY):
            account_notes.add(decision.refusal)
    note = None
    if not panels and account_notes:
        refusal = min(account_notes)
        note = refusal_text(refusal, Action.SUBMIT, snapshot.state.value)
    return panels, note


def _action_hint(action: Action, snapshot: ActivitySnapshot) -> str | None:
    """What pressing the button will do, in words, for the actions that change certification."""
    if action is Action.APPROVE:
        level = snapshot.certified_level + 1
        hint = _("This certifies level %(n)s.", n=level)
        if level == snapshot.target_level:
            hint += " " + _("It is the plan's target level.")
        return hint
    if action is Action.REVOKE:
        return _("Level %(n)s will no longer be certified.", n=snapshot.certified_level)
    if action is Action.WITHDRAW:
        return _("Takes the submission back before it is decided; the level opens again.")
    return None


@dataclass(frozen=True)
class LevelRow:
    number: int
    criterion: str
    certified: bool
    current: bool
    target: bool
    certified_by: dict[str, Any] | None = None
    certified_at: datetime | None = None
    publishable: bool = False
    submissions: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class TimelineEntry:
    action: str
    level: int
    actor: dict[str, Any] | None
    at: datetime | None
    comment: str
    audit_seq: int
    submission: dict[str, Any] | None  # with the narrative and evidence, on submit entries
    publishable: bool


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _last_decision(submission: dict[str, Any], action: Action) -> dict[str, Any] | None:
    found = [d for d in submission["decisions"] if d["action"] == action.value]
    return found[-1] if found else None


def _level_rows(activity: Activity, trail: list[dict[str, Any]]) -> list[LevelRow]:
    completed = activity.state == State.COMPLETED.value
    rows = []
    for level in trail:
        certification = None
        publishable = False
        if level["certified"]:
            # The approval standing behind the level: revoked ones no longer say "approved".
            for submission in level["submissions"]:
                decision = _last_decision(submission, Action.APPROVE)
                if submission["status"] == "approved" and decision is not None:
                    certification, publishable = decision, submission["publishable"]
        rows.append(
            LevelRow(
                number=level["level"],
                criterion=level["criterion"],
                certified=level["certified"],
                current=not completed and level["level"] == activity.certified_level + 1,
                target=level["level"] == activity.target_level,
                certified_by=certification["actor"] if certification else None,
                certified_at=_moment(certification["at"]) if certification else None,
                publishable=publishable,
                submissions=tuple(level["submissions"]),
            )
        )
    return rows


def _timeline(trail: list[dict[str, Any]]) -> list[TimelineEntry]:
    """Every submission and decision of every level, oldest first (by audit sequence)."""
    entries = []
    for level in trail:
        loose = [(None, d) for d in level["other_decisions"]]
        attached = [(s, d) for s in level["submissions"] for d in s["decisions"]]
        for submission, decision in [*attached, *loose]:
            entries.append(
                TimelineEntry(
                    action=decision["action"],
                    level=level["level"],
                    actor=decision["actor"],
                    at=_moment(decision["at"]),
                    comment=decision["comment"] or "",
                    audit_seq=decision["audit_seq"],
                    submission=submission if decision["action"] == Action.SUBMIT.value else None,
                    publishable=bool(
                        submission
                        and decision["action"] == Action.APPROVE.value
                        and submission["publishable"]
                    ),
                )
            )
    return sorted(entries, key=lambda entry: entry.audit_seq)


def _find_submission(trail: list[dict[str, Any]], submission_id: int) -> dict[str, Any] | None:
    for level in trail:
        for submission in level["submissions"]:
            if submission["id"] == submission_id:
                return submission
    return None


def _criterion(activity: Activity, number: int) -> str:
    return next((level.criterion for level in activity.levels if level.number == number), "")


def _templates_context() -> dict[str, Any]:
    return {
        "timeline_label": lambda action: TIMELINE_LABELS.get(action, action),
        "person_name": _person_name,
        "moment": _moment,
        "status_label": lambda status: SUBMISSION_STATUS_LABELS.get(status, status),
        "max_comment_chars": MAX_COMMENT_CHARS,
    }


def _person_name(person: dict[str, Any] | User | None) -> str:
    if person is None:
        return "—"
    if isinstance(person, User):
        return person.display_name or person.username
    return person.get("display_name") or person.get("username") or "—"


# --- Activity page ----------------------------------------------------------------------------


def show_activity(activity_id: int) -> tuple[str, int]:
    """GET of the activity page (the route is `plans.activity_view`)."""
    return activity_page(_load_activity(activity_id))


def activity_page(
    activity: Activity, *, attempt: Attempt | None = None, status: int = 200
) -> tuple[str, int]:
    """The whole activity: fields, levels, the open submission, the trail and the caller's
    actions. Rendered for GET and again, with `attempt`, when an action fails."""
    actor = _viewer(activity)
    submission = open_submission(db.session, activity)
    snapshot = snapshot_of(activity, submission)
    trail = build_trail(db.session, activity, file_url=_file_url)
    panels, note = _panels(actor, snapshot, list(Action), attempt)
    current = _find_submission(trail, submission.id) if submission is not None else None
    returned = _last_decision(current, Action.RETURN) if current is not None else None
    forwarded = _last_decision(current, Action.FORWARD) if current is not None else None
    page = render_template(
        "plans/activity.html",
        activity=activity,
        plan=activity.plan,
        levels=_level_rows(activity, trail),
        submission=current,
        returned=returned,
        forwarded=forwarded,
        review_open=activity.state in PENDING_STATES,
        events=_timeline(trail),
        panels=panels,
        account_note=note,
        attempt=attempt,
        unit_name=_unit_name(activity),
        **_templates_context(),
    )
    return page, status


def _unit_name(activity: Activity) -> str:
    unit = load_unit(db.session, activity.unit_id)
    return unit.full_name if unit else ""


@workflow_bp.post("/activities/<id:activity_id>/actions/<action_name>")
@login_required
def act(activity_id: int, action_name: str) -> ResponseReturnValue:
    """Every action of every page lands here and goes through `perform_action`."""
    try:
        action = Action(action_name)
    except ValueError:
        abort(404)
    activity = _load_activity(activity_id)
    _viewer(activity)
    if action is Action.SUBMIT:
        return _submit_page(activity)
    on_review = request.form.get("origin") == "review"
    form = WorkflowActionForm()
    form.validate()
    if form.expected_version.errors:
        abort(400)  # a page of ours always sends it: this request was not made by one
    comment = form.comment.data or ""
    publishable = bool(form.publishable.data) and action is Action.APPROVE
    if form.comment.errors:
        attempt = Attempt(action, "invalid", form.comment.errors[0], comment, publishable)
        return _decision_page(on_review, activity, attempt, 422)
    try:
        outcome = perform_action(
            db.session,
            user=_user(),
            activity_id=activity.id,
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
        activity = _load_activity(activity_id)
        message = failure_text(failure, action, activity.state)
        attempt = Attempt(action, failure.code, message, comment, publishable)
        return _decision_page(on_review, activity, attempt, failure.status)
    flash(_success_text(outcome, activity), "success")
    return redirect(url_for("plans.activity_view", activity_id=activity_id))


def _decision_page(
    on_review: bool, activity: Activity, attempt: Attempt, status: int
) -> tuple[str, int]:
    if on_review:
        return review_page(activity, attempt=attempt, status=status)
    return activity_page(activity, attempt=attempt, status=status)


# --- Review page ------------------------------------------------------------------------------


@workflow_bp.get("/activities/<id:activity_id>/review")
@login_required
def review(activity_id: int) -> ResponseReturnValue:
    return review_page(_load_activity(activity_id))


def review_page(
    activity: Activity, *, attempt: Attempt | None = None, status: int = 200
) -> tuple[str, int]:
    """The pending submission beside its level's criterion, with the caller's decisions."""
    actor = _viewer(activity)
    submission = open_submission(db.session, activity)
    snapshot = snapshot_of(activity, submission)
    pending = submission if activity.state in PENDING_STATES else None
    panels: list[ActionPanel] = []
    note = None
    current = None
    earlier: list[dict[str, Any]] = []
    if pending is not None:
        panels, note = _panels(actor, snapshot, _REVIEW_ACTIONS, attempt)
        trail = build_trail(db.session, activity, file_url=_file_url)
        current = _find_submission(trail, pending.id)
        earlier = [
            s
            for level in trail
            if level["level"] == pending.level
            for s in level["submissions"]
            if s["id"] != pending.id
        ]
    level_number = activity.certified_level + 1
    page = render_template(
        "workflow/review.html",
        activity=activity,
        plan=activity.plan,
        submission=current,
        forwarded=_last_decision(current, Action.FORWARD) if current else None,
        earlier=earlier,
        level_number=level_number,
        criterion=_criterion(activity, level_number),
        panels=panels,
        account_note=note,
        attempt=attempt,
        **_templates_context(),
    )
    return page, status


# --- Submitting evidence ----------------------------------------------------------------------


@workflow_bp.route("/activities/<id:activity_id>/submit", methods=["GET", "POST"])
@login_required
def submit(activity_id: int) -> ResponseReturnValue:
    return _submit_page(_load_activity(activity_id))


def _submit_page(activity: Activity) -> ResponseReturnValue:
    actor = _viewer(activity)
    # When submitting is allowed, the only open submission is a returned one being answered.
    previous = open_submission(db.session, activity)
    snapshot = snapshot_of(activity, previous)
    decision = check(actor, snapshot, Action.SUBMIT)
    form = SubmitEvidenceForm()
    if not decision.allowed:
        assert decision.refusal is not None
        status = WorkflowFailure.refused(decision.refusal, decision.reason or "").status
        blocked = refusal_text(decision.refusal, Action.SUBMIT, activity.state)
        return _render_submit(activity, form, None, blocked=blocked), status
    returned = previous if activity.state == State.RETURNED.value else None
    if request.method == "GET":
        form.expected_version.data = activity.version
        if returned is not None:
            # Answering a return usually means adding to the same evidence, not retyping it.
            form.narrative.data = returned.narrative
            form.links.data = "\n".join(i.url for i in returned.evidence if i.kind == "link")
        kept = {i.id for i in returned.evidence} if returned is not None else set()
        return _render_submit(activity, form, returned, kept=kept)
    return _receive_submission(activity, actor, snapshot, returned, form)


def _receive_submission(
    activity: Activity,
    actor: Actor,
    snapshot: ActivitySnapshot,
    returned: Submission | None,
    form: SubmitEvidenceForm,
) -> ResponseReturnValue:
    form.validate()
    if form.expected_version.errors:
        abort(400)
    files = form.chosen_files()
    kept = _kept_files(returned, request.form.getlist("keep_file"))
    links = form.checked_links()
    narrative = form.narrative.data or ""
    # The definition says what a submission needs; the answer is placed on the fields at fault.
    inputs = check(
        actor,
        snapshot,
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
    kept_ids = {item.id for item in kept}
    if any(field.errors for field in form) or not inputs.allowed:
        return _render_submit(activity, form, returned, kept=kept_ids, files_lost=bool(files)), 422
    with ExitStack() as stack:
        try:
            uploads = [
                FileUpload(stack.enter_context(evidence_store().open(item.sha256)), item.filename)
                for item in kept
                if item.sha256 is not None and item.filename is not None
            ]
        except FileNotFoundError:
            current_app.logger.error("a kept evidence file of activity %s is missing", activity.id)
            form.files.errors = [
                *form.files.errors,
                _("A file from the returned submission is missing from storage; attach it again."),
            ]
            page = _render_submit(activity, form, returned, files_lost=bool(files))
            return page, 409
        uploads += [FileUpload(f.stream, f.filename or "") for f in files]
        try:
            outcome = perform_action(
                db.session,
                user=_user(),
                activity_id=activity.id,
                request=ActionRequest(
                    action=Action.SUBMIT,
                    expected_version=form.expected_version.data,
                    narrative=narrative,
                    files=uploads,
                    links=links,
                ),
                store=evidence_store(),
            )
        except WorkflowFailure as failure:
            if failure.status == 404:
                abort(404)
            return _failed_submission(activity, form, kept_ids, bool(files), failure)
    flash(_success_text(outcome, activity), "success")
    return redirect(url_for("plans.activity_view", activity_id=activity.id))


def _failed_submission(
    activity: Activity,
    form: SubmitEvidenceForm,
    kept_ids: set[int],
    files_lost: bool,
    failure: WorkflowFailure,
) -> tuple[str, int]:
    activity = _load_activity(activity.id)
    message = failure_text(failure, Action.SUBMIT, activity.state)
    general = None
    if failure.code in _FILE_CODES:
        form.files.errors = [*form.files.errors, message]
    elif failure.code == "bad_link":
        form.links.errors = [*form.links.errors, message]
    else:
        general = message
        if failure.code == "stale_version":
            # The page now shows the current state; sending again is a decision on that.
            form.expected_version.data = activity.version
    returned = open_submission(db.session, activity)
    if returned is not None and returned.status != "returned":
        returned = None
    page = _render_submit(
        activity, form, returned, kept=kept_ids, files_lost=files_lost, error=general
    )
    return page, failure.status


def _kept_files(returned: Submission | None, wanted: Iterable[str]) -> list[EvidenceItem]:
    """Files of the returned submission the officer chose to send again; other ids are ignored,
    so nobody can attach a file of another activity by guessing its id."""
    if returned is None:
        return []
    ids = {int(value) for value in wanted if value.isdigit()}
    return [item for item in returned.evidence if item.kind == "file" and item.id in ids]


def _render_submit(
    activity: Activity,
    form: SubmitEvidenceForm,
    returned: Submission | None,
    *,
    kept: set[int] | None = None,
    files_lost: bool = False,
    blocked: str | None = None,
    error: str | None = None,
) -> str:
    level_number = activity.certified_level + 1
    return_decision = None
    if returned is not None:
        return_decision = next(
            (d for d in reversed(returned.decisions) if d.action == Action.RETURN.value), None
        )
    max_bytes = int(current_app.config["WORKFLOW_MAX_UPLOAD_BYTES"])
    return render_template(
        "workflow/submit.html",
        activity=activity,
        plan=activity.plan,
        form=form,
        level_number=level_number,
        criterion=_criterion(activity, level_number),
        returned=returned,
        return_decision=return_decision,
        kept=kept or set(),
        files_lost=files_lost,
        blocked=blocked,
        error=error,
        max_bytes=max_bytes,
        max_size=_size_label(max_bytes),
        invalid=any(field.errors for field in form),
        max_items=MAX_EVIDENCE_ITEMS,
        accepted_extensions=ACCEPTED_EXTENSIONS,
        **_templates_context(),
    )


def _size_label(size: int) -> str:
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size:,} B"


# --- My work ----------------------------------------------------------------------------------


def fiscal_quarter(day: date) -> tuple[int, int]:
    """(Buddhist-era fiscal year, quarter) of a day; Q1 is October–December."""
    return fiscal_year_of(day), quarter_of(day)


def due_quarter(
    fiscal_year: int, quarters: Sequence[int], now: tuple[int, int]
) -> tuple[int, int] | None:
    """The earliest quarter of the activity not yet over; when all are over, its last one (it is
    overdue, and sorts before work that is merely due); None when the plan names no quarter."""
    if not quarters:
        return None
    remaining = [q for q in sorted(quarters) if (fiscal_year, q) >= now]
    return (fiscal_year, remaining[0] if remaining else max(quarters))


def _code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Codes in number order: "1.1.10" comes after "1.1.9"."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in code.split("."))


@dataclass(frozen=True)
class InboxItem:
    activity: Activity
    unit_name: str
    due: tuple[int, int] | None
    overdue: bool
    submission: Submission | None
    returned: WorkflowDecision | None

    @property
    def level(self) -> int:
        return self.activity.certified_level + 1

    def sort_key(self) -> tuple[Any, ...]:
        due = self.due or (9999, 9)
        return (self.due is None, due, self.activity.plan_id, _code_key(self.activity.code))


@dataclass(frozen=True)
class InboxSection:
    key: str
    title: str
    empty_text: str
    endpoint: str
    items: list[InboxItem]


def _queue(action: Action) -> tuple[Role, Action, tuple[str, ...]]:
    """The role an inbox list is for and the states worth asking about, as the workflow
    definition states them for `action`."""
    states = sorted(sources(action), key=list(State).index)
    (role,) = {role for state in states for role in required_roles(action, state)}
    return role, action, tuple(state.value for state in states)


# Per role: the action that puts an activity on its list.
_QUEUES: tuple[tuple[Role, Action, tuple[str, ...]], ...] = tuple(
    _queue(action) for action in (Action.SUBMIT, Action.FORWARD, Action.APPROVE)
)
_QUEUE_TEXT: dict[Role, tuple[LazyString, LazyString, str]] = {
    Role.OFFICER: (
        _l("Evidence to submit"),
        _l("Nothing to submit: no activity in your units is waiting for evidence."),
        "workflow.submit",
    ),
    Role.REVIEWER: (
        _l("Waiting for your review"),
        _l("Nothing to review right now."),
        "workflow.review",
    ),
    Role.DIVISION_HEAD: (
        _l("Waiting for your approval"),
        _l("Nothing to approve right now."),
        "workflow.review",
    ),
}


def _open_submissions(activities: Sequence[Activity]) -> dict[int, Submission]:
    """The open submission of each activity in one query (the same rule as `open_submission`:
    the latest one at the level being worked on, whose status matches the state)."""
    ids = [a.id for a in activities if a.state != State.OPEN.value]
    if not ids:
        return {}
    by_id = {a.id: a for a in activities}
    rows = db.session.scalars(
        select(Submission)
        .where(
            Submission.activity_id.in_(ids),
            Submission.status.in_(("submitted", "forwarded", "returned")),
        )
        .order_by(Submission.id)
        .options(joinedload(Submission.submitted_by), joinedload(Submission.forwarded_by))
    ).all()
    found: dict[int, Submission] = {}
    for submission in rows:
        activity = by_id[submission.activity_id]
        if submission.level == activity.certified_level + 1 and submission.status == activity.state:
            found[activity.id] = submission
    return found


def _return_decisions(submissions: Iterable[Submission]) -> dict[int, WorkflowDecision]:
    ids = [s.id for s in submissions if s.status == "returned"]
    if not ids:
        return {}
    rows = db.session.scalars(
        select(WorkflowDecision)
        .where(
            WorkflowDecision.submission_id.in_(ids),
            WorkflowDecision.action == Action.RETURN.value,
        )
        .order_by(WorkflowDecision.id)
        .options(joinedload(WorkflowDecision.actor))
    ).all()
    return {decision.submission_id: decision for decision in rows if decision.submission_id}


@workflow_bp.get("/inbox")
@login_required
def inbox() -> ResponseReturnValue:
    """What waits for the caller, per role they hold; a fixed number of queries however long the
    lists are (units, activities with their plans, open submissions, return decisions)."""
    actor = _user().as_actor()
    queues = [queue for queue in _QUEUES if actor.has_role(queue[0])]
    units = load_units(db.session)
    paths = {unit_id: unit.path for unit_id, unit in units.items()}
    covered = [
        unit_id
        for unit_id, path in paths.items()
        if any(actor.covers(role, path) for role, _action, _states in queues)
    ]
    states = sorted({state for _role, _action, wanted in queues for state in wanted})
    activities: Sequence[Activity] = []
    if covered and actor.active:
        activities = db.session.scalars(
            select(Activity)
            .where(Activity.unit_id.in_(covered), Activity.state.in_(states))
            .options(joinedload(Activity.plan))
        ).all()
    submissions = _open_submissions(activities)
    returns = _return_decisions(submissions.values())
    now = fiscal_quarter(today())

    sections = []
    for role, action, wanted in queues:
        items = []
        for activity in activities:
            if activity.state not in wanted:
                continue
            snapshot = _inbox_snapshot(activity, submissions.get(activity.id), paths)
            if snapshot is None or not check(actor, snapshot, action).allowed:
                continue
            submission = submissions.get(activity.id)
            due = due_quarter(activity.plan.fiscal_year, activity.quarters, now)
            items.append(
                InboxItem(
                    activity=activity,
                    unit_name=units[activity.unit_id].full_name
                    if activity.unit_id in units
                    else "",
                    due=due,
                    overdue=due is not None and due < now,
                    submission=submission,
                    returned=returns.get(submission.id) if submission is not None else None,
                )
            )
        title, empty_text, endpoint = _QUEUE_TEXT[role]
        items.sort(key=InboxItem.sort_key)
        sections.append(InboxSection(role.value, str(title), str(empty_text), endpoint, items))
    return render_template(
        "workflow/inbox.html",
        sections=sections,
        nothing_to_do=all(not section.items for section in sections),
        **_templates_context(),
    )


def _inbox_snapshot(
    activity: Activity, submission: Submission | None, paths: dict[int, tuple[int, ...]]
) -> ActivitySnapshot | None:
    pending = None
    if activity.state in PENDING_STATES:
        if submission is None:
            current_app.logger.error(
                "activity %s is %s without a submission", activity.id, activity.state
            )
            return None
        pending = PendingSubmission(submission.submitted_by_id, submission.forwarded_by_id)
    unit_path = paths.get(activity.unit_id, (activity.unit_id,))
    return ActivitySnapshot.from_model(activity, unit_path=unit_path, pending=pending)
