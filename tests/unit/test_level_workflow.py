"""The workflow definition: the permission matrix, separation of duties and the machine itself."""

from __future__ import annotations

import gc
import weakref
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from state_machines import (
    MACHINE,
    Action,
    ActivitySnapshot,
    Actor,
    Blocker,
    Grant,
    InvalidTransition,
    PendingSubmission,
    Permission,
    Refusal,
    Role,
    State,
    WorkflowError,
    available_actions,
    check,
    fire,
    state_blocker,
    target_reached,
)

DEPARTMENT, DIVISION, SECTION, OTHER_DIVISION = 1, 10, 100, 20
PATH = (DIVISION, DEPARTMENT)  # the activity belongs to DIVISION, inside DEPARTMENT

OFFICER, OTHER_OFFICER, REVIEWER, HEAD = 1, 2, 3, 4
SUBMITTER, FORWARDER = OFFICER, 99  # FORWARDER is nobody in the matrix, so heads are not blocked


def actor(user_id: int, *roles: Role, unit: int = DIVISION, active: bool = True) -> Actor:
    return Actor(user_id, frozenset(Grant(role, unit) for role in roles), active)


def snapshot(
    state: State,
    *,
    certified: int = 1,
    count: int = 4,
    submitted_by: int = SUBMITTER,
    forwarded_by: int = FORWARDER,
    path: tuple[int, ...] = PATH,
) -> ActivitySnapshot:
    if state is State.COMPLETED:
        certified = count
    pending = None
    if state is State.SUBMITTED:
        pending = PendingSubmission(submitted_by, None)
    elif state is State.FORWARDED:
        pending = PendingSubmission(submitted_by, forwarded_by)
    return ActivitySnapshot(state, certified, count, 3, path, pending)


@dataclass
class Row:
    """Stands in for the engine's SQLAlchemy row: plain attributes, weak-referenceable."""

    state: str = "open"
    certified_level: int = 0
    level_count: int = 4
    target_level: int = 2


# --- The permission matrix: every action x every role x every state ---------------------------

# Written out from the brief, independently of the implementation: who may do what, where.
ALLOWED: dict[tuple[Action, State], Role] = {
    (Action.SUBMIT, State.OPEN): Role.OFFICER,
    (Action.SUBMIT, State.RETURNED): Role.OFFICER,
    (Action.WITHDRAW, State.SUBMITTED): Role.OFFICER,
    (Action.FORWARD, State.SUBMITTED): Role.REVIEWER,
    (Action.RETURN, State.SUBMITTED): Role.REVIEWER,
    (Action.RETURN, State.FORWARDED): Role.DIVISION_HEAD,
    (Action.APPROVE, State.FORWARDED): Role.DIVISION_HEAD,
    (Action.REVOKE, State.OPEN): Role.DIVISION_HEAD,
    (Action.REVOKE, State.RETURNED): Role.DIVISION_HEAD,
    (Action.REVOKE, State.COMPLETED): Role.DIVISION_HEAD,
}
ACTION_ROLES: dict[Action, set[Role]] = {
    Action.SUBMIT: {Role.OFFICER},
    Action.WITHDRAW: {Role.OFFICER},
    Action.FORWARD: {Role.REVIEWER},
    Action.RETURN: {Role.REVIEWER, Role.DIVISION_HEAD},
    Action.APPROVE: {Role.DIVISION_HEAD},
    Action.REVOKE: {Role.DIVISION_HEAD},
}
USER_FOR_ROLE = {
    Role.OFFICER: OFFICER,
    Role.REVIEWER: REVIEWER,
    Role.DIVISION_HEAD: HEAD,
    Role.AUDITOR: 5,
    Role.ADMIN: 6,
}


