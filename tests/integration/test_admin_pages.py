"""Administration pages: who may open them, and that every change is made and audited."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from state_machines import Role
from tests.conftest import csrf_token_from, login
from tests.integration.conftest import PASSWORD, SYSTEM, People
from workflow_app.accounts import admin_operations as ops
from workflow_app.accounts.models import RoleAssignment, Unit, User
from workflow_app.accounts.operations import AccountError
from workflow_app.accounts.tokens import create_token
from workflow_app.audit.models import AuditEntry
from workflow_app.demo import sample_plan_bytes
from workflow_app.extensions import db
from workflow_app.plans.models import Plan

DATA = Path(__file__).resolve().parent.parent / "data"
NEW_PASSWORD = "another long password"
# The success message names the audit entry in the page's language (Thai by default).
SEQ_MESSAGE = re.compile(r"(?:audit entry no\.|รายการบันทึกการตรวจสอบลำดับที่) (\d+)")


def admin_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, "admin", PASSWORD)
    return client


def token_of(client: FlaskClient, path: str = "/admin/users") -> str:
    return csrf_token_from(client.get(path).text)


def post(client: FlaskClient, path: str, data: dict[str, object] | None = None, **kwargs: object):
    """POST with the session's CSRF token (taken from an admin page)."""
    return client.post(path, data={"csrf_token": token_of(client), **(data or {})}, **kwargs)


def entries(app: Flask, action: str) -> list[dict[str, object]]:
    with app.app_context():
        bodies = db.session.scalars(
            select(AuditEntry.body).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        ).all()
    return [json.loads(body) for body in bodies]


def entry_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEntry.seq))) or 0


def flashed_seq(html: str) -> int:
    match = SEQ_MESSAGE.search(html)
    assert match, "no audit sequence number in the success message"
    return int(match.group(1))


