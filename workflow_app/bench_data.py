"""`flask bench-data`: a large, valid dataset for the benchmarks in bench/.

Defaults: 200 plans × 10 activities × 5 levels and 1,000,000 audit entries forming a valid chain,
written with Core bulk inserts (COPY on PostgreSQL) because the point is to measure reading it,
not to wait for it. Only into an empty database: it is not a way to add data to a real one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from state_machines import Role
from workflow_app.accounts.models import RoleAssignment, Unit, User
from workflow_app.accounts.passwords import hash_password
from workflow_app.audit.canonical import FORMAT_VERSION, canonical_bytes, chain_hash, format_time
from workflow_app.audit.models import GENESIS_HASH, AuditEntry
from workflow_app.db import write_transaction
from workflow_app.extensions import db
from workflow_app.plans.models import Activity, ActivityLevel, Plan, Strategy, Tactic

ACTIONS = ("workflow.submit", "workflow.forward", "workflow.approve", "workflow.return")
_BATCH = 10_000


def _insert_plans(
    session: Session, plans: int, activities_per_plan: int, levels: int, department_id: int
) -> list[tuple[int, int, str]]:
    """Plans with one strategy, two tactics and their activities; returns (plan, activity, code)."""
    created: list[tuple[int, int, str]] = []
    for number in range(plans):
        plan_id = session.execute(
            insert(Plan).returning(Plan.id),
            {
                "title": f"แผนปฏิบัติการส่งเสริมคุณธรรม (ชุดทดสอบ {number + 1})",
                "agency": "กรมทดสอบ",
                "ministry": "กระทรวงทดสอบ",
                "fiscal_year": 2568 - number % 10,
                "source_sha256": f"{number:064x}",
                "source_name": f"bench-{number}.txt",
                "source_text": "",
                "department_id": department_id,
                "imported_at": datetime.now(UTC),
            },
        ).scalar_one()
        strategy_id = session.execute(
            insert(Strategy).returning(Strategy.id),
            {"plan_id": plan_id, "position": 0, "number": 1, "title": "ยุทธศาสตร์ทดสอบ"},
        ).scalar_one()
        tactic_ids = [
            session.execute(
                insert(Tactic).returning(Tactic.id),
                {"strategy_id": strategy_id, "position": t, "number": t + 1, "title": "กลยุทธ์"},
            ).scalar_one()
            for t in range(2)
        ]
        for position in range(activities_per_plan):
            code = f"1.{position % 2 + 1}.{position + 1}"
            activity_id = session.execute(
                insert(Activity).returning(Activity.id),
                {
                    "plan_id": plan_id,
                    "tactic_id": tactic_ids[position % 2],
                    "position": position + 1,
                    "code": code,
                    "title": f"กิจกรรมทดสอบที่ {position + 1}",
                    "objectives": ["เพื่อทดสอบความเร็ว"],
                    "indicators": ["ระดับความสำเร็จ"],
                    "targets": ["ระดับ ๔"],
                    "target_level": 4,
                    "outcomes_quantitative": [],
                    "outcomes_qualitative": [],
                    "quarter_mask": 0b1111,
                    "budget_satang": 10_000_000 * (position + 1),
                    "responsible_unit_text": "กรมทดสอบ",
                    "unit_id": department_id,
                    "state": "completed" if position % (levels + 1) == levels else "open",
                    "certified_level": position % (levels + 1),
                    "level_count": levels,
                    "version": 1,
                },
            ).scalar_one()
            session.execute(
                insert(ActivityLevel),
                [
                    {
                        "activity_id": activity_id,
                        "number": level,
                        "criterion": f"เกณฑ์ระดับ {level}",
                        "source": "rubric",
                    }
                    for level in range(1, levels + 1)
                ],
            )
            created.append((plan_id, activity_id, code))
    return created


def _entries(
    count: int, activities: list[tuple[int, int, str]], user: tuple[int, str]
) -> Iterator[dict[str, Any]]:
    """A valid chain of `count` entries spread over the activities, one second apart."""
    rng = random.Random(2568)
    prev = GENESIS_HASH
    start = datetime(2024, 10, 1, 2, 0, tzinfo=UTC)
    for seq in range(1, count + 1):
        plan_id, activity_id, code = activities[rng.randrange(len(activities))]
        moment = start + timedelta(seconds=seq)
        action = ACTIONS[seq % len(ACTIONS)]
        subject = {
            "plan_id": plan_id,
            "activity_id": activity_id,
            "code": code,
            "level": 1 + seq % 5,
        }
        body = canonical_bytes(
            {
                "v": FORMAT_VERSION,
                "seq": seq,
                "time": format_time(moment),
                "actor": {"id": user[0], "username": user[1], "roles": [f"officer@{1}"]},
                "action": action,
                "subject": subject,
                "from_state": "open",
                "to_state": "submitted",
                "payload": {"comment": "ข้อมูลทดสอบสำหรับวัดความเร็ว"},
                "prev": prev,
            }
        )
        entry_hash = chain_hash(prev, body)
        yield {
            "seq": seq,
            "recorded_at": moment,
            "actor_id": user[0],
            "actor_username": user[1],
            "action": action,
            "plan_id": plan_id,
            "activity_id": activity_id,
            "level": subject["level"],
            "submission_id": None,
            "body": body,
            "prev_hash": prev,
            "entry_hash": entry_hash,
        }
        prev = entry_hash


def _write_entries(session: Session, rows: Iterator[dict[str, Any]]) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        columns = list(AuditEntry.__table__.columns.keys())
        raw = connection.connection.driver_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY audit_entries ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([row[name] for name in columns])
        return
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            session.execute(insert(AuditEntry), batch)
            batch.clear()
    if batch:
        session.execute(insert(AuditEntry), batch)


@click.command("bench-data")
@click.option("--plans", default=200, show_default=True)
@click.option("--activities", "activities_per_plan", default=10, show_default=True)
@click.option("--levels", default=5, show_default=True)
@click.option("--entries", default=1_000_000, show_default=True)
@click.option("--password-stdin", is_flag=True, help="Password for the bench accounts.")
@with_appcontext
def bench_data_command(
    plans: int, activities_per_plan: int, levels: int, entries: int, password_stdin: bool
) -> None:
    """Fill an EMPTY database with a large dataset for bench/ (plans, accounts, audit chain)."""
    import sys

    session = db.session
    if session.scalar(select(func.count()).select_from(AuditEntry)):
        raise click.ClickException("the database is not empty: bench-data only fills a new one")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else "bench-password-1"
    started = time.perf_counter()
    with write_transaction(session):
        department = Unit(name="กรมทดสอบ", kind="department")
        session.add(department)
        session.flush()
        users = {}
        for name, role in (
            ("bench_officer", Role.OFFICER),
            ("bench_reviewer", Role.REVIEWER),
            ("bench_head", Role.DIVISION_HEAD),
            ("bench_auditor", Role.AUDITOR),
        ):
            user = User(username=name, display_name=name, password_hash=hash_password(password))
            user.role_assignments = [RoleAssignment(role=role.value, unit=department)]
            session.add(user)
            session.flush()
            users[name] = user.id
        activities = _insert_plans(session, plans, activities_per_plan, levels, department.id)
        # The head follows the inserted entries by itself (a trigger, migration 0006).
        _write_entries(
            session, _entries(entries, activities, (users["bench_officer"], "bench_officer"))
        )
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a live database within a minute of a bulk load: the planner
        # sees the real sizes, and index-only scans need not visit the fresh heap pages.
        session.close()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    click.echo(
        f"bench data: {plans} plans, {len(activities)} activities, {entries} audit entries "
        f"in {time.perf_counter() - started:.1f} s; accounts bench_officer, bench_reviewer, "
        "bench_head, bench_auditor"
    )