def expected_refusal(action: Action, role: Role, state: State) -> Refusal | None:
    if ALLOWED.get((action, state)) == role:
        return None
    if role is Role.AUDITOR:
        return Refusal.AUDITOR_READ_ONLY
    if role is Role.ADMIN:
        return Refusal.ADMIN_DOES_NOT_CERTIFY
    if role not in ACTION_ROLES[action]:
        return Refusal.WRONG_ROLE
    # return at review is a reviewer's, return at approval a division head's
    if action is Action.RETURN and state in (State.SUBMITTED, State.FORWARDED):
        return Refusal.WRONG_ROLE
    if action is Action.REVOKE and state in (State.SUBMITTED, State.FORWARDED):
        return Refusal.PENDING_BLOCKS_REVOKE
    return Refusal.WRONG_STATE


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_matrix(action: Action, role: Role, state: State) -> None:
    decision = check(actor(USER_FOR_ROLE[role], role), snapshot(state), action)
    expected = expected_refusal(action, role, state)
    assert decision == Permission(action, expected is None, expected, state)
    assert bool(decision) is decision.allowed
    assert (decision.reason is None) is decision.allowed


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(Action))
def test_machine_agrees_with_matrix(action: Action, state: State) -> None:
    certified = 4 if state is State.COMPLETED else 1
    row = Row(state=state.value, certified_level=certified)
    if (action, state) in ALLOWED:
        fire(row, action)
    else:
        with pytest.raises(InvalidTransition) as caught:
            fire(row, action)
        assert caught.value.action is action
        assert caught.value.state is state
        assert row == Row(state=state.value, certified_level=certified)  # untouched


# --- Separation of duties, scope and account ------------------------------------------------


@pytest.mark.parametrize(
    ("who", "state", "action", "pending_by", "expected"),
    [
        # self-review: an officer who is also a reviewer submitted it
        (actor(7, Role.OFFICER, Role.REVIEWER), State.SUBMITTED, Action.FORWARD, (7, None), "own"),
        (actor(7, Role.OFFICER, Role.REVIEWER), State.SUBMITTED, Action.RETURN, (7, None), "own"),
        # self-approval: an officer who is also a division head submitted it
        (
            actor(7, Role.OFFICER, Role.DIVISION_HEAD),
            State.FORWARDED,
            Action.APPROVE,
            (7, 3),
            "own",
        ),
        (actor(7, Role.OFFICER, Role.DIVISION_HEAD), State.FORWARDED, Action.RETURN, (7, 3), "own"),
        # reviewer then approver: the same person forwarded it
        (
            actor(8, Role.REVIEWER, Role.DIVISION_HEAD),
            State.FORWARDED,
            Action.APPROVE,
            (1, 8),
            "rev",
        ),
        (
            actor(8, Role.REVIEWER, Role.DIVISION_HEAD),
            State.FORWARDED,
            Action.RETURN,
            (1, 8),
            "rev",
        ),
        # the same multi-role people are fine on someone else's submission they did not forward
        (actor(7, Role.OFFICER, Role.REVIEWER), State.SUBMITTED, Action.FORWARD, (1, None), None),
        (
            actor(8, Role.REVIEWER, Role.DIVISION_HEAD),
            State.FORWARDED,
            Action.APPROVE,
            (1, 3),
            None,
        ),
        (
            actor(8, Role.REVIEWER, Role.DIVISION_HEAD),
            State.SUBMITTED,
            Action.FORWARD,
            (1, None),
            None,
        ),
        # withdraw is the submitter's alone
        (actor(OTHER_OFFICER, Role.OFFICER), State.SUBMITTED, Action.WITHDRAW, (1, None), "nts"),
        (actor(OFFICER, Role.OFFICER), State.SUBMITTED, Action.WITHDRAW, (1, None), None),
    ],
)
def test_separation_of_duties(
    who: Actor, state: State, action: Action, pending_by: tuple[int, int | None], expected: str
) -> None:
    codes = {
        "own": Refusal.OWN_SUBMISSION,
        "rev": Refusal.REVIEWED_IT,
        "nts": Refusal.NOT_THE_SUBMITTER,
        None: None,
    }
    snap = snapshot(state, submitted_by=pending_by[0], forwarded_by=pending_by[1] or 0)
    assert check(who, snap, action).refusal == codes[expected]


@pytest.mark.parametrize(
    ("grant_unit", "allowed"),
    [
        (DIVISION, True),  # the activity's own unit
        (DEPARTMENT, True),  # a parent-unit grant covers its sub-units
        (OTHER_DIVISION, False),  # a sibling unit
        (SECTION, False),  # a sub-unit does not cover its parent's activities
    ],
)
def test_scope_follows_the_unit_tree(grant_unit: int, allowed: bool) -> None:
    decision = check(actor(OFFICER, Role.OFFICER, unit=grant_unit), snapshot(State.OPEN), "submit")
    assert decision.allowed is allowed
    assert decision.refusal == (None if allowed else Refusal.OUT_OF_SCOPE)


