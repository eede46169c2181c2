"""People and a plan for workflow tests: the seed plan and one account per duty."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from state_machines import Role
from workflow_app.accounts.models import Unit, User
from workflow_app.accounts.operations import create_user
from workflow_app.audit.append import AuditActor
from workflow_app.demo import sample_plan_bytes
from workflow_app.extensions import db
from workflow_app.plans.importer import parse_plan_bytes
from workflow_app.plans.loader import load_plan
from workflow_app.plans.models import Activity

PASSWORD = "a long test password"
SYSTEM = AuditActor.system("test")


@dataclass(frozen=True)
class People:
    """Usernames → ids, and the activity ids by code, for the seed plan."""

    ids: dict[str, int]
    activities: dict[str, int]
    department_id: int
    secretariat_id: int
    other_division_id: int

    def user(self, name: str) -> User:
        user = db.session.get(User, self.ids[name])
        assert user is not None
        return user


# name → (roles, unit key). "dept" covers everything; "other" is a division with no activities.
ACCOUNTS: dict[str, tuple[tuple[Role, ...], str]] = {
    "officer": ((Role.OFFICER,), "secretariat"),
    "officer2": ((Role.OFFICER,), "dept"),
    "outsider": ((Role.OFFICER, Role.REVIEWER, Role.DIVISION_HEAD), "other"),
    "reviewer": ((Role.REVIEWER,), "dept"),
    "reviewer2": ((Role.REVIEWER,), "secretariat"),
    "head": ((Role.DIVISION_HEAD,), "dept"),
    "head2": ((Role.DIVISION_HEAD,), "secretariat"),
    "multi": ((Role.OFFICER, Role.REVIEWER, Role.DIVISION_HEAD), "dept"),
    "auditor": ((Role.AUDITOR,), "dept"),
    "admin": ((Role.ADMIN,), "dept"),
}


def seed_people(app: Flask) -> People:
    with app.app_context():
        data = sample_plan_bytes()
        load_plan(
            db.session,
            parse_plan_bytes(data),
            source_text=data.decode(),
            source_name="seed.txt",
            actor=SYSTEM,
        )
        department = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        assert department is not None
        secretariat = db.session.scalar(select(Unit).where(Unit.parent_id == department.id))
        assert secretariat is not None
        other = Unit(name="กองอื่น", kind="division", parent=department)
        db.session.add(other)
        db.session.commit()
        units = {"dept": department, "secretariat": secretariat, "other": other}
        ids = {}
        for name, (roles, unit_key) in ACCOUNTS.items():
            user = create_user(
                db.session,
                username=name,
                password=PASSWORD,
                grants=[(role, units[unit_key]) for role in roles],
                actor=SYSTEM,
            )
            ids[name] = user.id
        activities = dict(db.session.execute(select(Activity.code, Activity.id)).all())
        return People(ids, activities, department.id, secretariat.id, other.id)


@pytest.fixture
def people(app: Flask) -> People:
    return seed_people(app)
