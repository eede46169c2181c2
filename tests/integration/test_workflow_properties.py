"""Random action sequences against the real engine and database, checked against a small model.

A hypothesis `RuleBasedStateMachine` fires submit/withdraw/forward/return/approve/revoke, by any
account, with good, blank or missing comments and evidence and with a current, stale or no
`expected_version`. A reference model written here (independent of `state_machines`) predicts
whether each attempt succeeds and, if not, which refusal it gets; after every step the stored
rows, the separation of duties, the decisions and the audit chain are checked.

State between examples: every example imports its own copy of the seed plan (the sample text
plus a different number of trailing newlines, so its source hash is new), which gives it eight
brand-new activities on the same units, so the accounts' grants apply unchanged. Nothing is
deleted or reset, which matters because the audit tables are append-only; instead each example
looks only at its own activities, and the audit chain is checked incrementally across examples
(and verified whole at the end). This works the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from state_machines import Action, Role
from tests.integration.conftest import ACCOUNTS, SYSTEM, People
from tests.integration.workflow_support import pdf
from tools.verify_audit import EntryRecord, verify_entries
from workflow_app.audit.canonical import chain_hash
from workflow_app.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from workflow_app.demo import sample_plan_bytes
from workflow_app.evidence.app_store import evidence_store
from workflow_app.extensions import db
from workflow_app.plans.importer import parse_plan_bytes
from workflow_app.plans.loader import load_plan
from workflow_app.plans.models import Activity
from workflow_app.workflow.errors import WorkflowFailure
from workflow_app.workflow.models import Submission, WorkflowDecision
from workflow_app.workflow.operations import ActionOutcome, ActionRequest, perform_action

MAX_EXAMPLES = 20
STEPS = 25

# Always exercised: a 2-level and a 5-level activity (both in the secretariat). Up to two more
# are drawn, among them activities of the department itself (outside the secretariat grants)
# and a 1-level one that completes on its first approval.
ALWAYS = ("1.1.2", "4.1.1")
EXTRA = ("1.1.1", "2.1.1", "2.2.1", "3.1.2", "4.1.2", "4.2.1")
USERNAMES = tuple(ACCOUNTS)

# --- the reference model: an independent transcription of the workflow rules ---------------

SOURCES: dict[Action, frozenset[str]] = {
    Action.SUBMIT: frozenset({"open", "returned"}),
    Action.WITHDRAW: frozenset({"submitted"}),
    Action.FORWARD: frozenset({"submitted"}),
    Action.RETURN: frozenset({"submitted", "forwarded"}),
    Action.APPROVE: frozenset({"forwarded"}),
    Action.REVOKE: frozenset({"open", "returned", "completed"}),
}
ROLES: dict[Action, frozenset[Role]] = {
    Action.SUBMIT: frozenset({Role.OFFICER}),
    Action.WITHDRAW: frozenset({Role.OFFICER}),
    Action.FORWARD: frozenset({Role.REVIEWER}),
    Action.APPROVE: frozenset({Role.DIVISION_HEAD}),
    Action.REVOKE: frozenset({Role.DIVISION_HEAD}),
}
STATUS_OF_CODE: dict[str, int] = {
    "wrong_state": 409,
    "nothing_to_revoke": 409,
    "pending_blocks_revoke": 409,
    "stale_version": 409,
    "comment_required": 422,
    "reason_required": 422,
    "evidence_required": 422,
}
PENDING = ("submitted", "forwarded")

COMMENTS = st.sampled_from([None, "", "   ", "โปรดแนบหลักฐานเพิ่มเติม", " เหตุผลประกอบ "])
NARRATIVES = st.sampled_from([None, "", "  ", "ดำเนินการตามแผนแล้ว"])
VERSION_MODES = st.sampled_from(["current", "stale", "none"])
LINK = "https://www.mfa.go.th/evidence"
# The step up from each state.
CLIMB = {
    "open": Action.SUBMIT,
    "returned": Action.SUBMIT,
    "submitted": Action.FORWARD,
    "forwarded": Action.APPROVE,
    "completed": Action.REVOKE,
}
# Mostly a real comment, sometimes a blank or missing one (which return and revoke refuse).
PLAUSIBLE_COMMENTS = st.sampled_from(
    ["เหตุผลประกอบการพิจารณา", "เหตุผลประกอบการพิจารณา", "เห็นชอบ", None, "", " "]
)
# Mostly the version the user saw; sometimes none, sometimes one that another action overtook.
PLAUSIBLE_VERSIONS = st.sampled_from(["current", "current", "current", "none", "stale"])


@dataclass
class Tracked:
    """What the model believes about one activity."""

    id: int
    code: str
    level_count: int
    unit_path: frozenset[int]
    state: str = "open"
    certified: int = 0
    version: int = 1
    submitter: int | None = None
    forwarder: int | None = None


@dataclass(frozen=True)
class Attempt:
    username: str
    action: Action
    comment: str | None = None
    narrative: str | None = None
    files: int = 0
    links: int = 0
    version_mode: str = "current"


@dataclass
class RunStats:
    """Across the whole run: what happened, so a vacuous run is noticed."""

    successes: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    completed: int = 0
    highest_level: int = 0


def required_roles(action: Action, state: str) -> frozenset[Role]:
    if action is Action.RETURN:
        if state == "submitted":
            return frozenset({Role.REVIEWER})
        if state == "forwarded":
            return frozenset({Role.DIVISION_HEAD})
        return frozenset({Role.REVIEWER, Role.DIVISION_HEAD})
    return ROLES[action]


def blank(text: str | None) -> bool:
    return text is None or not text.strip()


class Rules:
    """Who holds which role where, and the refusal the rules predict for an attempt."""

    def __init__(self, people: People) -> None:
        unit_ids = {
            "dept": people.department_id,
            "secretariat": people.secretariat_id,
            "other": people.other_division_id,
        }
        self.user_ids = dict(people.ids)
        self.grants: dict[str, frozenset[tuple[Role, int]]] = {
            name: frozenset((role, unit_ids[unit]) for role in roles)
            for name, (roles, unit) in ACCOUNTS.items()
        }
        self.parents = {people.secretariat_id: people.department_id}

    def unit_path(self, unit_id: int) -> frozenset[int]:
        path = {unit_id}
        while unit_id in self.parents:
            unit_id = self.parents[unit_id]
            path.add(unit_id)
        return frozenset(path)

    def holds(self, username: str, roles: frozenset[Role], path: frozenset[int]) -> bool:
        """A grant of one of `roles` on the activity's unit or an ancestor."""
        return any(role in roles and unit in path for role, unit in self.grants[username])

    def refusal(self, tracked: Tracked, attempt: Attempt) -> str | None:
        """The refusal code the rules give (checks in the documented order), or None."""
        action, state = attempt.action, tracked.state
        roles = required_roles(action, state)
        held = {role for role, _ in self.grants[attempt.username]}
        if not roles & held:
            if Role.AUDITOR in held:
                return "auditor_read_only"
            if Role.ADMIN in held:
                return "admin_does_not_certify"
            return "wrong_role"
        if not self.holds(attempt.username, roles, tracked.unit_path):
            return "out_of_scope"
        if state not in SOURCES[action]:
            if action is Action.REVOKE and state in PENDING:
                return "pending_blocks_revoke"
            return "wrong_state"
        if action is Action.REVOKE and tracked.certified == 0:
            return "nothing_to_revoke"
        user_id = self.user_ids[attempt.username]
        if action is Action.WITHDRAW and user_id != tracked.submitter:
            return "not_the_submitter"
        if action in (Action.FORWARD, Action.RETURN, Action.APPROVE):
            if user_id == tracked.submitter:
                return "own_submission"
            if state == "forwarded" and user_id == tracked.forwarder:
                return "reviewed_it"
        if action is Action.SUBMIT and (
            blank(attempt.narrative) or attempt.files + attempt.links < 1
        ):
            return "evidence_required"
        # A missing comment is as good as a blank one: returning needs a comment, revoking a
        # reason, whoever calls the engine.
        if action is Action.RETURN and blank(attempt.comment):
            return "comment_required"
        if action is Action.REVOKE and blank(attempt.comment):
            return "reason_required"
        if attempt.version_mode == "stale":
            return "stale_version"
        return None

    def candidates(self, action: Action, tracked: Tracked) -> list[str]:
        roles = required_roles(action, tracked.state)
        return [name for name in USERNAMES if self.holds(name, roles, tracked.unit_path)]