def test_covers_reads_the_whole_path() -> None:
    head = actor(HEAD, Role.DIVISION_HEAD, unit=DEPARTMENT)
    assert head.covers(Role.DIVISION_HEAD, (SECTION, DIVISION, DEPARTMENT))
    assert not head.covers(Role.OFFICER, (SECTION, DIVISION, DEPARTMENT))
    assert not head.covers(Role.DIVISION_HEAD, (OTHER_DIVISION,))
    assert head.has_role(Role.DIVISION_HEAD) and not head.has_role(Role.REVIEWER)


def test_role_in_scope_must_be_the_suitable_one() -> None:
    # Officer here, reviewer only elsewhere: forwarding here is out of scope, not "wrong role".
    who = Actor(7, frozenset({Grant(Role.OFFICER, DIVISION), Grant(Role.REVIEWER, OTHER_DIVISION)}))
    assert check(who, snapshot(State.SUBMITTED), Action.FORWARD).refusal is Refusal.OUT_OF_SCOPE
    assert check(who, snapshot(State.OPEN), Action.SUBMIT).allowed


def test_inactive_account_wins_over_everything() -> None:
    for action in Action:
        for state in State:
            who = actor(OFFICER, *Role, active=False)
            assert check(who, snapshot(state), action).refusal is Refusal.INACTIVE_ACCOUNT


@pytest.mark.parametrize(
    ("roles", "action", "state", "expected"),
    [
        ((Role.AUDITOR,), Action.SUBMIT, State.OPEN, Refusal.AUDITOR_READ_ONLY),
        ((Role.ADMIN,), Action.APPROVE, State.FORWARDED, Refusal.ADMIN_DOES_NOT_CERTIFY),
        ((Role.AUDITOR, Role.ADMIN), Action.REVOKE, State.OPEN, Refusal.AUDITOR_READ_ONLY),
        # holding another suitable role, they act through it
        ((Role.AUDITOR, Role.OFFICER), Action.SUBMIT, State.OPEN, None),
        ((Role.AUDITOR, Role.OFFICER), Action.FORWARD, State.SUBMITTED, Refusal.AUDITOR_READ_ONLY),
        ((Role.ADMIN, Role.DIVISION_HEAD), Action.APPROVE, State.FORWARDED, None),
        (
            (Role.ADMIN, Role.DIVISION_HEAD),
            Action.SUBMIT,
            State.OPEN,
            Refusal.ADMIN_DOES_NOT_CERTIFY,
        ),
    ],
)
def test_auditor_and_admin(
    roles: tuple[Role, ...], action: Action, state: State, expected: Refusal | None
) -> None:
    assert check(actor(50, *roles), snapshot(state), action).refusal is expected


def test_multi_role_user_walks_other_peoples_work() -> None:
    everyone = actor(7, Role.OFFICER, Role.REVIEWER, Role.DIVISION_HEAD)
    allowed = {d.action for d in available_actions(everyone, snapshot(State.OPEN)) if d.allowed}
    assert allowed == {Action.SUBMIT, Action.REVOKE}
    # their own submission: only withdraw is theirs to take
    own = snapshot(State.SUBMITTED, submitted_by=7)
    assert [d.action for d in available_actions(everyone, own) if d.allowed] == [Action.WITHDRAW]
    theirs = snapshot(State.SUBMITTED, submitted_by=1)
    assert {d.action for d in available_actions(everyone, theirs) if d.allowed} == {
        Action.FORWARD,
        Action.RETURN,
    }


# --- Order of checks and inputs -------------------------------------------------------------


