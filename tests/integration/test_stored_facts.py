"""Facts the engine stores as it writes: each activity's open submission, the submission behind
each certified level, each unit's ancestors; the database's constraints on them; and the
migration that backfills them, checked against the history that produced them."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from state_machines import Action
from tests.integration.conftest import People
from tests.integration.workflow_support import act
from workflow_app.accounts.models import Unit, UnitAncestor
from workflow_app.audit.models import AuditChainHead
from workflow_app.extensions import db
from workflow_app.plans.models import Activity, ActivityLevel
from workflow_app.workflow.certifications import certifications_as_at, plan_certifications
from workflow_app.workflow.errors import WorkflowFailure
from workflow_app.workflow.models import WorkflowDecision

# Who may take each action on the secretariat's activities (all hold their grant there or above).
ACTORS = {
    Action.SUBMIT: ("officer", "officer2"),
    Action.WITHDRAW: ("officer", "officer2"),
    Action.FORWARD: ("reviewer", "reviewer2"),
    Action.RETURN: ("reviewer", "reviewer2", "head", "head2"),
    Action.APPROVE: ("head", "head2"),
    Action.REVOKE: ("head", "head2"),
}
# 1.1.2 has two levels, 4.1.1 five, 2.2.1 one; 1.1.1 five with a target below the last.
CODES = ("1.1.2", "4.1.1", "2.2.1", "1.1.1")
BEFORE_0008 = "0007_activities_plan_unit_index"


def random_history(people: People, steps: int, seed: int) -> Counter[str]:
    """A seeded walk of actions by plausible people; refusals are part of the walk."""
    rng = random.Random(seed)
    done: Counter[str] = Counter()
    climb = [Action.SUBMIT, Action.FORWARD, Action.APPROVE]
    for _ in range(steps):
        code = rng.choice(CODES)
        action = rng.choice(climb * 3 + list(Action))
        try:
            act(people, rng.choice(ACTORS[action]), code, action)
        except WorkflowFailure:
            continue
        done[action.value] += 1
        state = db.session.get(Activity, people.activities[code], populate_existing=True)
        if state is not None and state.state == "completed":
            done["completed"] += 1
    return done


def stored_facts() -> dict[str, object]:
    db.session.expire_all()
    open_submissions = dict(
        db.session.execute(select(Activity.id, Activity.open_submission_id)).all()
    )
    certified = {
        (activity_id, number): submission_id
        for activity_id, number, submission_id in db.session.execute(
            select(
                ActivityLevel.activity_id,
                ActivityLevel.number,
                ActivityLevel.certified_submission_id,
            )
        )
    }
    ancestors = set(
        db.session.execute(
            select(UnitAncestor.unit_id, UnitAncestor.ancestor_id, UnitAncestor.depth)
        )
    )
    return {"open": open_submissions, "certified": certified, "ancestors": ancestors}


def replayed_facts() -> dict[str, object]:
    """The same facts worked out from the stored decisions, in the order they were taken."""
    open_submissions: dict[int, int | None] = dict.fromkeys(db.session.scalars(select(Activity.id)))
    certified = {
        key: None
        for key in db.session.execute(select(ActivityLevel.activity_id, ActivityLevel.number))
    }
    for decision in db.session.scalars(
        select(WorkflowDecision).order_by(WorkflowDecision.audit_seq)
    ):
        activity = decision.activity_id
        if decision.action == "submit":
            open_submissions[activity] = decision.submission_id
        elif decision.action in ("withdraw", "approve", "revoke"):
            open_submissions[activity] = None
        if decision.action == "approve":
            certified[(activity, decision.level)] = decision.submission_id
        elif decision.action == "revoke":
            certified[(activity, decision.level)] = None
    units = dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())
    ancestors = set()
    for unit_id in units:
        current, depth = unit_id, 0
        while current is not None:
            ancestors.add((unit_id, current, depth))
            current, depth = units[current], depth + 1
    return {"open": open_submissions, "certified": certified, "ancestors": ancestors}


def test_the_engine_stores_what_the_history_says(app: Flask, people: People) -> None:
    with app.app_context():
        done = random_history(people, steps=160, seed=2568)
        # Not vacuous: every kind of action happened, and a level was certified and revoked.
        assert {action.value for action in Action} <= set(done), done
        facts = stored_facts()
        assert facts == replayed_facts()
        assert any(facts["open"].values()) and any(facts["certified"].values())


def test_certifications_now_and_replayed_agree(app: Flask, people: People) -> None:
    """The stored certifying submissions (what pages show) and the replay of approvals and
    revocations (what quarterly reports use) give the same answer at the head of the log."""
    with app.app_context():
        random_history(people, steps=160, seed=2570)
        plan_id = db.session.scalar(select(Activity.plan_id).limit(1))
        assert plan_id is not None
        head = db.session.scalar(select(AuditChainHead.seq))
        assert head is not None
        now = plan_certifications(db.session, plan_id)
        replayed = certifications_as_at(
            db.session, plan_id, as_at=datetime.now(UTC) + timedelta(seconds=1), up_to_seq=head
        )
        assert {a: list(levels.values()) for a, levels in now.items() if levels} == {
            a: certs for a, certs in replayed.items() if certs
        }
        assert any(now.values())


def test_the_migration_backfills_the_facts_from_the_history(app: Flask, people: People) -> None:
    with app.app_context():
        random_history(people, steps=120, seed=2569)
        # Cases where the newest of several submissions is the one: returned twice at a level,
        # and a level certified again after a revocation.
        for action in ("submit", "return", "submit", "return"):
            act(people, "officer" if action == "submit" else "reviewer", "4.1.2", action)
        for action in ("submit", "forward", "approve", "revoke", "submit", "forward", "approve"):
            who = {"submit": "officer", "forward": "reviewer"}.get(action, "head")
            act(people, who, "2.1.1", action)
        before = stored_facts()
        db.session.remove()
        downgrade(revision=BEFORE_0008)
        upgrade()
        assert stored_facts() == before


def test_the_database_refuses_facts_that_contradict_the_state(app: Flask, people: People) -> None:
    with app.app_context():
        act(people, "officer", "1.1.1", "submit")
        act(people, "officer", "1.1.2", "submit")
        submitted = db.session.get(Activity, people.activities["1.1.1"])
        other = db.session.get(Activity, people.activities["1.1.2"])
        assert submitted is not None and other is not None
        own, foreign = submitted.open_submission_id, other.open_submission_id
        refused = (IntegrityError, OperationalError, ProgrammingError)
        statements = [
            # pending without an open submission
            ("UPDATE activities SET open_submission_id = NULL WHERE id = :a", {}),
            # open with one
            ("UPDATE activities SET state = 'open' WHERE id = :a", {}),
            # another activity's submission
            ("UPDATE activities SET open_submission_id = :s WHERE id = :a", {"s": foreign}),
            # a status that is not the state
            ("UPDATE submissions SET status = 'forwarded' WHERE id = :s", {"s": own}),
            # a certifying submission made for another level
            (
                "UPDATE activity_levels SET certified_submission_id = :s"
                " WHERE activity_id = :a AND number = 2",
                {"s": own},
            ),
        ]
        for statement, params in statements:
            with pytest.raises(refused):
                db.session.execute(text(statement), {"a": submitted.id, **params})
                db.session.commit()
            db.session.rollback()


def test_units_know_their_ancestors_and_never_move(app: Flask, people: People) -> None:
    with app.app_context():
        section = Unit(name="งานย่อย", kind="section", parent_id=people.secretariat_id)
        db.session.add(section)
        db.session.commit()
        path = db.session.execute(
            select(UnitAncestor.ancestor_id, UnitAncestor.depth)
            .where(UnitAncestor.unit_id == section.id)
            .order_by(UnitAncestor.depth)
        ).all()
        assert path == [(section.id, 0), (people.secretariat_id, 1), (people.department_id, 2)]
        with pytest.raises((IntegrityError, OperationalError, ProgrammingError)):
            section.parent_id = people.other_division_id
            db.session.commit()
        db.session.rollback()
        section.name = "งานย่อยที่หนึ่ง"  # renaming is fine
        db.session.commit()