def apply_success(tracked: Tracked, attempt: Attempt, user_id: int) -> None:
    """The model's transition for an attempt the rules allow."""
    action = attempt.action
    if action is Action.SUBMIT:
        tracked.state, tracked.submitter, tracked.forwarder = "submitted", user_id, None
    elif action is Action.WITHDRAW:
        tracked.state, tracked.submitter = "open", None
    elif action is Action.FORWARD:
        tracked.state, tracked.forwarder = "forwarded", user_id
    elif action is Action.RETURN:
        tracked.state, tracked.submitter, tracked.forwarder = "returned", None, None
    elif action is Action.APPROVE:
        tracked.certified += 1
        tracked.state = "completed" if tracked.certified == tracked.level_count else "open"
        tracked.submitter = tracked.forwarder = None
    else:
        tracked.certified -= 1
        tracked.state = "open"
    tracked.version += 1


# --- reading the database -------------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    state: str
    certified: int
    version: int
    level_count: int
    submissions: int
    decisions: int
    audit_seq: int
    audit_hash: str


def observe(activity_id: int) -> Observed:
    """The activity's workflow columns, its row counts and the audit head, in one query."""
    submissions = select(func.count()).where(Submission.activity_id == Activity.id)
    decisions = select(func.count()).where(WorkflowDecision.activity_id == Activity.id)
    head = select(AuditChainHead).where(AuditChainHead.id == 1).subquery()
    row = db.session.execute(
        select(
            Activity.state,
            Activity.certified_level,
            Activity.version,
            Activity.level_count,
            submissions.scalar_subquery(),
            decisions.scalar_subquery(),
            head.c.seq,
            head.c.entry_hash,
        )
        .join(head, head.c.id == 1)
        .where(Activity.id == activity_id)
    ).one()
    return Observed(*row)