def grants_of(app: Flask, username: str) -> set[tuple[str, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(RoleAssignment.role, RoleAssignment.unit_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(User.username == username)
        ).all()
    return {(role, unit_id) for role, unit_id in rows}


def user_named(app: Flask, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None
        db.session.expunge(user)
        return user


# ------------------------------------------------------------------------------- access


def admin_pages(people: People) -> list[str]:
    return [
        "/admin/users",
        "/admin/users?q=off",
        f"/admin/users/{people.ids['officer']}",
        "/admin/units",
        f"/admin/units/{people.department_id}",
        "/admin/plans/import",
    ]


def test_admin_pages_open_for_administrators_only(
    app: Flask, people: People, client: FlaskClient
) -> None:
    for path in admin_pages(people):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]
    for username in ("officer", "reviewer", "head", "auditor"):
        other = app.test_client()
        login(other, username, PASSWORD)
        for path in admin_pages(people):
            assert other.get(path).status_code == 403, (username, path)
        # Changes are refused too, even with a valid CSRF token.
        token = csrf_token_from(other.get("/account").text)
        target = people.ids["officer2"]
        for path, data in (
            (f"/admin/users/{target}/disable", {}),
            (f"/admin/users/{target}/grants", {"role": "admin", "unit": people.department_id}),
            ("/admin/units", {"parent": people.department_id, "name": "กองใหม่"}),
        ):
            assert other.post(path, data={"csrf_token": token, **data}).status_code == 403
    assert user_named(app, "officer2").is_enabled
    assert ("admin", people.department_id) not in grants_of(app, "officer2")
    admin = admin_client(app)
    for path in admin_pages(people):
        response = admin.get(path)
        assert response.status_code == 200, path
        assert "<main" in response.text


def test_admin_sees_the_menu_entry(app: Flask, people: People) -> None:
    admin = admin_client(app)
    assert 'href="/admin/users"' in admin.get("/plans").text
    officer = app.test_client()
    login(officer, "officer", PASSWORD)
    assert 'href="/admin/users"' not in officer.get("/plans").text


def test_missing_things_are_404(app: Flask, people: People) -> None:
    admin = admin_client(app)
    for path in ("/admin/users/99999", "/admin/units/99999"):
        assert admin.get(path).status_code == 404
    assert post(admin, "/admin/users/99999/disable").status_code == 404
    assert post(admin, f"/admin/users/{people.ids['officer']}/grants/99999/revoke").status_code == (
        404
    )
    # Another user's grant through this user's address: not found either.
    with app.app_context():
        grant_id = db.session.scalar(
            select(RoleAssignment.id).where(RoleAssignment.user_id == people.ids["reviewer"])
        )
    path = f"/admin/users/{people.ids['officer']}/grants/{grant_id}/revoke"
    assert post(admin, path).status_code == 404


def test_csrf_token_is_required(app: Flask, people: People) -> None:
    admin = admin_client(app)
    officer_id = people.ids["officer"]
    before = entry_count(app)
    for path, data in (
        ("/admin/users", {"username": "newbie", "password": NEW_PASSWORD, "role": "officer"}),
        (f"/admin/users/{officer_id}/disable", {}),
        (f"/admin/users/{officer_id}/name", {"display_name": "x"}),
        (f"/admin/users/{officer_id}/grants", {"role": "admin", "unit": people.department_id}),
        (f"/admin/users/{officer_id}/password", {"temporary_password": NEW_PASSWORD}),
        ("/admin/units", {"parent": people.department_id, "name": "กองใหม่"}),
        (f"/admin/units/{people.department_id}", {"new_name": "x"}),
        ("/admin/plans/import/confirm", {"sha256": "0" * 64}),
    ):
        assert admin.post(path, data=data).status_code == 400, path
    assert entry_count(app) == before
    assert user_named(app, "officer").is_enabled


# -------------------------------------------------------------------------------- users


def test_create_user_then_sign_in_as_them(app: Flask, people: People) -> None:
    admin = admin_client(app)
    response = post(
        admin,
        "/admin/users",
        {
            "username": "somchai",
            "display_name": "สมชาย ใจดี",
            "password": NEW_PASSWORD,
            "role": "reviewer",
            "unit": people.secretariat_id,
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "สมชาย ใจดี" in response.text
    created = entries(app, "user.create")[-1]
    assert flashed_seq(response.text) == created["seq"]
    assert created["actor"]["username"] == "admin"
    assert created["payload"]["grants"] == [f"reviewer@{people.secretariat_id}"]
    assert grants_of(app, "somchai") == {("reviewer", people.secretariat_id)}
    listing = admin.get("/admin/users?q=สมชาย").text
    assert "somchai" in listing and "officer2" not in listing
    newcomer = app.test_client()
    login(newcomer, "somchai", NEW_PASSWORD)
    assert newcomer.get("/account").status_code == 200


def test_create_user_refusals_show_on_the_form(app: Flask, people: People) -> None:
    admin = admin_client(app)
    base = {"password": NEW_PASSWORD, "role": "officer", "unit": people.department_id}
    taken = post(admin, "/admin/users", {**base, "username": "officer"})
    assert taken.status_code == 422 and "already exists" in taken.text
    short = post(admin, "/admin/users", {**base, "username": "new1", "password": "short"})
    assert short.status_code == 422
    bad_unit = post(admin, "/admin/users", {**base, "username": "new2", "unit": 99999})
    assert bad_unit.status_code == 422
    bad_role = post(admin, "/admin/users", {**base, "username": "new3", "role": "superuser"})
    assert bad_role.status_code == 422
    assert entries(app, "user.create")[-1]["payload"]["username"] == "admin"


def test_edit_display_name(app: Flask, people: People) -> None:
    admin = admin_client(app)
    officer_id = people.ids["officer"]
    response = post(
        admin,
        f"/admin/users/{officer_id}/name",
        {"display_name": "  นางสาว   ทดสอบ  "},
        follow_redirects=True,
    )
    assert "นางสาว ทดสอบ" in response.text
    entry = entries(app, "user.update")[-1]
    assert flashed_seq(response.text) == entry["seq"]
    assert entry["subject"] == {"user_id": officer_id}
    assert entry["payload"]["display_name"] == {"from": "officer", "to": "นางสาว ทดสอบ"}
    assert user_named(app, "officer").display_name == "นางสาว ทดสอบ"


def test_grant_and_revoke_a_role(app: Flask, people: People) -> None:
    admin = admin_client(app)
    officer_id = people.ids["officer"]
    page = admin.get(f"/admin/users/{officer_id}").text
    # Units are offered as full paths.
    assert re.search(r"<option[^>]*>กรมอาเซียน / สำนักงานเลขานุการกรม</option>", page)
    response = post(
        admin,
        f"/admin/users/{officer_id}/grants",
        {"role": "reviewer", "unit": people.other_division_id},
        follow_redirects=True,
    )
    granted = entries(app, "role.grant")[-1]
    assert flashed_seq(response.text) == granted["seq"]
    assert granted["subject"] == {"user_id": officer_id}
    assert granted["payload"]["role"] == "reviewer"
    assert granted["payload"]["unit_id"] == people.other_division_id
    assert ("reviewer", people.other_division_id) in grants_of(app, "officer")

    again = post(
        admin,
        f"/admin/users/{officer_id}/grants",
        {"role": "reviewer", "unit": people.other_division_id},
    )
    assert again.status_code == 422 and "already holds" in again.text
    assert len(entries(app, "role.grant")) == 1

    grant_id = granted["payload"]["grant_id"]
    response = post(
        admin, f"/admin/users/{officer_id}/grants/{grant_id}/revoke", follow_redirects=True
    )
    revoked = entries(app, "role.revoke")[-1]
    assert flashed_seq(response.text) == revoked["seq"]
    assert revoked["payload"]["grant_id"] == grant_id
    assert revoked["payload"]["role"] == "reviewer"
    assert grants_of(app, "officer") == {("officer", people.secretariat_id)}


def test_a_users_last_role_is_not_revoked(app: Flask, people: People) -> None:
    admin = admin_client(app)
    with app.app_context():
        grant_id = db.session.scalar(
            select(RoleAssignment.id).where(RoleAssignment.user_id == people.ids["officer"])
        )
    response = post(
        admin,
        f"/admin/users/{people.ids['officer']}/grants/{grant_id}/revoke",
        follow_redirects=True,
    )
    assert "disable the account instead" in response.text
    assert grants_of(app, "officer") == {("officer", people.secretariat_id)}
    assert entries(app, "role.revoke") == []


def test_disabling_signs_the_user_out_at_once(app: Flask, people: People) -> None:
    officer = app.test_client()
    login(officer, "officer", PASSWORD)
    assert officer.get("/plans").status_code == 200
    with app.app_context():
        token = create_token(db.session, people.user("officer"), actor=SYSTEM)
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/plans", headers=bearer).status_code == 200

    admin = admin_client(app)
    response = post(admin, f"/admin/users/{people.ids['officer']}/disable", follow_redirects=True)
    disabled = entries(app, "user.disable")[-1]
    assert flashed_seq(response.text) == disabled["seq"]
    assert disabled["subject"] == {"user_id": people.ids["officer"]}

    # The very next request of the open session is signed out; the token stops too.
    after = officer.get("/plans")
    assert after.status_code == 302 and "/login" in after.headers["Location"]
    assert app.test_client().get("/api/v1/plans", headers=bearer).status_code == 401
    stranger = app.test_client()
    refused = stranger.post(
        "/login",
        data={
            "username": "officer",
            "password": PASSWORD,
            "csrf_token": token_of(stranger, "/login"),
        },
    )
    assert refused.status_code == 200
    assert entries(app, "auth.login_failed")[-1]["payload"]["reason"] == "disabled"

    response = post(admin, f"/admin/users/{people.ids['officer']}/enable", follow_redirects=True)
    assert flashed_seq(response.text) == entries(app, "user.enable")[-1]["seq"]
    # Enabling does not revive the old session: it predates the disable.
    assert officer.get("/plans").status_code == 302
    login(officer, "officer", PASSWORD)
    assert officer.get("/plans").status_code == 200


def test_administrators_cannot_lock_everyone_out(app: Flask, people: People) -> None:
    admin = admin_client(app)
    admin_id = people.ids["admin"]
    response = post(admin, f"/admin/users/{admin_id}/disable", follow_redirects=True)
    assert "cannot disable your own account" in response.text
    assert user_named(app, "admin").is_enabled
    with app.app_context():
        admin_grant = db.session.scalar(
            select(RoleAssignment.id).where(RoleAssignment.user_id == admin_id)
        )
    # A second role, so the refusal below is about administration, not about the last role.
    post(
        admin, f"/admin/users/{admin_id}/grants", {"role": "auditor", "unit": people.department_id}
    )
    response = post(
        admin, f"/admin/users/{admin_id}/grants/{admin_grant}/revoke", follow_redirects=True
    )
    assert "your own administrator role" in response.text
    assert ("admin", people.department_id) in grants_of(app, "admin")
    assert entries(app, "user.disable") == [] and entries(app, "role.revoke") == []
    # The admin session still works.
    assert admin.get("/admin/users").status_code == 200

    # Someone else (the command line here) may not remove the last administrator either.
    with app.app_context():
        with pytest.raises(AccountError, match="last administrator"):
            ops.revoke_grant(db.session, admin_id, admin_grant, actor=SYSTEM)
        with pytest.raises(AccountError, match="last administrator"):
            ops.disable_user(db.session, admin_id, actor=SYSTEM)
    assert user_named(app, "admin").is_enabled

    # With a second administrator, one may step down and the other be disabled.
    post(
        admin,
        f"/admin/users/{people.ids['head']}/grants",
        {"role": "admin", "unit": people.department_id},
    )
    with app.app_context():
        ops.revoke_grant(db.session, admin_id, admin_grant, actor=SYSTEM)
    assert ("admin", people.department_id) not in grants_of(app, "admin")
    assert admin.get("/admin/users").status_code == 403


def test_reset_password_sets_a_temporary_one_and_ends_sessions(app: Flask, people: People) -> None:
    officer = app.test_client()
    login(officer, "officer", PASSWORD)
    admin = admin_client(app)
    path = f"/admin/users/{people.ids['officer']}/password"
    mismatch = post(
        admin, path, {"temporary_password": NEW_PASSWORD, "confirm_password": "something else"}
    )
    assert mismatch.status_code == 422
    response = post(
        admin,
        path,
        {"temporary_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        follow_redirects=True,
    )
    entry = entries(app, "user.password_reset")[-1]
    assert flashed_seq(response.text) == entry["seq"]
    assert NEW_PASSWORD not in json.dumps(entry, ensure_ascii=False)
    assert officer.get("/plans").status_code == 302
    login(officer, "officer", NEW_PASSWORD)
    # Not for one's own account: that needs the current password (account page).
    own = post(
        admin,
        f"/admin/users/{people.ids['admin']}/password",
        {"temporary_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert own.status_code == 422 and "your account page" in own.text


# -------------------------------------------------------------------------------- units


def test_create_and_rename_units(app: Flask, people: People) -> None:
    admin = admin_client(app)
    response = post(
        admin,
        "/admin/units",
        {"parent": people.department_id, "name": " กองนโยบาย  และแผน "},
        follow_redirects=True,
    )
    created = entries(app, "unit.create")[-1]
    assert flashed_seq(response.text) == created["seq"]
    assert created["payload"]["path"] == "กรมอาเซียน / กองนโยบาย และแผน"
    unit_id = created["subject"]["unit_id"]
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert unit is not None
        assert (unit.name, unit.kind, unit.parent_id) == (
            "กองนโยบาย และแผน",
            "division",
            people.department_id,
        )
    assert "กองนโยบาย และแผน" in admin.get("/admin/units").text

    section = post(admin, "/admin/units", {"parent": unit_id, "name": "กลุ่มงานแผน"})
    assert section.status_code == 302
    top = post(admin, "/admin/units", {"parent": 0, "name": "กรมใหม่"})
    assert top.status_code == 302
    with app.app_context():
        kinds = dict(db.session.execute(select(Unit.name, Unit.kind)).all())
    assert kinds["กลุ่มงานแผน"] == "section" and kinds["กรมใหม่"] == "department"

    for name, reason in (("กองนโยบาย และแผน", "already exists"), ("ก / ข", "must not contain")):
        refused = post(admin, "/admin/units", {"parent": people.department_id, "name": name})
        assert refused.status_code == 422 and reason in refused.text
    assert post(admin, "/admin/units", {"parent": 0, "name": "กรมใหม่"}).status_code == 422
    assert len(entries(app, "unit.create")) == 3

    response = post(
        admin, f"/admin/units/{unit_id}", {"new_name": "กองยุทธศาสตร์"}, follow_redirects=True
    )
    renamed = entries(app, "unit.rename")[-1]
    assert flashed_seq(response.text) == renamed["seq"]
    assert renamed["payload"] == {
        "from": "กรมอาเซียน / กองนโยบาย และแผน",
        "to": "กรมอาเซียน / กองยุทธศาสตร์",
    }
    clash = post(admin, f"/admin/units/{unit_id}", {"new_name": "กองอื่น"})
    assert clash.status_code == 422 and "already exists" in clash.text
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert unit is not None and unit.name == "กองยุทธศาสตร์"


# --------------------------------------------------------------------------- plan import


def upload(client: FlaskClient, data: bytes, name: str = "plan.txt"):
    from io import BytesIO

    return client.post(
        "/admin/plans/import",
        data={"csrf_token": token_of(client), "document": (BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def pending_files(app: Flask) -> list[Path]:
    folder = Path(app.instance_path) / "plan_uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def plan_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Plan.id))) or 0


def test_plan_import_previews_then_creates_on_confirm(app: Flask, people: People) -> None:
    admin = admin_client(app)
    data = (DATA / "plan_arabic_three_levels.txt").read_bytes()
    preview = upload(admin, data, "สหกรณ์ 2569.txt")
    assert preview.status_code == 200
    page = preview.text
    for text in ("กรมส่งเสริมสหกรณ์", "กระทรวงเกษตรและสหกรณ์", "2569", "Import this plan"):
        assert text in page
    assert "สหกรณ์ 2569.txt" in page
    assert "Units that will be created" in page
    assert plan_count(app) == 1  # nothing stored by the preview
    sha = re.search(r'name="sha256" type="hidden" value="([0-9a-f]{64})"', page)
    assert sha is not None
    assert len(pending_files(app)) == 2

    response = post(admin, "/admin/plans/import/confirm", {"sha256": sha.group(1)})
    assert response.status_code == 302
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        assert plan is not None
        assert (plan.agency, plan.fiscal_year) == ("กรมส่งเสริมสหกรณ์", 2569)
        assert plan.source_name == "สหกรณ์ 2569.txt" and plan.imported_by_id == people.ids["admin"]
    imported = entries(app, "plan.import")[-1]
    assert imported["subject"] == {"plan_id": plan_id}
    assert imported["actor"]["username"] == "admin"
    assert flashed_seq(admin.get(response.headers["Location"]).text) == imported["seq"]
    assert pending_files(app) == []


def test_bad_document_lists_lines_and_writes_nothing(app: Flask, people: People) -> None:
    admin = admin_client(app)
    lines = (DATA / "plan_arabic_three_levels.txt").read_text().split("\n")
    lines[9] = "this row is not part of any plan\tx"
    before_entries, before_units = entry_count(app), _unit_count(app)
    response = upload(admin, "\n".join(lines).encode())
    assert response.status_code == 422
    assert "Line 10" in response.text and "nothing was written" in response.text
    assert "Import this plan" not in response.text
    assert plan_count(app) == 1
    assert entry_count(app) == before_entries and _unit_count(app) == before_units
    assert pending_files(app) == []

    not_utf8 = upload(admin, (DATA / "plan_arabic_three_levels.txt").read_text().encode("cp874"))
    assert not_utf8.status_code == 422 and "not UTF-8" in not_utf8.text
    assert "Line 2" in not_utf8.text
    wrong_type = upload(admin, sample_plan_bytes(), "plan.pdf")
    assert wrong_type.status_code == 422 and ".txt" in wrong_type.text
    empty = upload(admin, b"  \n")
    assert empty.status_code == 422
    app.config["WORKFLOW_MAX_PLAN_BYTES"] = 1000
    too_big = upload(admin, sample_plan_bytes())
    assert too_big.status_code == 413 and "larger than" in too_big.text
    assert plan_count(app) == 1 and pending_files(app) == []


def _unit_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Unit.id))) or 0


def test_the_same_document_twice_says_already_imported(app: Flask, people: People) -> None:
    admin = admin_client(app)
    with app.app_context():
        plan_id = db.session.scalar(select(Plan.id))
    response = upload(admin, sample_plan_bytes(), "again.txt")
    assert response.status_code == 200
    assert "already imported" in response.text
    assert f'href="/plans/{plan_id}"' in response.text
    assert "Import this plan" not in response.text
    assert pending_files(app) == []

    # Confirming twice (e.g. a double click) lands on the plan without a second import.
    data = (DATA / "plan_continued_columns.txt").read_bytes()
    sha = re.search(r'value="([0-9a-f]{64})"', upload(admin, data).text)
    assert sha is not None
    first = post(admin, "/admin/plans/import/confirm", {"sha256": sha.group(1)})
    second = post(admin, "/admin/plans/import/confirm", {"sha256": sha.group(1)})
    assert first.headers["Location"] == second.headers["Location"]
    assert "already imported" in admin.get(second.headers["Location"]).text
    assert len(entries(app, "plan.import")) == 2  # the seed plan and this one


def test_confirm_only_accepts_a_kept_upload_by_hash(app: Flask, people: People) -> None:
    admin = admin_client(app)
    for bad in ("../../secret_key", "A" * 64, "0" * 63, ""):
        response = post(admin, "/admin/plans/import/confirm", {"sha256": bad})
        assert response.status_code == 400, bad
    unknown = post(admin, "/admin/plans/import/confirm", {"sha256": "0" * 64})
    assert unknown.status_code == 302 and unknown.headers["Location"].endswith(
        "/admin/plans/import"
    )
    # A kept file whose content no longer matches its hash is not imported.
    data = (DATA / "plan_arabic_three_levels.txt").read_bytes()
    sha = re.search(r'value="([0-9a-f]{64})"', upload(admin, data).text)
    assert sha is not None
    kept = Path(app.instance_path) / "plan_uploads" / f"{sha.group(1)}.txt"
    kept.write_bytes(data.replace("กรมส่งเสริมสหกรณ์".encode(), "กรมอื่น".encode()))
    tampered = post(admin, "/admin/plans/import/confirm", {"sha256": sha.group(1)})
    assert tampered.headers["Location"].endswith("/admin/plans/import")
    assert plan_count(app) == 1


# -------------------------------------------------------------------------------- escaping


def test_names_are_escaped(app: Flask, people: People) -> None:
    admin = admin_client(app)
    script = "<script>alert(1)</script>"
    image = '<img src=x onerror="alert(2)">'
    post(admin, f"/admin/users/{people.ids['officer']}/name", {"display_name": script})
    post(admin, "/admin/units", {"parent": people.department_id, "name": image})
    with app.app_context():
        unit_id = db.session.scalar(select(Unit.id).where(Unit.name == image))
    pages = [
        admin.get("/admin/users").text,
        admin.get(f"/admin/users/{people.ids['officer']}").text,
        admin.get("/admin/units").text,
        admin.get(f"/admin/units/{unit_id}").text,
    ]
    for page in pages:
        assert script not in page and image not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
    assert "&lt;img src=x onerror=" in pages[2]
    # Also in the unit choices of the user page.
    assert "กรมอาเซียน / &lt;img src=x" in pages[1]


def test_operations_roll_back_whole(app_ctx: Flask, people: People) -> None:
    """A refused change writes neither the change nor an audit entry."""
    before = db.session.scalar(select(func.count(AuditEntry.seq)))
    with pytest.raises(AccountError):
        ops.grant_role(db.session, people.ids["officer"], Role.OFFICER, 99999, actor=SYSTEM)
    with pytest.raises(AccountError):
        ops.rename_unit(db.session, people.secretariat_id, "  ", actor=SYSTEM)
    with pytest.raises(AccountError):
        ops.update_display_name(db.session, people.ids["officer"], "officer", actor=SYSTEM)
    with pytest.raises(AccountError):
        ops.enable_user(db.session, people.ids["officer"], actor=SYSTEM)
    assert db.session.scalar(select(func.count(AuditEntry.seq))) == before
