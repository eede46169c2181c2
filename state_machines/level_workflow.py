"""The level workflow: states, actions, guards and the one `transitions.Machine` that moves them.

An activity climbs its rubric levels 1..N one at a time. `certified_level` counts the levels a
division head has certified; while the activity is not completed, level `certified_level + 1` is
the one open for evidence.

How this module relies on transitions 0.9.3 (checked against its core.py):

- `Machine(model=None, ...)` registers no model (`__init__` only calls `add_model` when `model`
  is truthy), so `MACHINE.models` stays empty and nothing is bound onto our models: no
  `is_open()` / `submit()` attributes that could clash with SQLAlchemy columns.
- `Event.trigger(model)` wraps the model in a per-call `EventData` and, with `queued=False`, runs
  it at once (`Machine._process` only touches its queue when queued). Nothing keeps the model
  after the call, so one module-level machine can serve every row and every thread.
- The state is read as `getattr(model, "state")` and looked up by *name* (`Machine.get_state`).
  An Enum there would be looked up by its member name ("OPEN"), not its value, and a State enum
  passed as a transition source or dest is likewise registered under its name. So the machine is
  built from plain strings, and `fire` turns an Enum read from the model into its value first.
  The new state is written back with `setattr` as the plain string value.
- An event with no transition from the current state raises `MachineError`, but failing
  conditions only make `trigger()` return False. `fire` checks both up front (through the same
  guards) so callers get one clear exception type with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, Protocol

from transitions import EventData, Machine

from state_machines.messages import refusal_message


class State(StrEnum):
    OPEN = "open"  # level certified_level + 1 accepts evidence; nothing pending
    SUBMITTED = "submitted"  # waiting for a reviewer
    FORWARDED = "forwarded"  # waiting for a division head
    RETURNED = "returned"  # sent back to the officer with a comment
    COMPLETED = "completed"  # all N levels certified


class Action(StrEnum):
    # Declaration order is the order buttons and `available_actions` use.
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    FORWARD = "forward"
    RETURN = "return"
    APPROVE = "approve"
    REVOKE = "revoke"


PENDING_STATES = frozenset({State.SUBMITTED, State.FORWARDED})
# The level being worked on has an open submission: one waiting for a decision, or the returned
# one the officer is answering. The database holds the engine to it (ck_activities_open_submission).
OPEN_SUBMISSION_STATES = PENDING_STATES | {State.RETURNED}
MODEL_ATTRIBUTE = "state"


class LevelCounts(Protocol):
    """What the guards read; satisfied by the engine's row and by `ActivitySnapshot`."""

    @property
    def certified_level(self) -> int: ...

    @property
    def level_count(self) -> int: ...


class TargetCounts(Protocol):
    @property
    def certified_level(self) -> int: ...

    @property
    def target_level(self) -> int: ...


class WorkflowModel(Protocol):
    """What `fire` needs from a model (the engine passes its SQLAlchemy row)."""

    state: str
    certified_level: int
    level_count: int
    target_level: int


class WorkflowError(Exception):
    """The model cannot be moved at all: unknown action, unknown state or broken counters."""


class Blocker(StrEnum):
    """Why an action is impossible in the activity's current state, whoever asks."""

    WRONG_STATE = "wrong_state"
    PENDING_BLOCKS_REVOKE = "pending_blocks_revoke"
    NOTHING_TO_REVOKE = "nothing_to_revoke"

    def message_for(self, action: Action, state: State) -> str:
        return refusal_message(self.value, action=action.value, state=state.value)


class InvalidTransition(WorkflowError):
    """`fire` was asked for an action the current state does not allow."""

    def __init__(self, action: Action, state: State, blocker: Blocker) -> None:
        self.action = action
        self.state = state
        self.blocker = blocker
        super().__init__(blocker.message_for(action, state))


# --- Guards -----------------------------------------------------------------------------------
# Each rule about the counters lives in exactly one function. The machine uses them as transition
# conditions and `state_blocker` (hence `permissions.check`) evaluates the very same conditions.


def has_certified_level(subject: LevelCounts) -> bool:
    """Revoke needs a certified level to drop."""
    return subject.certified_level > 0


def certifies_last_level(subject: LevelCounts) -> bool:
    """Approving now certifies level N, so the activity is completed rather than reopened."""
    return subject.certified_level + 1 >= subject.level_count


def target_reached(subject: TargetCounts) -> bool:
    """The plan's target level is certified; work may still continue up to level N."""
    return subject.certified_level >= subject.target_level


def consistency_problem(state: State, certified_level: int, level_count: int) -> str | None:
    """Describe counters that contradict the state, or None; the machine never produces these."""
    if level_count < 1:
        return f"level_count must be at least 1, got {level_count}"
    if not 0 <= certified_level <= level_count:
        return f"certified_level {certified_level} is outside 0..{level_count}"
    if state is State.COMPLETED and certified_level != level_count:
        return f"'completed' but only {certified_level} of {level_count} levels are certified"
    if state is not State.COMPLETED and certified_level == level_count:
        return f"all {level_count} levels are certified but the state is '{state.value}'"
    return None


