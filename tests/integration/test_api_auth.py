"""API authentication: bearer tokens, the token CLI, browser sessions and their CSRF header."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.exceptions import Unauthorized

from tests.conftest import csrf_token_from, login
from tests.integration.api_support import LINK, Api, bearer, make_tokens, tiny_pdf
from tests.integration.conftest import PASSWORD, SYSTEM, People
from workflow_app.accounts.models import ApiToken, User
from workflow_app.accounts.operations import AccountError
from workflow_app.accounts.tokens import create_token, revoke_token, user_for_token
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db, login_manager
from workflow_app.workflow.models import Submission


@pytest.fixture
def api(app: Flask, client: FlaskClient, people: People) -> Api:
    return Api(client, make_tokens(app, people), people)


def activity_path(people: People, code: str = "1.1.1") -> str:
    return f"/api/v1/activities/{people.activities[code]}"


def submit_form(**extra: Any) -> dict[str, Any]:
    return {
        "narrative": "ส่งผ่านเบราว์เซอร์",
        "files": [(io.BytesIO(tiny_pdf()), "ผล.pdf")],
        "links": [LINK],
        **extra,
    }


# --- Tokens -----------------------------------------------------------------------------------


def test_only_the_hash_is_stored_and_both_changes_are_audited(app: Flask, people: People) -> None:
    with app.app_context():
        token = create_token(db.session, people.user("officer"), actor=SYSTEM, label="ci")
        assert token.startswith("wfa_") and len(token) > 40
        row = db.session.scalars(select(ApiToken)).one()
        assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
        assert (row.user_id, row.label, row.revoked_at) == (people.ids["officer"], "ci", None)
        user = user_for_token(db.session, token)
        assert user is not None and user.username == "officer"
        assert user_for_token(db.session, token + "x") is None
        assert user_for_token(db.session, "not-a-token") is None
        revoke_token(db.session, row.id, actor=SYSTEM)
        assert user_for_token(db.session, token) is None
        with pytest.raises(AccountError):
            revoke_token(db.session, row.id, actor=SYSTEM)
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("token.%")).order_by(AuditEntry.seq)
        ).all()
        assert [e.action for e in entries] == ["token.create", "token.revoke"]
        for entry in entries:
            assert token.encode() not in entry.body
            assert row.token_sha256.encode() not in entry.body


def test_token_cli_prints_a_working_token_once(app: Flask, people: People) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "token", "reviewer", "--label", "รายงาน"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("wfa_") and "\n" not in token
    assert "cannot be shown again" in result.stderr
    with app.app_context():
        rows = db.session.scalars(select(ApiToken)).all()
        assert [(r.label, r.token_sha256) for r in rows] == [
            ("รายงาน", hashlib.sha256(token.encode()).hexdigest())
        ]
        token_id = rows[0].id
    client = app.test_client()
    response = client.get(activity_path(people), headers=bearer(token))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers

    revoked = runner.invoke(args=["user", "revoke-token", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    response = client.get(activity_path(people), headers=bearer(token))
    assert response.get_json()["error"] == "invalid_token"


def test_token_cli_refuses_an_unknown_user(app: Flask, people: People) -> None:
    result = app.test_cli_runner().invoke(args=["user", "token", "nobody"])
    assert result.exit_code == 1 and "no user 'nobody'" in result.output


@pytest.mark.parametrize(
    "header",
    ["Bearer wfa_unknown", "Bearer ", "bearer nonsense", "Bearer " + "wfa_" + "x" * 500],
)
def test_bad_tokens_are_401(api: Api, header: str) -> None:
    response = api.client.get(activity_path(api.people), headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_requests_are_401_json_never_a_redirect(api: Api) -> None:
    item_path = "/api/v1/evidence/1"
    for path in ("/api/v1/plans", "/api/v1/plans/1", activity_path(api.people), item_path):
        response = api.client.get(path)
        assert response.status_code == 401, path
        assert response.get_json()["error"] == "unauthenticated"
    response = api.client.post(activity_path(api.people) + "/actions/forward", json={})
    assert response.status_code == 401
    assert api.client.get("/api/v1/openapi.json").status_code == 200  # public description


def test_flask_login_unauthorized_answers_401_under_the_api(app: Flask) -> None:
    with app.test_request_context("/api/v1/plans"), pytest.raises(Unauthorized):
        login_manager.unauthorized()
    with app.test_request_context("/plans"):
        assert login_manager.unauthorized().status_code == 302  # pages still go to sign-in


def test_a_disabled_users_token_stops_at_once(app: Flask, api: Api) -> None:
    assert api.activity("officer", "1.1.1").status_code == 200
    with app.app_context():
        user = db.session.get(User, api.people.ids["officer"])
        assert user is not None
        user.is_enabled = False
        db.session.commit()
    response = api.activity("officer", "1.1.1")
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_token"
    assert api.submit("officer", "1.1.1").status_code == 401
    with app.app_context():
        user = db.session.get(User, api.people.ids["officer"])
        assert user is not None
        with pytest.raises(AccountError):
            create_token(db.session, user, actor=SYSTEM)


def test_token_responses_set_no_cookie(api: Api) -> None:
    for response in (
        api.get("head", "/api/v1/plans"),
        api.activity("head", "1.1.1"),
        api.submit("officer", "1.1.1"),
        api.act("head", "1.1.1", "approve"),  # refused, still no cookie
    ):
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"


def test_token_wins_over_a_session_cookie(api: Api) -> None:
    login(api.client, "outsider", PASSWORD)
    assert api.client.get(activity_path(api.people)).status_code == 403
    # The officer's token, sent from the outsider's browser, acts as the officer and needs no
    # CSRF header because the cookie is not what authenticates it.
    assert api.activity("officer", "1.1.1").status_code == 200
    assert api.submit("officer", "1.1.1").status_code == 201
    # A bad token is refused even though a valid session cookie rides along.
    bad = api.client.get(activity_path(api.people), headers=bearer("wfa_nope"))
    assert bad.status_code == 401


def test_tokens_do_not_open_the_pages(api: Api) -> None:
    response = api.client.get("/plans", headers=bearer(api.tokens["head"]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- Browser sessions -------------------------------------------------------------------------


def test_session_reads_need_no_csrf_header(api: Api) -> None:
    login(api.client, "officer", PASSWORD)
    assert api.client.get("/api/v1/plans").status_code == 200
    assert api.client.get(activity_path(api.people)).status_code == 200


def test_session_changes_need_the_csrf_header(app: Flask, api: Api) -> None:
    login(api.client, "officer", PASSWORD)
    submit = activity_path(api.people) + "/actions/submit"
    refused = api.client.post(submit, data=submit_form(), content_type="multipart/form-data")
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "csrf_failed"
    wrong = api.client.post(
        submit,
        data=submit_form(),
        content_type="multipart/form-data",
        headers={"X-CSRFToken": "forged"},
    )
    assert wrong.status_code == 403
    # A token in the form body (what a cross-site form could carry) is not the header.
    in_body = api.client.post(
        submit,
        data=submit_form(csrf_token=csrf_token_from(api.client.get("/plans/1").text)),
        content_type="multipart/form-data",
    )
    assert in_body.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Submission)).all() == []

    csrf = csrf_token_from(api.client.get("/plans/1").text)
    accepted = api.client.post(
        submit,
        data=submit_form(),
        content_type="multipart/form-data",
        headers={"X-CSRFToken": csrf},
    )
    assert accepted.status_code == 201, accepted.get_data(as_text=True)
    withdraw = activity_path(api.people) + "/actions/withdraw"
    assert api.client.post(withdraw, json={}).status_code == 403
    done = api.client.post(withdraw, json={}, headers={"X-CSRFToken": csrf})
    assert done.status_code == 200 and done.get_json()["state"] == "open"


def test_anonymous_change_is_401_before_any_csrf_question(api: Api) -> None:
    response = api.client.post(activity_path(api.people) + "/actions/withdraw", json={})
    assert response.status_code == 401
