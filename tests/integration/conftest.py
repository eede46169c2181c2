"""People and a plan for workflow tests: the seed plan and one account per duty."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from state_machines import Role
from workflow_app.accounts.models import Unit, User
from workflow_app.accounts.operations import create_user
from workflow_app.audit.append import AuditActor
from workflow_app.db import Base
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


class SeededState:
    """The database right after `seed_people`, kept once per backend and put back for every
    test that asks for `people`: the same rows (audit chain included) and ids as seeding again,
    without its dozen transactions. SQLite: a copy of the file; PostgreSQL: each table's rows
    (COPY) and each sequence's position."""

    def __init__(self, app: Flask, people: People) -> None:
        self.people = people
        with app.app_context():
            engine = db.engine
            self.backend = engine.dialect.name
            if self.backend == "sqlite":
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                self.file = Path(engine.url.database or "").read_bytes()
            else:
                self.tables, self.sequences = self._copy_out(engine)

    @staticmethod
    def _copy_out(engine: Engine) -> tuple[dict[str, bytes], dict[str, int]]:
        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            tables = {}
            for table in Base.metadata.sorted_tables:
                with driver.cursor().copy(f'COPY "{table.name}" TO STDOUT') as copy:
                    tables[table.name] = b"".join(bytes(chunk) for chunk in copy)
            sequences = {
                name: value
                for name, value in driver.execute(
                    "SELECT sequencename, last_value FROM pg_sequences"
                    " WHERE schemaname = 'public' AND last_value IS NOT NULL"
                )
            }
            driver.rollback()
        finally:
            raw.close()
        return tables, sequences

    def restore(self, app: Flask) -> People:
        """Into the (empty) database of `app`, which has no connection open yet."""
        with app.app_context():
            engine = db.engine
            if self.backend == "sqlite":
                engine.dispose()
                path = Path(engine.url.database or "")
                for leftover in (
                    path.with_name(path.name + "-wal"),
                    path.with_name(path.name + "-shm"),
                ):
                    leftover.unlink(missing_ok=True)
                path.write_bytes(self.file)
                return self.people
            raw = engine.raw_connection()
            try:
                driver = raw.driver_connection
                with driver.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                    cursor.execute("DELETE FROM audit_chain_head")
                    for name, rows in self.tables.items():
                        with cursor.copy(f'COPY "{name}" FROM STDIN') as copy:
                            copy.write(rows)
                    for name, value in self.sequences.items():
                        cursor.execute("SELECT setval(%s, %s)", (name, value))
                driver.commit()
            finally:
                raw.close()
        return self.people


_SEEDED: dict[str, SeededState] = {}


@pytest.fixture
def people(app: Flask) -> People:
    """The seed plan and one account per duty (see ACCOUNTS), as `seed_people` makes them."""
    backend = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if backend in _SEEDED:
        return _SEEDED[backend].restore(app)
    people = seed_people(app)
    _SEEDED[backend] = SeededState(app, people)
    return people