def test_checks_run_in_the_most_useful_order() -> None:
    outsider = actor(OFFICER, Role.OFFICER, unit=OTHER_DIVISION)
    # scope before state
    assert check(outsider, snapshot(State.FORWARDED), "submit").refusal is Refusal.OUT_OF_SCOPE
    # state before inputs
    reviewer = actor(REVIEWER, Role.REVIEWER)
    decision = check(reviewer, snapshot(State.OPEN), "return", comment=" ")
    assert decision.refusal is Refusal.WRONG_STATE
    # separation of duties before inputs
    both = actor(7, Role.OFFICER, Role.REVIEWER)
    own = snapshot(State.SUBMITTED, submitted_by=7)
    assert check(both, own, "return", comment="").refusal is Refusal.OWN_SUBMISSION
    # role before scope
    assert check(outsider, snapshot(State.SUBMITTED), "forward").refusal is Refusal.WRONG_ROLE


@pytest.mark.parametrize(
    ("action", "state", "who", "kwargs", "expected"),
    [
        (Action.RETURN, State.SUBMITTED, REVIEWER, {"comment": None}, None),
        (Action.RETURN, State.SUBMITTED, REVIEWER, {"comment": ""}, Refusal.COMMENT_REQUIRED),
        (Action.RETURN, State.SUBMITTED, REVIEWER, {"comment": " \n\t"}, Refusal.COMMENT_REQUIRED),
        (Action.RETURN, State.SUBMITTED, REVIEWER, {"comment": "ขาดหลักฐาน"}, None),
        (Action.RETURN, State.FORWARDED, HEAD, {"comment": "  "}, Refusal.COMMENT_REQUIRED),
        (Action.REVOKE, State.OPEN, HEAD, {"comment": None}, None),
        (Action.REVOKE, State.OPEN, HEAD, {"comment": "   "}, Refusal.REASON_REQUIRED),
        (Action.REVOKE, State.COMPLETED, HEAD, {"comment": "audit finding"}, None),
        (Action.SUBMIT, State.OPEN, OFFICER, {}, None),
        (Action.SUBMIT, State.OPEN, OFFICER, {"has_narrative": True, "evidence_count": 1}, None),
        (
            Action.SUBMIT,
            State.OPEN,
            OFFICER,
            {"has_narrative": False, "evidence_count": 2},
            Refusal.EVIDENCE_REQUIRED,
        ),
        (
            Action.SUBMIT,
            State.RETURNED,
            OFFICER,
            {"has_narrative": True, "evidence_count": 0},
            Refusal.EVIDENCE_REQUIRED,
        ),
        (Action.SUBMIT, State.OPEN, OFFICER, {"has_narrative": True}, None),
        (Action.SUBMIT, State.OPEN, OFFICER, {"evidence_count": 0}, Refusal.EVIDENCE_REQUIRED),
        # a comment given to an action that does not take one is ignored
        (Action.FORWARD, State.SUBMITTED, REVIEWER, {"comment": ""}, None),
    ],
)
def test_inputs(
    action: Action, state: State, who: int, kwargs: dict[str, object], expected: Refusal | None
) -> None:
    role = {OFFICER: Role.OFFICER, REVIEWER: Role.REVIEWER, HEAD: Role.DIVISION_HEAD}[who]
    decision = check(actor(who, role), snapshot(state), action, **kwargs)
    assert decision.refusal is expected


def test_revoke_refusals() -> None:
    head = actor(HEAD, Role.DIVISION_HEAD)
    nothing = check(head, snapshot(State.OPEN, certified=0), Action.REVOKE)
    assert nothing.refusal is Refusal.NOTHING_TO_REVOKE
    pending = check(head, snapshot(State.FORWARDED), Action.REVOKE)
    assert pending.refusal is Refusal.PENDING_BLOCKS_REVOKE
    assert pending.reason is not None and "settle" in pending.reason


def test_reasons_are_readable() -> None:
    for refusal in Refusal:
        message = refusal.message_for(Action.REVOKE, State.FORWARDED)
        assert message and "%(" not in message and "{" not in message
    decision = check(actor(OFFICER, Role.OFFICER), snapshot(State.FORWARDED), Action.SUBMIT)
    assert decision.reason is not None
    assert "'forwarded'" in decision.reason and "'submit'" in decision.reason
    assert check(actor(OFFICER, Role.OFFICER), snapshot(State.OPEN), "submit").reason is None