@dataclass(frozen=True)
class ModelCondition:
    """Adapts a guard on the model to transitions' condition call (send_event=True: EventData).

    Keeping the guard as a plain callable, not a name, means transitions never looks anything up
    on the model, so guards cannot collide with column names; `guard` stays inspectable for
    `state_blocker` and the diagram.
    """

    guard: Callable[[LevelCounts], bool]

    def __call__(self, event: EventData) -> bool:
        return self.guard(event.model)


def _certify_next_level(event: EventData) -> None:
    event.model.certified_level += 1


def _drop_highest_level(event: EventData) -> None:
    event.model.certified_level -= 1


# The refusal a failing guard stands for (approve's complementary pair never fails as a whole).
_GUARD_BLOCKERS: dict[Callable[[LevelCounts], bool], Blocker] = {
    has_certified_level: Blocker.NOTHING_TO_REVOKE,
}

_LAST_LEVEL = ModelCondition(certifies_last_level)
_HAS_CERTIFIED = ModelCondition(has_certified_level)

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": Action.SUBMIT.value, "source": ["open", "returned"], "dest": "submitted"},
    {"trigger": Action.WITHDRAW.value, "source": "submitted", "dest": "open"},
    {"trigger": Action.FORWARD.value, "source": "submitted", "dest": "forwarded"},
    {"trigger": Action.RETURN.value, "source": ["submitted", "forwarded"], "dest": "returned"},
    # transitions tries an event's transitions in order; the two conditions are complementary.
    {
        "trigger": Action.APPROVE.value,
        "source": "forwarded",
        "dest": "completed",
        "conditions": [_LAST_LEVEL],
        "before": [_certify_next_level],
    },
    {
        "trigger": Action.APPROVE.value,
        "source": "forwarded",
        "dest": "open",
        "unless": [_LAST_LEVEL],
        "before": [_certify_next_level],
    },
    # Not from submitted/forwarded: the pending evidence was for a level that would shift under it.
    {
        "trigger": Action.REVOKE.value,
        "source": ["open", "returned", "completed"],
        "dest": "open",
        "conditions": [_HAS_CERTIFIED],
        "before": [_drop_highest_level],
    },
]

MACHINE = Machine(
    model=None,
    states=[state.value for state in State],
    transitions=TRANSITIONS,
    initial=State.OPEN.value,
    auto_transitions=False,
    send_event=True,
    model_attribute=MODEL_ATTRIBUTE,
)

# Derived from the machine so the table above is the only statement of which state allows what.
_SOURCES: dict[Action, frozenset[State]] = {
    action: frozenset(
        State(source)
        for source, options in MACHINE.events[action.value].transitions.items()
        if options
    )
    for action in Action
}


def sources(action: Action) -> frozenset[State]:
    """The states from which `action` can be taken at all."""
    return _SOURCES[action]


def state_blocker(state: State, subject: LevelCounts, action: Action) -> Blocker | None:
    """Why `action` cannot happen in `state` with these counters, or None when it can.

    Reads the machine's own transitions and evaluates their conditions through the same guard
    functions, so this answer and `fire` cannot disagree.
    """
    options = MACHINE.events[action.value].transitions.get(state.value, [])
    if not options:
        if action is Action.REVOKE and state in PENDING_STATES:
            return Blocker.PENDING_BLOCKS_REVOKE
        return Blocker.WRONG_STATE
    failed: Blocker = Blocker.WRONG_STATE
    for option in options:
        misses = [c.func.guard for c in option.conditions if c.func.guard(subject) != c.target]
        if not misses:
            return None
        failed = _GUARD_BLOCKERS.get(misses[0], Blocker.WRONG_STATE)
    return failed


def current_state(model: WorkflowModel) -> State:
    """The model's state as a `State`; raises `WorkflowError` for a missing or unknown value."""
    raw = getattr(model, MODEL_ATTRIBUTE, None)
    try:
        return State(raw)
    except ValueError:
        raise WorkflowError(f"unknown workflow state {raw!r}") from None


def _coerce_action(action: Action | str) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise WorkflowError(f"unknown workflow action {action!r}") from None


def fire(model: WorkflowModel, action: Action | str, **kwargs: Any) -> State:
    """Apply `action` to `model` in place and return the new state.

    Permissions are not checked here: callers ask `permissions.check` first. Raises
    `InvalidTransition` when the state or counters forbid the action, and `WorkflowError` for an
    unknown action/state or counters that contradict the state. `kwargs` reach callbacks through
    `EventData.kwargs`.
    """
    chosen = _coerce_action(action)
    state = current_state(model)
    problem = consistency_problem(state, model.certified_level, model.level_count)
    if problem is not None:
        raise WorkflowError(problem)
    blocker = state_blocker(state, model, chosen)
    if blocker is not None:
        raise InvalidTransition(chosen, state, blocker)
    if isinstance(getattr(model, MODEL_ATTRIBUTE), Enum):
        # transitions would look an Enum up by member name ("OPEN"); hand it the equal string.
        setattr(model, MODEL_ATTRIBUTE, state.value)
    if not MACHINE.events[chosen.value].trigger(model, **kwargs):
        # Unreachable while state_blocker mirrors the machine; refuse loudly rather than no-op.
        raise InvalidTransition(chosen, state, Blocker.WRONG_STATE)
    return current_state(model)
