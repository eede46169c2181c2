"""The whole workflow in a real browser: three people certify a level, a second round is returned
and resubmitted, the auditor traces it. Screenshots of the main pages go to docs/screenshots/."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import SCREENSHOTS, LiveServer
from tests.integration.conftest import PASSWORD, People
from workflow_app.extensions import db
from workflow_app.plans.models import Activity

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_in(page: Page, server: LiveServer, username: str, language: str = "th") -> None:
    page.context.clear_cookies()
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).not_to_have_url(f"{server.url}/login")
    # The choice is remembered on the account, so a second sign-in may already be in English.
    if language == "en" and page.locator("html").get_attribute("lang") != "en":
        page.locator("button[name=locale][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def act_on(page: Page, action: str, comment: str | None = None) -> None:
    form = page.locator(f"#action-{action} form")
    if comment is not None:
        form.locator("textarea[name=comment]").fill(comment)
    form.locator("button[type=submit]").click()


def shot(page: Page, name: str, save: bool) -> None:
    """Screenshots are written by `make screenshots` (WORKFLOW_SCREENSHOTS=1), not by every run."""
    if save and os.environ.get("WORKFLOW_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def submit_evidence(page: Page, server: LiveServer, activity_id: int, tmp: Path, name: str) -> None:
    page.goto(f"{server.url}/activities/{activity_id}/submit")
    page.fill("textarea[name=narrative]", "จัดทำแผนส่งเสริมคุณธรรมและประกาศเจตนารมณ์แล้ว")
    pdf = tmp / name
    pdf.write_bytes(PDF + name.encode())
    page.set_input_files("input[name=files]", str(pdf))
    page.fill("textarea[name=links]", "https://www.mfa.go.th/th/page/integrity")
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()


def activity_state(app: Flask, activity_id: int) -> tuple[str, int]:
    with app.app_context():
        row = db.session.get(Activity, activity_id, populate_existing=True)
        assert row is not None
        return row.state, row.certified_level


@pytest.mark.parametrize("language", ["th", "en"])
def test_three_people_certify_a_level_and_the_auditor_traces_it(
    page: Page,
    live_server: LiveServer,
    app: Flask,
    e2e_people: People,
    tmp_path: Path,
    language: str,
) -> None:
    save = language == "th" and db_name(app) == "sqlite"
    activity_id = e2e_people.activities["1.1.1"]
    page.on("dialog", lambda dialog: dialog.accept())

    # Officer: level 1 evidence with a PDF and a link.
    sign_in(page, live_server, "officer", language)
    shot(page, "dashboard", save)
    page.goto(f"{live_server.url}/activities/{activity_id}")
    shot(page, "activity-open", save)
    submit_evidence(page, live_server, activity_id, tmp_path, "evidence-1.pdf")
    assert activity_state(app, activity_id) == ("submitted", 0)
    page.goto(f"{live_server.url}/inbox")
    shot(page, "inbox-officer", save)

    # Reviewer forwards, division head approves.
    sign_in(page, live_server, "reviewer", language)
    page.goto(f"{live_server.url}/activities/{activity_id}/review")
    shot(page, "review", save)
    act_on(page, "forward")
    assert activity_state(app, activity_id) == ("forwarded", 0)
    sign_in(page, live_server, "head", language)
    page.goto(f"{live_server.url}/activities/{activity_id}/review")
    page.locator("#action-approve input[name=publishable]").check()
    act_on(page, "approve")
    assert activity_state(app, activity_id) == ("open", 1)

    # The officer sees level 1 certified.
    sign_in(page, live_server, "officer", language)
    page.goto(f"{live_server.url}/activities/{activity_id}")
    expect(page.locator("#level-1.certified [data-certified-by]")).to_be_visible()

    # Second round: returned with a comment, then resubmitted.
    submit_evidence(page, live_server, activity_id, tmp_path, "evidence-2.pdf")
    sign_in(page, live_server, "reviewer", language)
    page.goto(f"{live_server.url}/activities/{activity_id}/review")
    act_on(page, "return", comment="โปรดแนบรายชื่อผู้เข้าร่วมกิจกรรม")
    assert activity_state(app, activity_id) == ("returned", 1)
    sign_in(page, live_server, "officer", language)
    page.goto(f"{live_server.url}/activities/{activity_id}")
    expect(page.get_by_text("โปรดแนบรายชื่อผู้เข้าร่วมกิจกรรม").first).to_be_visible()
    submit_evidence(page, live_server, activity_id, tmp_path, "evidence-3.pdf")
    assert activity_state(app, activity_id) == ("submitted", 1)

    # The auditor: the trail shows every step with the evidence hash; the chain verifies.
    sign_in(page, live_server, "auditor", language)
    page.goto(f"{live_server.url}/audit/activities/{activity_id}")
    first_hash = hashlib.sha256(PDF + b"evidence-1.pdf").hexdigest()
    expect(page.get_by_text(first_hash).first).to_be_visible()
    for action in ("submit", "forward", "approve", "return"):
        assert page.locator(f"[data-action='{action}']").count() >= 1, action
    shot(page, "audit-trail", save)
    page.goto(f"{live_server.url}/audit")
    shot(page, "audit-explorer", save)
    page.goto(f"{live_server.url}/audit/chain")
    page.click("#verify-now")
    expect(page.locator("#verify-result[data-ok='true']")).to_be_visible()
    shot(page, "audit-chain", save)


def test_a_bad_upload_shows_a_clear_error_and_keeps_the_form(
    page: Page, live_server: LiveServer, e2e_people: People, tmp_path: Path
) -> None:
    activity_id = e2e_people.activities["1.1.1"]
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/activities/{activity_id}/submit")
    narrative = "ผลการดำเนินงานที่ต้องไม่หายไป"
    page.fill("textarea[name=narrative]", narrative)
    fake = tmp_path / "report.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)  # a Windows program named .pdf
    page.set_input_files("input[name=files]", str(fake))
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    expect(page.locator("textarea[name=narrative]")).to_have_value(narrative)


def db_name(app: Flask) -> str:
    with app.app_context():
        return db.engine.dialect.name


def test_screenshots_of_admin_and_plan_pages(
    page: Page, live_server: LiveServer, app: Flask, e2e_people: People
) -> None:
    save = db_name(app) == "sqlite"
    sign_in(page, live_server, "admin")
    with app.app_context():
        plan_id = db.session.scalar(select(Activity.plan_id).limit(1))
    page.goto(f"{live_server.url}/plans/{plan_id}")
    expect(page.locator("strong.code").first).to_be_visible()
    shot(page, "plan", save)
    page.goto(f"{live_server.url}/admin/users")
    expect(page.locator("table").first).to_be_visible()
    shot(page, "admin-users", save)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/plans/{plan_id}")
    shot(page, "plan-phone", save)