def test_available_actions_lists_all_six_in_order() -> None:
    decisions = available_actions(actor(OFFICER, Role.OFFICER), snapshot(State.OPEN))
    assert [d.action for d in decisions] == [
        Action.SUBMIT,
        Action.WITHDRAW,
        Action.FORWARD,
        Action.RETURN,
        Action.APPROVE,
        Action.REVOKE,
    ]
    assert [d.allowed for d in decisions] == [True, False, False, False, False, False]


@pytest.mark.parametrize(
    ("state", "pending"),
    [
        (State.SUBMITTED, None),
        (State.OPEN, PendingSubmission(1)),
        (State.SUBMITTED, PendingSubmission(1, 3)),
        (State.FORWARDED, PendingSubmission(1)),
    ],
)
def test_snapshot_rejects_contradictions(state: State, pending: PendingSubmission | None) -> None:
    with pytest.raises(ValueError):
        ActivitySnapshot(state, 1, 4, 3, PATH, pending)


def test_snapshot_rejects_bad_counters() -> None:
    with pytest.raises(ValueError):
        ActivitySnapshot(State.COMPLETED, 3, 4, 3, PATH, None)
    with pytest.raises(ValueError):
        ActivitySnapshot(State.OPEN, 4, 4, 3, PATH, None)
    with pytest.raises(ValueError):
        ActivitySnapshot(State.OPEN, -1, 4, 3, PATH, None)


def test_snapshot_from_model() -> None:
    snap = ActivitySnapshot.from_model(
        Row(state="forwarded", certified_level=2),
        unit_path=PATH,
        open_submission=PendingSubmission(1, 3),
    )
    assert snap.state is State.FORWARDED and snap.certified_level == 2
    assert check(actor(HEAD, Role.DIVISION_HEAD), snap, "approve").allowed
    # A returned submission is open (the officer answers it) but waits for nobody's decision.
    returned = ActivitySnapshot.from_model(
        Row(state="returned", certified_level=2),
        unit_path=PATH,
        open_submission=PendingSubmission(1, None),
    )
    assert returned.pending is None


# --- The machine ----------------------------------------------------------------------------


def test_walk_through_every_level() -> None:
    row = Row(level_count=4, target_level=2)
    for level in range(1, 5):
        assert row.state == "open" and row.certified_level == level - 1
        if level == 2:  # a detour: withdraw, then a return and a resubmission
            fire(row, Action.SUBMIT)
            fire(row, Action.WITHDRAW)
            fire(row, Action.SUBMIT)
            fire(row, Action.FORWARD)
            assert fire(row, Action.RETURN) is State.RETURNED
        assert fire(row, Action.SUBMIT) is State.SUBMITTED
        assert fire(row, Action.FORWARD) is State.FORWARDED
        new_state = fire(row, Action.APPROVE)
        assert row.certified_level == level
        assert target_reached(row) is (level >= 2)
        assert new_state is (State.COMPLETED if level == 4 else State.OPEN)
    assert row.state == "completed" and type(row.state) is str  # plain string for the column


def test_revoke_from_completed_reopens_the_highest_level() -> None:
    row = Row(state="completed", certified_level=4)
    assert fire(row, "revoke", reason="audit") is State.OPEN
    assert row.certified_level == 3
    fire(row, "revoke")
    assert (row.state, row.certified_level) == ("open", 2)


def test_revoke_from_returned() -> None:
    row = Row(state="returned", certified_level=2)
    assert fire(row, Action.REVOKE) is State.OPEN
    assert row.certified_level == 1


@pytest.mark.parametrize(
    ("row", "action", "blocker"),
    [
        (Row(state="open"), Action.APPROVE, Blocker.WRONG_STATE),
        (Row(state="open", certified_level=0), Action.REVOKE, Blocker.NOTHING_TO_REVOKE),
        (Row(state="submitted", certified_level=2), Action.REVOKE, Blocker.PENDING_BLOCKS_REVOKE),
        (Row(state="forwarded", certified_level=2), Action.REVOKE, Blocker.PENDING_BLOCKS_REVOKE),
        (Row(state="completed", certified_level=4), Action.SUBMIT, Blocker.WRONG_STATE),
        (Row(state="returned"), Action.FORWARD, Blocker.WRONG_STATE),
    ],
)
def test_invalid_transitions_raise(row: Row, action: Action, blocker: Blocker) -> None:
    before = Row(**vars(row))
    with pytest.raises(InvalidTransition) as caught:
        fire(row, action)
    assert caught.value.blocker is blocker
    assert str(caught.value)
    assert row == before


