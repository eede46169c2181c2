"""Loading parsed plans into the database: one transaction, idempotent, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from workflow_app.accounts.models import Unit
from workflow_app.audit.append import AuditActor
from workflow_app.audit.models import AuditEntry
from workflow_app.demo import sample_plan_bytes
from workflow_app.extensions import db
from workflow_app.plans.importer import parse_plan_bytes
from workflow_app.plans.loader import load_plan
from workflow_app.plans.models import Activity, ActivityLevel, Plan, Strategy, Tactic

ACTOR = AuditActor.system("test")
DATA = Path(__file__).resolve().parent.parent / "data"


def _load(data: bytes, name: str = "plan.txt"):
    return load_plan(
        db.session,
        parse_plan_bytes(data),
        source_text=data.decode("utf-8-sig"),
        source_name=name,
        actor=ACTOR,
    )


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_seed_plan_loads_whole(app_ctx: Flask) -> None:
    result = _load(sample_plan_bytes(), "asean.txt")
    assert result.created
    plan = db.session.get(Plan, result.plan_id)
    assert plan is not None
    assert (plan.agency, plan.ministry, plan.fiscal_year) == (
        "กรมอาเซียน",
        "กระทรวงการต่างประเทศ",
        2568,
    )
    assert (_count(Strategy), _count(Tactic), _count(Activity)) == (4, 6, 8)
    codes = db.session.scalars(select(Activity.code).order_by(Activity.position)).all()
    assert codes == ["1.1.1", "1.1.2", "2.1.1", "2.2.1", "3.1.2", "4.1.1", "4.1.2", "4.2.1"]
    total = db.session.scalar(select(func.sum(Activity.budget_satang)))
    assert total == 3_328_000 * 100
    rubric_levels = db.session.scalar(
        select(func.count()).select_from(ActivityLevel).where(ActivityLevel.source == "rubric")
    )
    assert rubric_levels == 20
    activity = db.session.scalar(select(Activity).where(Activity.code == "4.1.1"))
    assert activity is not None
    assert (activity.state, activity.certified_level, activity.level_count) == ("open", 0, 5)
    assert activity.target_level == 5
    assert activity.quarters == [1, 2, 3, 4]


def test_units_are_created_once_with_both_spellings_merged(app_ctx: Flask) -> None:
    result = _load(sample_plan_bytes())
    assert set(result.units_created) == {"กรมอาเซียน", "กรมอาเซียน / สำนักงานเลขานุการกรม"}
    units = db.session.scalars(select(Unit).order_by(Unit.id)).all()
    assert [(u.name, u.kind) for u in units] == [
        ("กรมอาเซียน", "department"),
        ("สำนักงานเลขานุการกรม", "division"),
    ]
    secretariat = units[1]
    by_code = {a.code: a.unit_id for a in db.session.scalars(select(Activity))}
    assert by_code["1.1.1"] == by_code["2.1.1"] == secretariat.id  # เลขานุการ / เลขาธิการ
    assert by_code["3.1.2"] == by_code["4.2.1"] == units[0].id


def test_second_import_creates_nothing_and_says_so(app_ctx: Flask) -> None:
    first = _load(sample_plan_bytes())
    entries = _count(AuditEntry)
    second = _load(sample_plan_bytes())
    assert not second.created
    assert second.plan_id == first.plan_id
    assert (_count(Plan), _count(Activity), _count(Unit)) == (1, 8, 2)
    assert _count(AuditEntry) == entries


def test_import_writes_one_audit_entry_in_the_same_transaction(app_ctx: Flask) -> None:
    result = _load(sample_plan_bytes())
    entries = db.session.scalars(select(AuditEntry)).all()
    assert [(e.seq, e.action, e.plan_id) for e in entries] == [(1, "plan.import", result.plan_id)]
    assert entries[0].actor_username == "system:test"


@pytest.mark.parametrize("name", ["plan_arabic_three_levels.txt", "plan_continued_columns.txt"])
def test_other_department_plans_load_beside_the_seed(app_ctx: Flask, name: str) -> None:
    _load(sample_plan_bytes())
    result = _load((DATA / name).read_bytes(), name)
    assert result.created
    plan = db.session.get(Plan, result.plan_id)
    assert plan is not None
    assert _count(Plan) == 2
    levels = db.session.scalars(
        select(ActivityLevel.number)
        .join(Activity)
        .where(Activity.plan_id == plan.id)
        .order_by(Activity.position, ActivityLevel.number)
    ).all()
    assert levels, "every activity of the plan has levels"
    assert plan.department.kind == "department"
