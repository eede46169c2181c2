"""The dashboard on both databases: the numbers it shows, whose activities, the plan switcher."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from state_machines import Actor
from tests.conftest import login
from tests.integration.conftest import PASSWORD, SYSTEM, People
from tests.integration.workflow_support import act
from workflow_app.dashboard.queries import (
    budgets_by_strategy,
    plan_activities,
    scope_for,
    summarise_states,
    visible_plans,
)
from workflow_app.demo import sample_plan_bytes
from workflow_app.extensions import db
from workflow_app.plans.importer import parse_plan_bytes
from workflow_app.plans.loader import load_plan
from workflow_app.plans.models import Plan

DATA = Path(__file__).resolve().parent.parent / "data"
SEED_CODES = ["1.1.1", "1.1.2", "2.1.1", "2.2.1", "3.1.2", "4.1.1", "4.1.2", "4.2.1"]
SECRETARIAT_CODES = ["1.1.1", "1.1.2", "2.1.1", "2.2.1", "4.1.1", "4.1.2"]


def metric(page: str, name: str) -> str:
    match = re.search(rf'data-metric="{re.escape(name)}">([^<]*)<', page)
    assert match, f"no metric {name!r} on the page"
    return match.group(1).strip()


def marked(page: str, attribute: str) -> list[str]:
    return re.findall(rf'data-{attribute}="([^"]+)"', page)


def dashboard(client: FlaskClient, user: str, query: str = "") -> str:
    login(client, user, PASSWORD)
    response = client.get(f"/dashboard{query}")
    assert response.status_code == 200, response.text[:500]
    return response.text


def import_plan(app: Flask, path: Path) -> int:
    with app.app_context():
        data = path.read_bytes()
        result = load_plan(
            db.session,
            parse_plan_bytes(data),
            source_text=data.decode(),
            source_name=path.name,
            actor=SYSTEM,
        )
        return result.plan_id


def move_seed_activities(app: Flask, people: People) -> None:
    """2.2.1 meets its target (1 of 1), 1.1.2 climbs one of two levels, 3.1.2 waits for review,
    4.1.1 is returned, 4.1.2 waits for approval; the others stay open at level 0."""
    with app.app_context():
        for user, code, action in [
            ("officer", "2.2.1", "submit"),
            ("reviewer", "2.2.1", "forward"),
            ("head", "2.2.1", "approve"),
            ("officer", "1.1.2", "submit"),
            ("reviewer", "1.1.2", "forward"),
            ("head", "1.1.2", "approve"),
            ("officer2", "3.1.2", "submit"),
            ("officer", "4.1.1", "submit"),
            ("reviewer", "4.1.1", "return"),
            ("officer", "4.1.2", "submit"),
            ("reviewer", "4.1.2", "forward"),
        ]:
            act(people, user, code, action)


def test_login_required(app: Flask, client: FlaskClient) -> None:
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_numbers_after_moving_activities_through_the_workflow(
    app: Flask, client: FlaskClient, people: People
) -> None:
    move_seed_activities(app, people)
    app.config["WORKFLOW_TODAY"] = "2025-04-10"  # FY 2568, first days of Q3 (April-June)
    page = dashboard(client, "head")

    assert marked(page, "activity") == SEED_CODES
    assert metric(page, "total") == "8"
    counts = {s: metric(page, f"state-{s}") for s in ("open", "submitted", "forwarded")}
    counts |= {s: metric(page, f"state-{s}") for s in ("returned", "completed")}
    assert counts == {
        "open": "4",
        "submitted": "1",
        "forwarded": "1",
        "returned": "1",
        "completed": "1",
    }
    assert (metric(page, "met"), metric(page, "met-percent")) == ("1", "13")  # 12.5 half up
    assert re.search(r'data-level="1.1.2">1 / 2<', page)
    assert re.search(r'data-level="2.2.1">1 / 1<', page)

    # Q2 (January-March) ended on 31 March: 2.1.1, active only then, is overdue by 10 days.
    assert marked(page, "overdue") == ["2.1.1"]
    assert metric(page, "overdue-count") == "1"
    # Active in Q3 and not yet at target; 2.2.1 met its target, 2.1.1 has no Q3.
    assert marked(page, "due") == ["1.1.1", "1.1.2", "3.1.2", "4.1.1", "4.1.2", "4.2.1"]
    assert metric(page, "due-count") == "6"

    assert metric(page, "budget-strategy-2") == "2,500,000"
    assert metric(page, "budget-strategy-3") == "828,000"
    assert metric(page, "budget-total") == "3,328,000"


def test_due_soon_and_a_past_fiscal_year(app: Flask, client: FlaskClient, people: People) -> None:
    move_seed_activities(app, people)
    app.config["WORKFLOW_TODAY"] = "2025-06-10"  # 20 days before the end of Q3
    page = dashboard(client, "auditor")
    due_section = page.split('id="due-heading"')[1].split('id="overdue-heading"')[0]
    assert due_section.count("text-bg-warning") == 6  # every one of them is due soon

    app.config["WORKFLOW_TODAY"] = "2025-10-01"  # FY 2569 has begun: nothing is left in 2568
    page = client.get("/dashboard").text
    assert marked(page, "due") == []
    # Every activity not at its target is overdue, earliest due date first.
    assert marked(page, "overdue") == [
        "2.1.1",
        "1.1.1",
        "1.1.2",
        "3.1.2",
        "4.1.1",
        "4.1.2",
        "4.2.1",
    ]


def test_a_user_sees_only_the_activities_in_their_scope(
    app: Flask, client: FlaskClient, people: People
) -> None:
    move_seed_activities(app, people)
    app.config["WORKFLOW_TODAY"] = "2025-04-10"
    page = dashboard(client, "officer")  # the secretariat only
    assert marked(page, "activity") == SECRETARIAT_CODES
    assert "3.1.2" not in page and "4.2.1" not in page
    assert metric(page, "total") == "6"
    assert metric(page, "state-submitted") == "0"  # 3.1.2 is the department's
    assert metric(page, "budget-total") == "2,500,000"
    assert 'data-metric="budget-strategy-3"' not in page
    assert marked(page, "due") == ["1.1.1", "1.1.2", "4.1.1", "4.1.2"]


def test_outsider_sees_an_empty_state(app: Flask, client: FlaskClient, people: People) -> None:
    page = dashboard(client, "outsider")
    assert "data-empty-state" in page
    assert marked(page, "activity") == [] and "<svg" not in page
    assert not any(code in page for code in SEED_CODES)
    # Asking for the plan by id shows the plan, still without any of its activities.
    page = client.get("/dashboard?plan=1").text
    assert "data-empty-state" in page and not any(code in page for code in SEED_CODES)


def test_plan_switcher_with_two_plans(app: Flask, client: FlaskClient, people: People) -> None:
    seed_id = people_plan_id(app)
    other_id = import_plan(app, DATA / "plan_arabic_three_levels.txt")  # FY 2569, another dept
    app.config["WORKFLOW_TODAY"] = "2025-11-20"

    page = dashboard(client, "admin")  # sees everything: the latest fiscal year first
    assert f'data-plan-id="{other_id}"' in page
    options = re.findall(r'<option value="(\d+)"( selected)?>', page)
    assert options == [(str(other_id), " selected"), (str(seed_id), "")]
    assert re.findall(r'<optgroup label="[^"]*(\d{4})">', page) == ["2569", "2568"]
    assert 'method="get"' in page and 'name="plan"' in page
    assert marked(page, "activity") == ["1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2"]

    page = client.get(f"/dashboard?plan={seed_id}").text
    assert f'data-plan-id="{seed_id}"' in page
    assert re.findall(r'<option value="(\d+)"( selected)?>', page) == [
        (str(other_id), ""),
        (str(seed_id), " selected"),
    ]
    assert marked(page, "activity") == SEED_CODES

    other_client = app.test_client()
    page = dashboard(other_client, "officer2")  # the ASEAN department only
    assert f'data-plan-id="{seed_id}"' in page
    assert re.findall(r'<option value="(\d+)"', page) == [str(seed_id)]


def people_plan_id(app: Flask) -> int:
    with app.app_context():
        plan_id = db.session.scalar(select(Plan.id).where(Plan.fiscal_year == 2568))
        assert plan_id is not None
        return plan_id


@pytest.mark.parametrize("value", ["9999", "abc", "-1", "๑"])
def test_unknown_plan_is_not_found(
    app: Flask, client: FlaskClient, people: People, value: str
) -> None:
    login(client, "head", PASSWORD)
    assert client.get(f"/dashboard?plan={value}").status_code == 404


@contextmanager
def counting_queries(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_query_count_does_not_grow_with_the_plan(
    app: Flask, client: FlaskClient, people: People
) -> None:
    other_id = import_plan(app, DATA / "plan_continued_columns.txt")
    seed_id = people_plan_id(app)
    login(client, "auditor", PASSWORD)
    counts = []
    for plan_id in (seed_id, other_id):
        with counting_queries(app) as statements:
            assert client.get(f"/dashboard?plan={plan_id}").status_code == 200
        counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
    assert counts[0] == counts[1]
    assert counts[0] <= 10, counts


def test_page_is_escaped_csp_clean_and_its_charts_parse(
    app: Flask, client: FlaskClient, people: People
) -> None:
    with app.app_context():
        data = sample_plan_bytes()
        document = parse_plan_bytes(data)
        first = next(document.activities())
        first.title = '<script>alert("x")</script> & <b>ตัวหนา</b>'
        document = dataclasses.replace(document, source_sha256="f" * 64)
        document.fiscal_year = 2570
        load_plan(db.session, document, source_text=data.decode(), source_name="x", actor=SYSTEM)
    page = dashboard(client, "head")  # FY 2570 is the latest
    assert "<script>alert" not in page and "<b>ตัวหนา" not in page
    assert "&lt;script&gt;alert(" in page
    assert " style=" not in page and "<style" not in page
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", page))
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(svgs) == 2
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.get("role") == "img" and root.get("aria-label")
        assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert "ตัวหนา" in svgs[0]


def test_an_actor_without_grants_gets_empty_results_from_sql(app: Flask, people: People) -> None:
    seed_id = people_plan_id(app)
    with app.app_context():
        scope = scope_for(db.session, Actor(user_id=0, grants=frozenset()))
        assert scope.unit_ids == frozenset()
        assert visible_plans(db.session, scope) == []
        placed = plan_activities(db.session, seed_id, scope)
        summary = summarise_states([activity for activity, _strategy in placed])
        assert (summary.total, summary.met, summary.met_percent) == (0, 0, 0)
        assert set(summary.counts.values()) == {0}
        assert budgets_by_strategy(placed) == []
