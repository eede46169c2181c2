"""The first pages: sign-in, the plan laid out like the document, an activity."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from state_machines import Role
from tests.conftest import csrf_token_from, login
from workflow_app.accounts.models import Unit
from workflow_app.accounts.operations import create_user
from workflow_app.audit.append import AuditActor
from workflow_app.audit.models import AuditEntry
from workflow_app.demo import sample_plan_bytes
from workflow_app.extensions import db
from workflow_app.plans.importer import parse_plan_bytes
from workflow_app.plans.loader import load_plan
from workflow_app.plans.models import Activity

PASSWORD = "a long test password"


@pytest.fixture
def seeded(app: Flask) -> Flask:
    with app.app_context():
        data = sample_plan_bytes()
        load_plan(
            db.session,
            parse_plan_bytes(data),
            source_text=data.decode(),
            source_name="seed.txt",
            actor=AuditActor.system("test"),
        )
        department = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        assert department is not None
        create_user(
            db.session,
            username="officer1",
            password=PASSWORD,
            grants=[(Role.OFFICER, department)],
            actor=AuditActor.system("test"),
        )
    return app


def test_pages_require_sign_in(seeded: Flask, client: FlaskClient) -> None:
    for path in ("/", "/plans", "/plans/1", "/activities/1"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_plan_page_lists_the_document_in_order(seeded: Flask, client: FlaskClient) -> None:
    login(client, "officer1", PASSWORD)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/dashboard")
    page = client.get("/plans/1").text
    codes = re.findall(r"<strong class=\"code\">(\d\.\d\.\d)</strong>", page)
    assert codes == ["1.1.1", "1.1.2", "2.1.1", "2.2.1", "3.1.2", "4.1.1", "4.1.2", "4.2.1"]
    assert "ขับเคลื่อนกระทรวงการต่างประเทศเป็นองค์กรคุณธรรม" in page
    assert "2,500,000" in page and "828,000" in page


def test_activity_page_shows_every_field_and_level(seeded: Flask, client: FlaskClient) -> None:
    login(client, "officer1", PASSWORD)
    with seeded.app_context():
        activity = db.session.scalar(select(Activity).where(Activity.code == "4.1.1"))
        assert activity is not None
        activity_id = activity.id
        expected = [
            *activity.objectives,
            *activity.indicators,
            *activity.targets,
            *activity.outcomes_quantitative,
            *activity.outcomes_qualitative,
            activity.responsible_unit_text,
            *(level.criterion for level in activity.levels),
        ]
    page = client.get(f"/activities/{activity_id}").text
    for text in expected:
        assert text in page
    assert page.count('class="level') >= 5


def test_missing_things_are_404_in_the_site_look(seeded: Flask, client: FlaskClient) -> None:
    login(client, "officer1", PASSWORD)
    for path in ("/plans/999", "/activities/999"):
        response = client.get(path)
        assert response.status_code == 404
        assert "<main" in response.text


def test_wrong_password_is_refused_and_audited(seeded: Flask, client: FlaskClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "officer1", "password": "nope", "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 200
    assert "/plans" not in response.headers.get("Location", "")
    with seeded.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-1] == "auth.login_failed"


def test_login_without_csrf_token_is_refused(seeded: Flask, client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "officer1", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/plans").status_code == 302


def test_login_ignores_offsite_next(seeded: Flask, client: FlaskClient) -> None:
    token = csrf_token_from(client.get("/login").text)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "officer1", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_out(seeded: Flask, client: FlaskClient) -> None:
    login(client, "officer1", PASSWORD)
    page = client.get("/plans/1").text
    response = client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert client.get("/plans").status_code == 302


def test_interface_is_thai_first(seeded: Flask, client: FlaskClient) -> None:
    seeded.config["WORKFLOW_DEFAULT_LOCALE"] = "th"  # the production default
    page = client.get("/login").text
    assert '<html lang="th">' in page
    assert "เข้าสู่ระบบ" in page and "ชื่อผู้ใช้" in page
    login(client, "officer1", PASSWORD)
    plan = client.get("/plans/1").text
    assert "ยุทธศาสตร์ที่" in plan and "งบประมาณ (บาท)" in plan


def test_plan_page_lists_only_activities_in_the_users_units(
    app: Flask, client: FlaskClient
) -> None:
    from tests.integration.conftest import seed_people

    seed_people(app)
    login(client, "outsider", "a long test password")
    page = client.get("/plans/1").text
    assert re.findall(r"<strong class=\"code\">(\d\.\d\.\d)</strong>", page) == []
    assert client.get("/plans/99999999999999999999").status_code == 404