@pytest.mark.parametrize(
    ("row", "action"),
    [
        (Row(state="bogus"), Action.SUBMIT),
        (Row(state=None), Action.SUBMIT),  # type: ignore[arg-type]  # an unflushed row
        (Row(), "teleport"),
        (Row(state="open", certified_level=4), Action.SUBMIT),  # counters contradict the state
        (Row(state="completed", certified_level=2), Action.REVOKE),
        (Row(level_count=0), Action.SUBMIT),
    ],
)
def test_broken_models_raise_workflow_error(row: Row, action: str) -> None:
    with pytest.raises(WorkflowError):
        fire(row, action)


def test_state_is_read_from_the_model_not_reset_to_initial() -> None:
    row = Row(state="forwarded", certified_level=2)
    fire(row, Action.APPROVE)
    assert (row.state, row.certified_level) == ("open", 3)
    # an Enum in the attribute is read by value (transitions alone would look up its name)
    row = Row(state=State.SUBMITTED, certified_level=1)  # type: ignore[arg-type]
    assert fire(row, Action.FORWARD) is State.FORWARDED
    assert row.state == "forwarded" and type(row.state) is str


def test_firing_keeps_no_reference_to_models() -> None:
    first, second = Row(), Row(state="forwarded", certified_level=3)
    refs = [weakref.ref(first), weakref.ref(second)]
    fire(first, Action.SUBMIT)
    fire(second, Action.APPROVE)
    assert (first.state, second.state) == ("submitted", "completed")
    assert MACHINE.models == []
    del first, second
    gc.collect()
    assert [ref() for ref in refs] == [None, None]


def test_machine_attaches_nothing_to_models() -> None:
    row = Row()
    fire(row, Action.SUBMIT)
    assert set(vars(row)) == {"state", "certified_level", "level_count", "target_level"}
    assert not hasattr(row, "trigger") and not hasattr(row, "is_open")


# --- Properties -----------------------------------------------------------------------------


def assert_invariants(row: Row) -> None:
    assert 0 <= row.certified_level <= row.level_count
    assert (row.state == State.COMPLETED) == (row.certified_level == row.level_count)


@settings(max_examples=300)
@given(
    level_count=st.integers(min_value=1, max_value=6),
    actions=st.lists(st.sampled_from(list(Action)), max_size=60),
)
def test_random_action_sequences_keep_invariants(level_count: int, actions: list[Action]) -> None:
    row = Row(level_count=level_count, target_level=1)
    for action in actions:
        state = State(row.state)
        expected_blocker = state_blocker(state, row, action)
        if expected_blocker is None:
            fire(row, action)
        else:
            with pytest.raises(InvalidTransition):
                fire(row, action)
        assert_invariants(row)


class WorkflowStateMachine(RuleBasedStateMachine):
    """Random interleavings of every action against a model of the expected counters."""

    def __init__(self) -> None:
        super().__init__()
        self.row = Row()

    @initialize(level_count=st.integers(min_value=1, max_value=5))
    def start(self, level_count: int) -> None:
        self.row = Row(level_count=level_count, target_level=1)

    @rule(action=st.sampled_from(list(Action)))
    def act(self, action: Action) -> None:
        before_state, before_level = State(self.row.state), self.row.certified_level
        try:
            fire(self.row, action)
        except InvalidTransition:
            assert (self.row.state, self.row.certified_level) == (before_state, before_level)
            assert (action, before_state) not in ALLOWED or before_level == 0
            return
        delta = {Action.APPROVE: 1, Action.REVOKE: -1}.get(action, 0)
        assert self.row.certified_level == before_level + delta

    @invariant()
    def counters_stay_in_range(self) -> None:
        assert_invariants(self.row)


TestWorkflowStateMachine = WorkflowStateMachine.TestCase
TestWorkflowStateMachine.settings = settings(max_examples=100, stateful_step_count=40)
