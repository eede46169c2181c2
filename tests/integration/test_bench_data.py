"""The benchmark dataset generator writes a valid chain and refuses a used database."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from tests.integration.conftest import People
from workflow_app.audit.verification import verify_log
from workflow_app.extensions import db
from workflow_app.plans.models import Activity, ActivityLevel, Plan


def test_small_bench_dataset_is_valid(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["bench-data", "--plans", "3", "--activities", "4", "--entries", "250"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Plan)) == 3
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 12
        assert db.session.scalar(select(func.count()).select_from(ActivityLevel)) == 60
        report = verify_log(db.session)
        assert report.ok and report.count == 250 and report.head_seq == 250


def test_bench_data_refuses_a_database_in_use(app: Flask, people: People) -> None:
    result = app.test_cli_runner().invoke(args=["bench-data", "--entries", "10"])
    assert result.exit_code != 0
    assert "not empty" in result.output
