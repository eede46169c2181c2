"""The command line, driven through Flask's CLI runner against the real database."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from workflow_app.accounts.models import User
from workflow_app.accounts.passwords import verify_password
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db
from workflow_app.plans.models import Activity, Plan

SEED = Path(__file__).resolve().parents[2] / "workflow_app" / "sample_data" / "asean_fy2568.txt"
ACTIVITY_KEYS = {
    "id", "code", "title", "objectives", "indicators", "targets", "target_level",
    "outcomes_quantitative", "outcomes_qualitative", "quarters", "budget_baht",
    "responsible_unit", "levels",
}  # fmt: skip


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_import_prints_id_and_counts_then_refuses_a_duplicate(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["plan", "import", str(SEED)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("plan 1: imported กรมอาเซียน, fiscal year 2568")
    assert "4 strategies, 6 tactics, 8 activities" in result.output
    assert "3,328,000.00 baht" in result.output
    again = runner.invoke(args=["plan", "import", str(SEED)])
    assert again.exit_code == 0
    assert "already imported" in again.output
    assert _count(app, Plan) == 1


def test_dry_run_validates_without_writing(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["plan", "import", "--dry-run", str(SEED)])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "8 activities" in result.output
    assert _count(app, Plan) == 0
    assert _count(app, AuditEntry) == 0


def test_bad_document_names_the_line_and_writes_nothing(app: Flask, tmp_path: Path) -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    lines[20] = "นี่ไม่ใช่แถวของตาราง\tแต่อยู่กลางเอกสาร"
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(lines), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["plan", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 21" in result.output
    assert "nothing was written" in result.output
    assert _count(app, Plan) == 0
    assert _count(app, Activity) == 0


def test_show_json_has_exactly_the_documented_shape(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["plan", "import", str(SEED)])
    result = runner.invoke(args=["plan", "show", "1", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert set(plan) == {
        "id", "title", "agency", "ministry", "fiscal_year", "source_sha256", "strategies",
    }  # fmt: skip
    assert plan["fiscal_year"] == 2568
    assert [s["number"] for s in plan["strategies"]] == [1, 2, 3, 4]
    for strategy in plan["strategies"]:
        assert set(strategy) == {"number", "title", "tactics"}
        for tactic in strategy["tactics"]:
            assert set(tactic) == {"number", "title", "activities"}
            for activity in tactic["activities"]:
                assert set(activity) == ACTIVITY_KEYS
    activities = [a for s in plan["strategies"] for t in s["tactics"] for a in t["activities"]]
    by_code = {a["code"]: a for a in activities}
    assert by_code["2.2.1"]["budget_baht"] == 2_500_000
    assert by_code["3.1.2"]["budget_baht"] == 828_000
    assert by_code["1.1.1"]["budget_baht"] is None
    assert by_code["4.1.2"]["levels"][3] == {
        "number": 4,
        "criterion": "หน่วยงานมีผลการประเมิน ITA อยู่ในระดับ “ผ่าน” หรือ “ผ่านดี” (๘๕ คะแนนขึ้นไป)",
    }
    assert all("<" not in a["title"] for a in activities)


def test_show_unknown_plan_fails_clearly(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["plan", "show", "99"])
    assert result.exit_code == 1
    assert "no plan with id 99" in result.output


def test_list_shows_plans(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert "no plans yet" in runner.invoke(args=["plan", "list"]).output
    runner.invoke(args=["plan", "import", str(SEED)])
    assert "1\tFY 2568\tกรมอาเซียน\t8 activities" in runner.invoke(args=["plan", "list"]).output


def test_user_create_reads_password_from_stdin(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["plan", "import", str(SEED)])
    args = ["user", "create", "somchai", "--password-stdin", "--unit", "สำนักงานเลขานุการกรม"]
    args += ["--role", "officer", "--role", "reviewer"]
    result = runner.invoke(args=args, input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    assert "somchai (officer, reviewer at กรมอาเซียน / สำนักงานเลขานุการกรม)" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "somchai"))
        assert user is not None
        assert user.roles() == ["officer", "reviewer"]
        assert verify_password(user.password_hash, "correct horse battery")
        assert user.password_hash.startswith("$argon2id$")
    listing = runner.invoke(args=["user", "list"]).output
    assert "somchai" in listing and "officer@กรมอาเซียน / สำนักงานเลขานุการกรม" in listing


def test_user_create_refuses_bad_input(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["plan", "import", str(SEED)])
    base = ["user", "create", "somsri", "--role", "officer", "--password-stdin"]
    unknown_unit = runner.invoke(args=[*base, "--unit", "กองที่ไม่มี"], input="long enough pw\n")
    assert unknown_unit.exit_code != 0 and "no unit named" in unknown_unit.output
    short = runner.invoke(args=[*base, "--unit", "กรมอาเซียน"], input="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    ok = runner.invoke(args=[*base, "--unit", "กรมอาเซียน"], input="long enough pw\n")
    assert ok.exit_code == 0, ok.output
    dup = runner.invoke(args=[*base, "--unit", "กรมอาเซียน"], input="long enough pw\n")
    assert dup.exit_code != 0 and "already exists" in dup.output
    assert _count(app, User) == 1


def test_demo_is_idempotent_and_prints_logins(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    for username in ("officer", "reviewer", "head", "auditor", "admin"):
        assert username in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "already present" in second.output
    assert _count(app, User) == 5
    assert _count(app, Plan) == 1
    # The passwords printed are the ones that work.
    line = next(x for x in second.output.splitlines() if x.strip().startswith("officer"))
    password = line.split()[-1]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "officer"))
        assert user is not None and verify_password(user.password_hash, password)
