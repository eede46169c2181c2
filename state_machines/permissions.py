"""May this actor take this action on this activity now, and if not, why not.

Checks run in a fixed order so the most useful reason wins: account → role → scope → state →
separation of duties → inputs. An officer told "out of scope" learns more than one told that
the comment is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from state_machines.level_workflow import (
    PENDING_STATES,
    Action,
    Blocker,
    State,
    WorkflowModel,
    consistency_problem,
    current_state,
    state_blocker,
)
from state_machines.messages import REFUSAL_MESSAGES, refusal_message
from state_machines.roles import Actor, Role


@dataclass(frozen=True)
class PendingSubmission:
    """The submission waiting for a decision: who submitted it and who (if anyone) forwarded it."""

    submitted_by: int
    forwarded_by: int | None = None


@dataclass(frozen=True)
class ActivitySnapshot:
    state: State
    certified_level: int
    level_count: int
    target_level: int
    unit_path: tuple[int, ...]  # the activity's unit id, then its ancestors' ids
    pending: PendingSubmission | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", State(self.state))
        object.__setattr__(self, "unit_path", tuple(self.unit_path))
        # A snapshot that contradicts itself is a caller bug; refusing loudly beats guessing who
        # submitted what when deciding separation of duties.
        problem = consistency_problem(self.state, self.certified_level, self.level_count)
        if problem is not None:
            raise ValueError(problem)
        if (self.pending is not None) != (self.state in PENDING_STATES):
            raise ValueError(f"state '{self.state}' does not match pending={self.pending!r}")
        forwarded = self.pending is not None and self.pending.forwarded_by is not None
        if self.pending is not None and forwarded != (self.state is State.FORWARDED):
            raise ValueError(f"state '{self.state}' does not match pending={self.pending!r}")

    @classmethod
    def from_model(
        cls,
        model: WorkflowModel,
        *,
        unit_path: tuple[int, ...],
        open_submission: PendingSubmission | None,
    ) -> ActivitySnapshot:
        """`open_submission` names who submitted and who forwarded the activity's open
        submission, if it has one; it is pending (and separation of duties applies to it)
        only while it waits for a decision, not once it has been returned."""
        state = current_state(model)
        return cls(
            state=state,
            certified_level=model.certified_level,
            level_count=model.level_count,
            target_level=model.target_level,
            unit_path=unit_path,
            pending=open_submission if state in PENDING_STATES else None,
        )


class Refusal(StrEnum):
    """Stable codes (safe to store, translate and test against) for why an action is refused."""

    INACTIVE_ACCOUNT = "inactive_account"
    WRONG_ROLE = "wrong_role"
    OUT_OF_SCOPE = "out_of_scope"
    WRONG_STATE = Blocker.WRONG_STATE.value
    OWN_SUBMISSION = "own_submission"
    REVIEWED_IT = "reviewed_it"
    NOT_THE_SUBMITTER = "not_the_submitter"
    COMMENT_REQUIRED = "comment_required"
    REASON_REQUIRED = "reason_required"
    EVIDENCE_REQUIRED = "evidence_required"
    NOTHING_TO_REVOKE = Blocker.NOTHING_TO_REVOKE.value
    PENDING_BLOCKS_REVOKE = Blocker.PENDING_BLOCKS_REVOKE.value
    AUDITOR_READ_ONLY = "auditor_read_only"
    ADMIN_DOES_NOT_CERTIFY = "admin_does_not_certify"

    @property
    def template(self) -> str:
        """The sentence with `%(action)s` / `%(state)s` placeholders, as the catalogue holds it."""
        return REFUSAL_MESSAGES[self.value]

    def message_for(self, action: Action, state: State) -> str:
        """The English sentence, naming the action and state by their codes."""
        return refusal_message(self.value, action=action.value, state=state.value)


@dataclass(frozen=True)
class Permission:
    """The answer to "may this actor take this action now": allowed, or refused and why."""

    action: Action
    allowed: bool
    refusal: Refusal | None
    state: State  # the state judged, which a state refusal names

    @property
    def reason(self) -> str | None:
        if self.refusal is None:
            return None
        return self.refusal.message_for(self.action, self.state)

    def __bool__(self) -> bool:
        return self.allowed


def required_roles(action: Action, state: State) -> frozenset[Role]:
    """The roles that may take `action` in `state` (return depends on the stage it happens at)."""
    if action is Action.RETURN:
        if state is State.SUBMITTED:
            return frozenset({Role.REVIEWER})
        if state is State.FORWARDED:
            return frozenset({Role.DIVISION_HEAD})
        # Not returnable now; either returning role passes the role check and hears "wrong state".
        return frozenset({Role.REVIEWER, Role.DIVISION_HEAD})
    return _ROLE_BY_ACTION[action]


_ROLE_BY_ACTION: dict[Action, frozenset[Role]] = {
    Action.SUBMIT: frozenset({Role.OFFICER}),
    Action.WITHDRAW: frozenset({Role.OFFICER}),
    Action.FORWARD: frozenset({Role.REVIEWER}),
    Action.APPROVE: frozenset({Role.DIVISION_HEAD}),
    Action.REVOKE: frozenset({Role.DIVISION_HEAD}),
}


def _role_refusal(actor: Actor, roles: frozenset[Role]) -> Refusal | None:
    if any(actor.has_role(role) for role in roles):
        return None
    # Read-only and admin accounts get their own explanation instead of a bare "wrong role".
    if actor.has_role(Role.AUDITOR):
        return Refusal.AUDITOR_READ_ONLY
    if actor.has_role(Role.ADMIN):
        return Refusal.ADMIN_DOES_NOT_CERTIFY
    return Refusal.WRONG_ROLE


def _duty_refusal(actor: Actor, snapshot: ActivitySnapshot, action: Action) -> Refusal | None:
    """Separation of duties, per person and per submission (not per role)."""
    if action not in (Action.WITHDRAW, Action.FORWARD, Action.RETURN, Action.APPROVE):
        return None
    pending = snapshot.pending
    if pending is None:  # excluded by the state check plus snapshot validation
        raise ValueError(f"'{snapshot.state}' snapshot without a pending submission")
    if action is Action.WITHDRAW:
        return None if pending.submitted_by == actor.user_id else Refusal.NOT_THE_SUBMITTER
    if pending.submitted_by == actor.user_id:
        return Refusal.OWN_SUBMISSION
    if snapshot.state is State.FORWARDED and pending.forwarded_by == actor.user_id:
        return Refusal.REVIEWED_IT
    return None


def _is_blank(text: str) -> bool:
    return not text.strip()


def _input_refusal(
    action: Action,
    comment: str | None,
    has_narrative: bool | None,
    evidence_count: int | None,
) -> Refusal | None:
    # None means "not known yet" (e.g. rendering buttons), so only given inputs are judged.
    if action is Action.SUBMIT:
        if has_narrative is False or (evidence_count is not None and evidence_count < 1):
            return Refusal.EVIDENCE_REQUIRED
    elif action is Action.RETURN:
        if comment is not None and _is_blank(comment):
            return Refusal.COMMENT_REQUIRED
    elif action is Action.REVOKE and comment is not None and _is_blank(comment):
        return Refusal.REASON_REQUIRED
    return None


def _refusal(
    actor: Actor,
    snapshot: ActivitySnapshot,
    action: Action,
    comment: str | None,
    has_narrative: bool | None,
    evidence_count: int | None,
) -> Refusal | None:
    if not actor.active:
        return Refusal.INACTIVE_ACCOUNT
    roles = required_roles(action, snapshot.state)
    refusal = _role_refusal(actor, roles)
    if refusal is not None:
        return refusal
    if not any(actor.covers(role, snapshot.unit_path) for role in roles):
        return Refusal.OUT_OF_SCOPE
    blocker = state_blocker(snapshot.state, snapshot, action)
    if blocker is not None:
        return Refusal(blocker.value)
    return _duty_refusal(actor, snapshot, action) or _input_refusal(
        action, comment, has_narrative, evidence_count
    )


def check(
    actor: Actor,
    snapshot: ActivitySnapshot,
    action: Action | str,
    *,
    comment: str | None = None,
    has_narrative: bool | None = None,
    evidence_count: int | None = None,
) -> Permission:
    """Decide one action. `comment` is the return comment or, for revoke, the reason."""
    chosen = Action(action)
    refusal = _refusal(actor, snapshot, chosen, comment, has_narrative, evidence_count)
    return Permission(chosen, refusal is None, refusal, snapshot.state)


def available_actions(actor: Actor, snapshot: ActivitySnapshot) -> list[Permission]:
    """Every action, in `Action` declaration order, with whether and why not it is allowed."""
    return [check(actor, snapshot, action) for action in Action]
