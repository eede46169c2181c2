"""Words the pages use for the workflow's codes: actions, states, submission statuses, queues,
and what to say when an action succeeds or fails.

The definition speaks in codes; the pages translate by code, so Thai users read Thai whatever
the engine's wording. Refusal sentences are written once, in `state_machines.messages`; they are
only translated here.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from state_machines import Action, Refusal, Role
from workflow_app.workflow.errors import WorkflowFailure

STATE_LABELS: dict[str, LazyString] = {
    "open": _l("Open for evidence"),
    "submitted": _l("Waiting for review"),
    "forwarded": _l("Waiting for approval"),
    "returned": _l("Returned for revision"),
    "completed": _l("All levels certified"),
}
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
# "My work": per working role, its list's title, what it says when empty, and where an item
# leads.
QUEUE_TEXT: dict[Role, tuple[LazyString, LazyString, str]] = {
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
# Evidence problems carry a precise English detail (the file name, the type found); a translated
# headline goes first so that everyone understands what kind of problem it is.
EVIDENCE_HEADLINES: dict[str, LazyString] = {
    "refused_type": _l("This file cannot be accepted."),
    "empty_file": _l("The file is empty."),
    "too_large": _l("The file is larger than the limit."),
    "bad_filename": _l("The file name cannot be used."),
    "bad_link": _l("The link cannot be used."),
}
# Failures that belong under the file field of the evidence form.
FILE_CODES = frozenset(
    {
        *("refused_type", "empty_file", "too_large", "bad_filename"),
        *("bad_kept_file", "kept_file_missing"),
    }
)
_REFUSAL_CODES = frozenset(refusal.value for refusal in Refusal)


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def refusal_text(refusal: Refusal, action: Action, state: str) -> str:
    """The refusal's sentence, translated, naming the action and state by their labels."""
    return _(refusal.template, action=ACTION_LABELS[action], state=state_label(state))


def failure_text(failure: WorkflowFailure, action: Action, state: str) -> str:
    """What to tell someone whose action was not carried out."""
    if failure.code in _REFUSAL_CODES:
        return refusal_text(Refusal(failure.code), action, state)
    if failure.code == "stale_version":
        return _(
            "Someone changed this activity after you opened it. The page now shows its current "
            "state; check it and send again."
        )
    if failure.code == "busy":
        return _("The activity is busy with another change; try again in a moment.")
    if failure.code == "kept_file_missing":
        return _("A file from the returned submission is missing from storage; attach it again.")
    if failure.code == "bad_kept_file":
        return _("Only files of the returned submission can be sent again.")
    headline = EVIDENCE_HEADLINES.get(failure.code)
    return f"{headline} {failure.message}" if headline else failure.message


def success_text(action: Action, certified_level: int, target_level: int) -> str:
    """What to tell someone whose action was carried out (`certified_level` after it)."""
    if action is Action.SUBMIT:
        return _("Your evidence for level %(n)s was sent for review.", n=certified_level + 1)
    if action is Action.WITHDRAW:
        return _("The submission was withdrawn; the level is open for evidence again.")
    if action is Action.FORWARD:
        return _("Forwarded to the division head.")
    if action is Action.RETURN:
        return _("Returned to the officer with your comment.")
    if action is Action.APPROVE:
        text = _("Level %(n)s is certified.", n=certified_level)
        if certified_level == target_level:
            text += " " + _("The activity has reached its target level.")
        return text
    return _("Level %(n)s is no longer certified.", n=certified_level + 1)
