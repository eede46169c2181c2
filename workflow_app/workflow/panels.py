"""The action box of the activity and review pages: a form for each action the caller may take,
the reason for each familiar one they may not, and a note for accounts that act on nothing.

Every answer comes from `state_machines` (`available_actions`, `check`); this module only decides
which answers are worth showing and in what words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from state_machines import (
    Action,
    ActivitySnapshot,
    Actor,
    Permission,
    Refusal,
    available_actions,
    check,
)
from workflow_app.workflow.labels import (
    ACTION_LABELS,
    BUTTON_CLASSES,
    COMMENT_LABELS,
    refusal_text,
)

# Refusals about the kind of account: no button and no per-action reason (an officer need not
# read why they cannot approve).
_ROLE_REFUSALS = frozenset(
    {Refusal.WRONG_ROLE, Refusal.AUDITOR_READ_ONLY, Refusal.ADMIN_DOES_NOT_CERTIFY}
)
_ACCOUNT_NOTES = (Refusal.AUDITOR_READ_ONLY, Refusal.ADMIN_DOES_NOT_CERTIFY)
_MAIN_ACTIONS = frozenset({Action.SUBMIT, Action.FORWARD, Action.APPROVE})  # one per working role
REVIEW_ACTIONS = (Action.FORWARD, Action.RETURN, Action.APPROVE)


@dataclass(frozen=True)
class FailedAction:
    """An action that was not carried out: why, and what the user typed (shown again)."""

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


def _explains(permission: Permission, snapshot: ActivitySnapshot) -> bool:
    """Whether a refused action is one this user would look for, so its reason helps them."""
    refusal = permission.refusal
    if refusal is None or refusal in _ROLE_REFUSALS:
        return False
    if refusal is Refusal.WRONG_STATE:
        # `check` tests role and scope before state, so the caller holds the role: their main
        # action missing would puzzle them; side actions (withdraw, return) would only be noise.
        return permission.action in _MAIN_ACTIONS
    if refusal is Refusal.NOTHING_TO_REVOKE:
        return False  # the level list already shows that nothing is certified
    if refusal is Refusal.PENDING_BLOCKS_REVOKE:
        return snapshot.certified_level > 0  # with nothing certified the reason would mislead
    return True


def action_panels(
    actor: Actor,
    snapshot: ActivitySnapshot,
    actions: Sequence[Action],
    failed: FailedAction | None,
) -> tuple[list[ActionPanel], str | None]:
    """The panels for `actions`, in the definition's order, and the account note (or None)."""
    panels: list[ActionPanel] = []
    account_notes: set[Refusal] = set()
    for permission in available_actions(actor, snapshot):
        action = permission.action
        if action not in actions:
            continue
        typed = failed if failed is not None and failed.action is action else None
        common: dict[str, Any] = {
            "action": action,
            "label": str(ACTION_LABELS[action]),
            "comment": typed.comment if typed else "",
            "publishable": typed.publishable if typed else False,
            "error": typed.message if typed else None,
        }
        if permission.allowed:
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
        elif typed is not None or _explains(permission, snapshot):
            assert permission.refusal is not None
            panels.append(
                ActionPanel(
                    allowed=False,
                    refusal=permission.refusal.value,
                    reason=refusal_text(permission.refusal, action, snapshot.state.value),
                    **common,
                )
            )
        elif permission.refusal in _ACCOUNT_NOTES:
            account_notes.add(permission.refusal)
    note = None
    if not panels and account_notes:
        note = refusal_text(min(account_notes), Action.SUBMIT, snapshot.state.value)
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
