"""The auditors' JSON API under /api/v1/audit: who may call it, parameters, keyset paging,
decoded bodies, the head and verification."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import login
from tests.integration.conftest import PASSWORD, SYSTEM, People
from tests.integration.test_audit_pages import all_seqs, churn, tamper_with_body
from tests.integration.workflow_support import act
from workflow_app.accounts.tokens import create_token
from workflow_app.audit.canonical import canonical_bytes, chain_hash
from workflow_app.audit.checkpoints import take_checkpoint
from workflow_app.audit.signing import generate_keypair, load_private_key
from workflow_app.auditors.api import audit_api_bp
from workflow_app.extensions import db

ENDPOINTS = ("/api/v1/audit", "/api/v1/audit/head", "/api/v1/audit/verify")
READERS = ("auditor", "admin")
NOT_READERS = ("officer", "reviewer", "head")


@pytest.fixture(autouse=True)
def _registered(app: Flask) -> None:
    # Until the application factory registers the blueprint itself.
    if "audit_api" not in app.blueprints:
        app.register_blueprint(audit_api_bp)


@pytest.fixture
def tokens(app: Flask, people: People) -> dict[str, str]:
    with app.app_context():
        return {
            name: create_token(db.session, people.user(name), actor=SYSTEM)
            for name in (*READERS, *NOT_READERS)
        }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get(client: FlaskClient, path: str, token: str, **params: object) -> tuple[int, dict]:
    response = client.get(path, headers=bearer(token), query_string=params)
    assert response.is_json, response.text[:300]
    return response.status_code, response.get_json()


# --- who may call it --------------------------------------------------------------------------


def test_every_endpoint_by_role(app: Flask, tokens: dict[str, str]) -> None:
    client = app.test_client()
    for path in ENDPOINTS:
        for name in READERS:
            status, _body = get(client, path, tokens[name])
            assert status == 200, (path, name)
        for name in NOT_READERS:
            status, body = get(client, path, tokens[name])
            assert (status, body["error"]) == (403, "forbidden"), (path, name)
            assert body["message"]
        anonymous = client.get(path)
        assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthenticated"
        assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="api"'
        status, body = get(client, path, "wfa_not-a-real-token")
        assert (status, body["error"]) == (401, "invalid_token")
        assert client.get(path, headers=bearer(tokens["auditor"])).headers["Cache-Control"] == (
            "no-store"
        )


def test_the_browser_session_works_too(app: Flask, people: People) -> None:
    auditor = app.test_client()
    login(auditor, "auditor", PASSWORD)
    assert auditor.get("/api/v1/audit/head").status_code == 200
    assert auditor.get("/api/v1/audit?limit=1").status_code == 200
    officer = app.test_client()
    login(officer, "officer", PASSWORD)
    assert officer.get("/api/v1/audit").status_code == 403


# --- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"after_seq": "-1"}, "after_seq"),
        ({"after_seq": "3", "before_seq": "9"}, "before_seq"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2/1/2568", "to": "1/1/2568"}, "to"),
        ({"activity": "9.9.9"}, "activity"),
        ({"activity": "99999999999"}, "activity"),
        ({"plan": "x"}, "plan"),
        ({"level": "1.5"}, "level"),
        ({"action": "workflow.submit'--"}, "action"),
        ({"order": "sideways"}, "order"),
        ({"fitler": "1"}, "fitler"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(
    app: Flask, tokens: dict[str, str], params: dict[str, str], named: str
) -> None:
    status, body = get(app.test_client(), "/api/v1/audit", tokens["auditor"], **params)
    assert status == 422
    assert body["error"] == "invalid_parameter"
    assert body["message"].startswith(f"{named}: ")
    assert named in body["parameters"]


def test_a_repeated_parameter_is_refused(app: Flask, tokens: dict[str, str]) -> None:
    response = app.test_client().get(
        "/api/v1/audit?limit=1&limit=2", headers=bearer(tokens["auditor"])
    )
    assert response.status_code == 422 and response.get_json()["parameters"] == {
        "limit": "given more than once"
    }


def test_messages_are_english_for_a_thai_account(app: Flask, tokens: dict[str, str]) -> None:
    status, body = get(app.test_client(), "/api/v1/audit", tokens["auditor"], limit="0")
    assert status == 422 and body["message"] == "limit: must be between 1 and 500"


# --- entries and paging -----------------------------------------------------------------------


def test_entries_carry_the_decoded_body_and_both_hashes(
    app: Flask, people: People, tokens: dict[str, str]
) -> None:
    with app.app_context():
        act(people, "officer", "1.1.1", "submit")
        act(people, "reviewer", "1.1.1", "return", comment="<b>ไม่ครบ</b>")
    status, body = get(
        app.test_client(), "/api/v1/audit", tokens["auditor"], activity="1.1.1", limit=10
    )
    assert status == 200
    entries = body["entries"]
    assert [e["body"]["action"] for e in entries] == ["workflow.return", "workflow.submit"]
    returned, submitted = entries
    assert returned["body"]["payload"] == {"comment": "<b>ไม่ครบ</b>"}
    assert returned["body"]["actor"]["username"] == "reviewer"
    assert (returned["body"]["from_state"], returned["body"]["to_state"]) == (
        "submitted",
        "returned",
    )
    assert submitted["body"]["payload"]["evidence"][0]["sha256"]
    assert returned["prev_hash"] == submitted["entry_hash"]  # consecutive seqs
    for entry in entries:
        # The decoded body re-encodes to the exact hashed bytes.
        assert chain_hash(entry["prev_hash"], canonical_bytes(entry["body"])) == entry["entry_hash"]
        assert entry["body"]["seq"] == entry["seq"] and entry["problem"] is None
    assert body["order"] == "desc" and body["limit"] == 10
    assert body["next_after_seq"] is None and body["next_before_seq"] is None
    assert body["links"] == {"newer": None, "older": None}


def test_keyset_paging_through_the_api(app: Flask, people: People, tokens: dict[str, str]) -> None:
    client = app.test_client()
    with app.app_context():
        churn(people, "1.1.2", 20)
        everything = all_seqs()
    seen: list[int] = []
    params: dict[str, object] = {"limit": 7}
    while True:
        status, body = get(client, "/api/v1/audit", tokens["auditor"], **params)
        assert status == 200 and len(body["entries"]) <= 7
        seen += [entry["seq"] for entry in body["entries"]]
        if body["next_before_seq"] is None:
            break
        assert body["links"]["older"].endswith(f"before_seq={body['next_before_seq']}")
        params = {"limit": 7, "before_seq": body["next_before_seq"]}
    assert seen == everything and len(set(seen)) == len(seen)

    # Following the log oldest first with after_seq, as a client that keeps up would.
    seen = []
    params = {"limit": 9, "order": "asc", "action": "workflow."}
    while True:
        status, body = get(client, "/api/v1/audit", tokens["auditor"], **params)
        seen += [entry["seq"] for entry in body["entries"]]
        if body["next_after_seq"] is None:
            break
        params = {**params, "after_seq": body["next_after_seq"]}
    with app.app_context():
        workflow = sorted(all_seqs(action="workflow.submit") + all_seqs(action="workflow.withdraw"))
    assert seen == workflow and len(workflow) == 40
    # Caught up: an empty page and no cursor; the client asks again later from its last seq.
    status, body = get(client, "/api/v1/audit", tokens["auditor"], order="asc", after_seq=seen[-1])
    assert (status, body["entries"], body["next_after_seq"]) == (200, [], None)


def test_filters_by_actor_level_and_time(
    app: Flask, people: People, tokens: dict[str, str]
) -> None:
    with app.app_context():
        act(people, "officer", "1.1.1", "submit")
        act(people, "reviewer", "1.1.1", "forward")
        act(people, "head", "1.1.1", "approve")
        act(people, "officer", "1.1.1", "submit")
        reviewer_seqs = all_seqs(actor_id=people.ids["reviewer"])
        level_two = all_seqs(level=2)
    client = app.test_client()

    def seqs(**params: object) -> list[int]:
        status, body = get(client, "/api/v1/audit", tokens["auditor"], **params)
        assert status == 200, body
        return [entry["seq"] for entry in body["entries"]]

    assert seqs(actor="reviewer") == reviewer_seqs and len(reviewer_seqs) == 1
    assert seqs(activity="1.1.1", level=2) == level_two and len(level_two) == 1
    assert seqs(to="1/1/2500") == []
    assert seqs(**{"from": "2000-01-01T00:00:00Z"}, limit=500) == seqs(limit=500)


# --- head and verification --------------------------------------------------------------------


def test_head_and_its_last_checkpoint(
    app: Flask, people: People, tokens: dict[str, str], tmp_path: Path
) -> None:
    client = app.test_client()
    status, body = get(client, "/api/v1/audit/head", tokens["auditor"])
    with app.app_context():
        newest = all_seqs()[0]
    assert status == 200 and body["seq"] == newest and body["last_checkpoint"] is None
    assert len(body["entry_hash"]) == 64 and body["recorded_at"].endswith("Z")

    key = tmp_path / "audit.key"
    generate_keypair(key)
    with app.app_context():
        checkpoint = take_checkpoint(db.session, load_private_key(key))
    assert checkpoint is not None
    status, body = get(client, "/api/v1/audit/head", tokens["admin"])
    assert body["last_checkpoint"] == {
        "seq": checkpoint.seq,
        "entry_hash": checkpoint.entry_hash,
        "signed_at": checkpoint.signed_at,
        "key_id": checkpoint.key_id,
    }
    assert body["checkpoint_count"] == 1


def test_verify_reports_ok_then_the_altered_seq(
    app: Flask, people: People, tokens: dict[str, str]
) -> None:
    with app.app_context():
        act(people, "officer", "1.1.1", "submit")
        act(people, "reviewer", "1.1.1", "return", comment="ขาดภาพถ่ายกิจกรรม")
        act(people, "officer", "1.1.1", "submit")
    client = app.test_client()
    status, report = get(client, "/api/v1/audit/verify", tokens["auditor"])
    with app.app_context():
        newest = all_seqs()[0]
        returned = all_seqs(action="workflow.return")[0]
    assert status == 200 and report["ok"] is True and report["problem"] is None
    assert report["head_seq"] == newest == report["count"]

    with app.app_context():
        tamper_with_body(returned, "ขาดภาพถ่ายกิจกรรม".encode(), "ครบถ้วนแล้ว".encode())
    status, report = get(client, "/api/v1/audit/verify", tokens["admin"])
    assert status == 200 and report["ok"] is False
    assert report["problem"]["seq"] == returned and report["problem"]["kind"] == "altered"
    assert report["head_seq"] == returned - 1
    # The listing still serves the altered entry, as it now reads.
    status, body = get(client, "/api/v1/audit", tokens["auditor"], before_seq=returned + 1, limit=1)
    assert body["entries"][0]["body"]["payload"]["comment"] == "ครบถ้วนแล้ว"