def entries_after(seq: int) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.seq > seq).order_by("seq")))


def fresh(model: Any, *conditions: Any) -> list[Any]:
    """Rows as stored now, not as an earlier query left them in the identity map."""
    query = select(model).where(*conditions).execution_options(populate_existing=True)
    return list(db.session.scalars(query))


# --- the test ----------------------------------------------------------------------------------


def test_random_action_sequences_keep_the_invariants(app: Flask, people: People) -> None:
    rules = Rules(people)
    plan_copies = itertools.count(1)
    template = sample_plan_bytes()
    chain = {"seq": 0, "hash": GENESIS_HASH}  # verified prefix of the audit chain, across examples
    stats = RunStats()

    class WorkflowMachine(RuleBasedStateMachine):
        activities = Bundle("activities")

        def __init__(self) -> None:
            super().__init__()
            self.tracked: dict[str, Tracked] = {}

        @initialize(target=activities, extra=st.lists(st.sampled_from(EXTRA), max_size=2))
        def import_fresh_plan(self, extra: list[str]) -> Any:
            data = template + b"\n" * next(plan_copies)
            result = load_plan(
                db.session,
                parse_plan_bytes(data),
                source_text=data.decode(),
                source_name="property.txt",
                actor=SYSTEM,
            )
            assert result.created
            codes = sorted({*ALWAYS, *extra})
            rows = db.session.scalars(
                select(Activity).where(Activity.plan_id == result.plan_id, Activity.code.in_(codes))
            ).all()
            for row in rows:
                self.tracked[row.code] = Tracked(
                    id=row.id,
                    code=row.code,
                    level_count=row.level_count,
                    unit_path=rules.unit_path(row.unit_id),
                )
            assert sorted(self.tracked) == codes
            assert {self.tracked[c].level_count for c in ALWAYS} == {2, 5}
            return multiple(*codes)

        # -- rules ---------------------------------------------------------------------------

        @rule(
            code=activities,
            username=st.sampled_from(USERNAMES),
            action=st.sampled_from(list(Action)),
            comment=COMMENTS,
            narrative=NARRATIVES,
            files=st.integers(0, 1),
            links=st.integers(0, 1),
            version_mode=VERSION_MODES,
        )
        def anything(
            self,
            code: str,
            username: str,
            action: Action,
            comment: str | None,
            narrative: str | None,
            files: int,
            links: int,
            version_mode: str,
        ) -> None:
            """Any account, any action, any inputs: mostly refusals."""
            attempt = Attempt(username, action, comment, narrative, files, links, version_mode)
            self.attempt(self.tracked[code], attempt)

        @rule(code=activities, data=st.data())
        def plausible(self, code: str, data: st.DataObject) -> None:
            """An action the state allows, by someone holding the role over the activity (who may
            still be barred by separation of duties), with mostly good inputs."""
            tracked = self.tracked[code]
            possible = [
                action
                for action in Action
                if tracked.state in SOURCES[action]
                and not (action is Action.REVOKE and tracked.certified == 0)
            ]
            action = data.draw(st.sampled_from(possible), label="action")
            username = data.draw(
                st.sampled_from(rules.candidates(action, tracked)), label="username"
            )
            comment = data.draw(PLAUSIBLE_COMMENTS, label="comment")
            attempt = Attempt(
                username,
                action,
                comment=comment,
                narrative="ผลการดำเนินงานครบถ้วน",
                files=data.draw(st.integers(0, 1), label="files"),
                links=1,
                version_mode=data.draw(PLAUSIBLE_VERSIONS, label="version"),
            )
            self.attempt(tracked, attempt)

        @rule(code=activities, data=st.data())
        def climb(self, code: str, data: st.DataObject) -> None:
            """The next step up (submit, forward, approve; revoke once completed) by someone the
            rules allow: random steps alone rarely reach the high levels and completion."""
            tracked = self.tracked[code]
            action = CLIMB[tracked.state]
            busy = {tracked.submitter, tracked.forwarder}
            free = [
                name for name in rules.candidates(action, tracked) if people.ids[name] not in busy
            ]
            username = data.draw(st.sampled_from(free), label="username")
            attempt = Attempt(
                username, action, comment="ตรวจพบข้อบกพร่อง", narrative="รายงานผล", links=1
            )
            assert rules.refusal(tracked, attempt) is None
            self.attempt(tracked, attempt)

        # -- one attempt, checked against the model ---------------------------------------

        def attempt(self, tracked: Tracked, attempt: Attempt) -> None:
            db.session.rollback()  # no read transaction or cached row carried into the action
            before = observe(tracked.id)
            expected_refusal = rules.refusal(tracked, attempt)
            user_id = people.ids[attempt.username]
            version = {
                "current": tracked.version,
                "stale": tracked.version - 1,
                "none": None,
            }[attempt.version_mode]
            request = ActionRequest(
                action=attempt.action,
                expected_version=version,
                comment=attempt.comment,
                narrative=attempt.narrative,
                files=[pdf(extra=f"{tracked.id}".encode()) for _ in range(attempt.files)],
                links=[LINK] * attempt.links,
                publishable=attempt.action is Action.APPROVE,
            )
            try:
                outcome = perform_action(
                    db.session,
                    user=people.user(attempt.username),
                    activity_id=tracked.id,
                    request=request,
                    store=evidence_store(),
                )
            except WorkflowFailure as failure:
                self.check_refused(tracked, attempt, before, expected_refusal, failure)
                return
            assert expected_refusal is None, (
                f"{attempt} on {tracked} succeeded; the rules refuse it ({expected_refusal})"
            )
            self.check_succeeded(tracked, attempt, before, outcome, user_id)

        def check_refused(
            self,
            tracked: Tracked,
            attempt: Attempt,
            before: Observed,
            expected: str | None,
            failure: WorkflowFailure,
        ) -> None:
            assert expected is not None, (
                f"{attempt} on {tracked} was refused ({failure.code}: {failure.message}); "
                "the rules allow it"
            )
            assert (failure.code, failure.status) == (expected, STATUS_OF_CODE.get(expected, 403))
            assert failure.message
            after = observe(tracked.id)
            # Nothing written: same row, same counts, no audit entry.
            assert after == before, f"refused {attempt.action} changed {before} into {after}"
            assert entries_after(before.audit_seq) == []
            stats.refusals[failure.code] += 1

        def check_succeeded(
            self,
            tracked: Tracked,
            attempt: Attempt,
            before: Observed,
            outcome: ActionOutcome,
            user_id: int,
        ) -> None:
            action = attempt.action
            from_state, level_before = tracked.state, tracked.certified
            apply_success(tracked, attempt, user_id)
            after = observe(tracked.id)
            # The certified level moves by exactly one, only through approve and revoke.
            step = {Action.APPROVE: 1, Action.REVOKE: -1}.get(action, 0)
            assert after.certified == before.certified + step == tracked.certified
            assert after.version == before.version + 1 == tracked.version
            assert (after.state, outcome.from_state, outcome.to_state) == (
                tracked.state,
                from_state,
                tracked.state,
            )
            assert (outcome.certified_level, outcome.version) == (after.certified, after.version)
            assert after.submissions == before.submissions + (action is Action.SUBMIT)
            assert after.decisions == before.decisions + 1

            # Exactly one audit entry, for this action, chained onto the previous head.
            new = entries_after(before.audit_seq)
            assert [entry.seq for entry in new] == [before.audit_seq + 1] == [outcome.audit_seq]
            entry = new[0]
            body = json.loads(entry.body)
            level = level_before if action is Action.REVOKE else level_before + 1
            assert (entry.action, entry.activity_id, entry.level) == (
                f"workflow.{action.value}",
                tracked.id,
                level,
            )
            assert entry.prev_hash == before.audit_hash
            assert body["action"] == f"workflow.{action.value}"
            assert (body["from_state"], body["to_state"]) == (from_state, tracked.state)
            assert body["subject"]["activity_id"] == tracked.id
            assert body["subject"]["level"] == level
            assert body["subject"]["submission_id"] == outcome.submission_id
            assert body["actor"]["id"] == user_id
            assert body["actor"]["username"] == attempt.username

            [decision] = fresh(WorkflowDecision, WorkflowDecision.audit_seq == entry.seq)
            assert (
                decision.activity_id,
                decision.action,
                decision.actor_id,
                decision.level,
                decision.from_state,
                decision.to_state,
                decision.submission_id,
                decision.comment,
            ) == (
                tracked.id,
                action.value,
                user_id,
                level,
                from_state,
                tracked.state,
                outcome.submission_id,
                (attempt.comment or "").strip(),
            )
            stats.successes[action.value] += 1
            stats.highest_level = max(stats.highest_level, tracked.certified)
            stats.completed += tracked.state == "completed"

        # -- invariants ---------------------------------------------------------------------

        @invariant()
        def rows_match_the_model(self) -> None:
            by_id = {tracked.id: tracked for tracked in self.tracked.values()}
            rows = db.session.execute(
                select(
                    Activity.id,
                    Activity.state,
                    Activity.certified_level,
                    Activity.level_count,
                    Activity.version,
                ).where(Activity.id.in_(by_id))
            ).all()
            assert len(rows) == len(by_id)
            for activity_id, state, certified, level_count, version in rows:
                tracked = by_id[activity_id]
                assert 0 <= certified <= level_count == tracked.level_count
                assert (state == "completed") == (certified == level_count)
                assert (state, certified, version) == (
                    tracked.state,
                    tracked.certified,
                    tracked.version,
                )

        @invariant()
        def submissions_are_consistent_and_duties_separated(self) -> None:
            ids = [tracked.id for tracked in self.tracked.values()]
            submissions = {s.id: s for s in fresh(Submission, Submission.activity_id.in_(ids))}
            for submission in submissions.values():
                assert submission.forwarded_by_id != submission.submitted_by_id
            for tracked in self.tracked.values():
                mine = [s for s in submissions.values() if s.activity_id == tracked.id]
                # Levels 1..certified each have exactly one approved submission; none above.
                approved = sorted(s.level for s in mine if s.status == "approved")
                assert approved == list(range(1, tracked.certified + 1))
                pending = [s for s in mine if s.status in PENDING]
                if tracked.state in PENDING:
                    assert [
                        (s.status, s.level, s.submitted_by_id, s.forwarded_by_id) for s in pending
                    ] == [
                        (tracked.state, tracked.certified + 1, tracked.submitter, tracked.forwarder)
                    ]
                else:
                    assert pending == []
            decisions = fresh(WorkflowDecision, WorkflowDecision.activity_id.in_(ids))
            for decision in decisions:
                if decision.action == "submit":
                    continue
                submission = submissions[decision.submission_id]  # type: ignore[index]
                actor = decision.actor_id
                if decision.action == "revoke":
                    # The certificate of exactly the dropped level is withdrawn.
                    assert (submission.status, submission.level) == ("revoked", decision.level)
                    continue
                if decision.action == "withdraw":
                    assert actor == submission.submitted_by_id
                    continue
                assert actor != submission.submitted_by_id, f"own submission: {decision.id}"
                if decision.action == "forward":
                    assert actor == submission.forwarded_by_id
                elif decision.action == "approve" or decision.from_state == "forwarded":
                    assert actor != submission.forwarded_by_id, f"reviewed it: {decision.id}"

        @invariant()
        def audit_chain_stays_linked(self) -> None:
            for entry in entries_after(chain["seq"]):
                assert entry.seq == chain["seq"] + 1, f"gap before seq {entry.seq}"
                assert entry.prev_hash == chain["hash"], f"fork at seq {entry.seq}"
                assert entry.entry_hash == chain_hash(entry.prev_hash, entry.body)
                body = json.loads(entry.body)
                assert (body["seq"], body["prev"]) == (entry.seq, entry.prev_hash)
                chain["seq"], chain["hash"] = entry.seq, entry.entry_hash
            head = db.session.get(AuditChainHead, 1, populate_existing=True)
            assert head is not None and (head.seq, head.entry_hash) == (chain["seq"], chain["hash"])

    with app.app_context():
        run_state_machine_as_test(
            WorkflowMachine,
            settings=settings(
                max_examples=MAX_EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                # A fixed seed: the non-vacuity checks below hold for this run, not for every
                # random one (about one in ten never had a withdraw succeed), and CI must not fail
                # by chance. Set it to False to explore other sequences locally.
                derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
        db.session.rollback()
        records = [
            EntryRecord(e.seq, e.body, e.prev_hash, e.entry_hash)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]
        report = verify_entries(records)
        assert report.ok, report.problem
        assert report.count == len(records) == chain["seq"]

    # Not a vacuous run: every action succeeded somewhere, an activity was completed, and
    # version and role refusals were exercised.
    assert set(stats.successes) == {action.value for action in Action}, stats
    assert stats.highest_level >= 2 and stats.completed >= 1, stats
    assert {"stale_version", "wrong_role"} <= set(stats.refusals), stats
