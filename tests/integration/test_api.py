"""The JSON API: every endpoint for every kind of caller, the workflow round, errors, trail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from tests.integration.api_support import LINK, Api, make_tokens, tiny_pdf
from tests.integration.conftest import People
from workflow_app.audit.models import AuditEntry
from workflow_app.evidence.app_store import evidence_store
from workflow_app.extensions import db
from workflow_app.plans.models import Activity
from workflow_app.workflow.models import EvidenceItem, Submission

# The seed plan: six activities belong to the secretariat, 3.1.2 and 4.2.1 to the department.
SECRETARIAT_CODES = {"1.1.1", "1.1.2", "2.1.1", "2.2.1", "4.1.1", "4.1.2"}
ALL_CODES = SECRETARIAT_CODES | {"3.1.2", "4.2.1"}
ERROR_STATUSES = {400, 401, 403, 404, 405, 409, 413, 422}


@pytest.fixture
def api(app: Flask, client: FlaskClient, people: People) -> Api:
    return Api(client, make_tokens(app, people), people)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["message"]
    if code is not None:
        assert body["error"] == code, body
    return body


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def visible_codes(plan: dict[str, Any]) -> set[str]:
    return {
        activity["code"]
        for strategy in plan["strategies"]
        for tactic in strategy["tactics"]
        for activity in tactic["activities"]
    }


# --- Who may read what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("officer", SECRETARIAT_CODES),
        ("reviewer", ALL_CODES),
        ("head", ALL_CODES),
        ("head2", SECRETARIAT_CODES),
        ("auditor", ALL_CODES),
        ("admin", ALL_CODES),
        ("outsider", set()),
    ],
)
def test_plans_show_only_what_the_caller_may_view(api: Api, who: str, expected: set[str]) -> None:
    listing = api.get(who, "/api/v1/plans")
    assert listing.status_code == 200
    plans = listing.get_json()["plans"]
    if not expected:
        assert plans == []
        assert_error(api.get(who, "/api/v1/plans/1"), 404, "not_found")
        return
    assert [(p["id"], p["fiscal_year"], p["activity_count"]) for p in plans] == [
        (1, 2568, len(expected))
    ]
    assert plans[0]["agency"] == "กรมอาเซียน" and plans[0]["title"]
    plan = api.get(who, "/api/v1/plans/1").get_json()
    assert visible_codes(plan) == expected
    activity = plan["strategies"][0]["tactics"][0]["activities"][0]
    assert (activity["state"], activity["certified_level"], activity["version"]) == ("open", 0, 1)
    assert len(plan["strategies"]) == 4  # the document's structure is kept whole


def test_missing_plan_is_404(api: Api) -> None:
    assert_error(api.get("auditor", "/api/v1/plans/999"), 404, "not_found")
    assert_error(api.get("auditor", "/api/v1/plans/99999999999999999999"), 404)
    assert_error(api.get("auditor", "/api/v1/plans/abc"), 404)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 200),
        ("reviewer", 200),
        ("head", 200),
        ("auditor", 200),
        ("admin", 200),
        ("outsider", 403),
        (None, 401),
    ],
)
def test_activity_trail_and_evidence_by_role(api: Api, who: str | None, status: int) -> None:
    assert api.submit("officer", "1.1.1", links=[LINK]).status_code == 201
    activity_id = api.people.activities["1.1.1"]
    detail = api.get("auditor", f"/api/v1/activities/{activity_id}").get_json()
    file_id = detail["open_submission"]["evidence"][0]["id"]
    paths = [
        f"/api/v1/activities/{activity_id}",
        f"/api/v1/activities/{activity_id}/trail",
        f"/api/v1/evidence/{file_id}",
    ]
    for path in paths:
        response = api.get(who, path)
        assert response.status_code == status, (path, response.get_data(as_text=True)[:300])
        if status != 200:
            assert_error(response, status, {401: "unauthenticated", 403: "forbidden"}[status])


def test_department_activity_is_out_of_the_secretariat_officers_view(api: Api) -> None:
    assert_error(api.activity("officer", "3.1.2"), 403, "forbidden")
    assert api.activity("head", "3.1.2").status_code == 200


def test_missing_activity_and_evidence_are_404(api: Api) -> None:
    for path in (
        "/api/v1/activities/999",
        "/api/v1/activities/999/trail",
        "/api/v1/evidence/999",
        "/api/v1/activities/2147483648",
        "/api/v1/nothing-here",
    ):
        assert_error(api.get("head", path), 404)


def test_activity_detail_for_the_officer(api: Api) -> None:
    response = api.activity("officer", "4.1.2")
    assert response.status_code == 200
    data = response.get_json()
    assert data["code"] == "4.1.2" and data["responsible_unit"]
    assert (data["state"], data["version"], data["certified_level"]) == ("open", 1, 0)
    assert (data["current_level"], data["target_level"], data["level_count"]) == (1, 4, 5)
    assert data["target_met"] is False and data["open_submission"] is None
    assert [level["number"] for level in data["levels"]] == [1, 2, 3, 4, 5]
    assert all(level["certified"] is False and level["criterion"] for level in data["levels"])
    actions = {a["action"]: a for a in data["available_actions"]}
    assert list(actions) == ["submit", "withdraw", "forward", "return", "approve", "revoke"]
    assert actions["submit"] == {"action": "submit", "allowed": True, "reason": None, "code": None}
    assert actions["forward"]["allowed"] is False
    assert actions["forward"]["code"] == "wrong_role" and actions["forward"]["reason"]


@pytest.mark.parametrize(
    ("who", "code"),
    [("auditor", "auditor_read_only"), ("admin", "admin_does_not_certify")],
)
def test_read_only_roles_see_why_they_cannot_act(api: Api, who: str, code: str) -> None:
    actions = api.activity(who, "1.1.1").get_json()["available_actions"]
    assert {a["code"] for a in actions} == {code}
    assert not any(a["allowed"] for a in actions)


# --- The workflow through the API -------------------------------------------------------------


def test_full_round_with_bearer_tokens(app: Flask, api: Api) -> None:
    pdf = tiny_pdf()
    submitted = api.submit("officer", "1.1.1", files=[(pdf, "รายงานผล.pdf")], links=[LINK])
    assert submitted.status_code == 201, submitted.get_data(as_text=True)
    outcome = submitted.get_json()
    assert (outcome["action"], outcome["from_state"], outcome["state"]) == (
        "submit",
        "open",
        "submitted",
    )
    assert outcome["version"] == 2 and outcome["submission_id"] and outcome["audit_seq"]
    assert "Set-Cookie" not in submitted.headers

    seen = api.activity("reviewer", "1.1.1").get_json()
    pending = seen["open_submission"]
    assert (pending["status"], pending["level"]) == ("submitted", 1)
    assert pending["submitted_by"]["username"] == "officer"
    file_item, link_item = pending["evidence"]
    assert (file_item["kind"], file_item["filename"], file_item["size"]) == (
        "file",
        "รายงานผล.pdf",
        len(pdf),
    )
    assert file_item["media_type"] == "application/pdf"
    assert file_item["download_url"] == f"/api/v1/evidence/{file_item['id']}"
    assert (link_item["kind"], link_item["url"], link_item["download_url"]) == ("link", LINK, None)
    allowed = {a["action"] for a in seen["available_actions"] if a["allowed"]}
    assert allowed == {"forward", "return"}

    forwarded = api.act("reviewer", "1.1.1", "forward", expected_version=seen["version"])
    assert forwarded.status_code == 200
    assert forwarded.get_json()["state"] == "forwarded"
    approved = api.act(
        "head",
        "1.1.1",
        "approve",
        expected_version=forwarded.get_json()["version"],
        publishable=True,
        comment="ครบถ้วน",
    )
    assert approved.status_code == 200
    result = approved.get_json()
    assert (result["state"], result["certified_level"], result["version"]) == ("open", 1, 4)

    after = api.activity("officer", "1.1.1").get_json()
    assert (after["current_level"], after["certified_level"]) == (2, 1)
    level_one = after["levels"][0]
    assert level_one["certified"] is True
    assert level_one["certified_by"]["username"] == "head"
    assert level_one["audit_seq"] == result["audit_seq"] and level_one["certified_at"]
    assert after["levels"][1]["certified"] is False and "certified_by" not in after["levels"][1]
    with app.app_context():
        submission = db.session.get(Submission, outcome["submission_id"])
        assert submission is not None
        assert (submission.status, submission.publishable) == ("approved", True)
        entry = db.session.get(AuditEntry, result["audit_seq"])
        assert entry is not None and entry.action == "workflow.approve"


def test_completing_an_activity_clears_the_current_level(api: Api) -> None:
    api.certify("1.1.2", times=2)  # two levels
    data = api.activity("officer", "1.1.2").get_json()
    assert (data["state"], data["current_level"], data["target_met"]) == ("completed", None, True)
    assert_error(api.submit("officer", "1.1.2"), 409, "wrong_state")


def test_withdraw_return_and_revoke(app: Flask, api: Api) -> None:
    api.submit("officer", "1.1.1")
    assert_error(api.act("officer2", "1.1.1", "withdraw"), 403, "not_the_submitter")
    assert api.act("officer", "1.1.1", "withdraw").get_json()["state"] == "open"
    api.submit("officer", "1.1.1")
    assert_error(api.act("reviewer", "1.1.1", "return"), 422, "comment_required")
    assert_error(api.act("reviewer", "1.1.1", "return", comment="   "), 422, "comment_required")
    returned = api.act("reviewer", "1.1.1", "return", comment="ขาดภาพถ่าย")
    assert returned.get_json()["state"] == "returned"
    pending = api.activity("officer", "1.1.1").get_json()["open_submission"]
    assert (pending["status"], pending["return_comment"]) == ("returned", "ขาดภาพถ่าย")
    assert pending["returned_by"]["username"] == "reviewer"

    api.certify("4.1.1")
    assert_error(api.act("head", "4.1.1", "revoke"), 422, "reason_required")
    assert_error(api.act("head", "4.1.1", "revoke", reason="a", comment="b"), 422, "invalid_field")
    revoked = api.act("head", "4.1.1", "revoke", reason="ผลตรวจสอบภายในไม่ครบ")
    assert revoked.status_code == 200
    assert (revoked.get_json()["certified_level"], revoked.get_json()["state"]) == (0, "open")
    assert_error(api.act("head", "4.1.1", "revoke", comment="again"), 409, "nothing_to_revoke")


def test_a_resubmission_keeps_files_of_the_returned_submission(
    app: Flask, api: Api, tmp_path: Path
) -> None:
    first = api.submit(
        "officer", "1.1.1", files=[(tiny_pdf("one"), "หนึ่ง.pdf"), (tiny_pdf("two"), "สอง.pdf")]
    )
    assert first.status_code == 201
    api.act("reviewer", "1.1.1", "return", comment="เพิ่มภาพถ่าย")
    returned = api.activity("officer", "1.1.1").get_json()["open_submission"]
    one, two = (item["id"] for item in returned["evidence"])
    # Not a file of the returned submission: refused, nothing written.
    other = api.submit("officer", "1.1.2").get_json()["submission_id"]
    foreign = api.get("officer", f"/api/v1/activities/{api.people.activities['1.1.2']}")
    foreign_id = foreign.get_json()["open_submission"]["evidence"][0]["id"]
    before = count(app, AuditEntry)
    assert_error(
        api.submit("officer", "1.1.1", files=[], keep_files=[str(foreign_id)]),
        422,
        "bad_kept_file",
    )
    assert_error(api.submit("officer", "1.1.1", files=[], keep_files=["x"]), 422, "invalid_field")
    assert count(app, AuditEntry) == before and other is not None
    # The kept file alone is evidence enough; it goes first, the new file after it.
    again = api.submit(
        "officer", "1.1.1", files=[(tiny_pdf("three"), "สาม.pdf")], keep_files=[str(two)]
    )
    assert again.status_code == 201, again.get_json()
    evidence = api.activity("officer", "1.1.1").get_json()["open_submission"]["evidence"]
    assert [item["filename"] for item in evidence] == ["สอง.pdf", "สาม.pdf"]
    assert evidence[0]["sha256"] == returned["evidence"][1]["sha256"]
    assert evidence[0]["id"] not in (one, two)  # a new item of the new submission


def test_a_kept_file_missing_from_the_store_is_409(app: Flask, api: Api) -> None:
    api.submit("officer", "1.1.1")
    api.act("reviewer", "1.1.1", "return", comment="เพิ่มภาพถ่าย")
    item = api.activity("officer", "1.1.1").get_json()["open_submission"]["evidence"][0]
    with app.app_context():
        evidence_store().path_for(item["sha256"]).unlink()
    before = count(app, AuditEntry)
    response = api.submit("officer", "1.1.1", files=[], keep_files=[str(item["id"])])
    assert_error(response, 409, "kept_file_missing")
    assert count(app, AuditEntry) == before


@pytest.mark.parametrize(
    ("who", "action", "status", "code"),
    [
        ("reviewer", "submit", 403, "wrong_role"),
        ("outsider", "submit", 403, "out_of_scope"),
        ("auditor", "submit", 403, "auditor_read_only"),
        ("admin", "submit", 403, "admin_does_not_certify"),
        ("head", "approve", 409, "wrong_state"),
        ("officer", "withdraw", 409, "wrong_state"),
        ("head", "revoke", 409, "nothing_to_revoke"),
    ],
)
def test_refusals_map_to_status_and_code(
    app: Flask, api: Api, who: str, action: str, status: int, code: str
) -> None:
    before = count(app, AuditEntry)
    if action == "submit":
        response = api.submit(who, "1.1.1")
    else:
        response = api.act(who, "1.1.1", action, comment="x")
    assert_error(response, status, code)
    assert count(app, AuditEntry) == before


def test_separation_of_duties_through_the_api(api: Api) -> None:
    api.submit("multi", "1.1.1")
    assert_error(api.act("multi", "1.1.1", "forward"), 403, "own_submission")
    api.act("reviewer", "1.1.1", "forward")
    assert_error(api.act("multi", "1.1.1", "approve"), 403, "own_submission")


def test_stale_expected_version_is_409_and_changes_nothing(app: Flask, api: Api) -> None:
    version = api.submit("officer", "1.1.1").get_json()["version"]
    stale = api.act("reviewer", "1.1.1", "forward", expected_version=version - 1)
    assert_error(stale, 409, "stale_version")
    assert api.activity("reviewer", "1.1.1").get_json()["state"] == "submitted"
    multipart_stale = api.submit("officer", "1.1.2", expected_version="7")
    assert_error(multipart_stale, 409, "stale_version")
    assert count(app, Submission) == 1


def test_unknown_action_and_wrong_method(api: Api) -> None:
    assert_error(api.act("head", "1.1.1", "certify"), 404, "unknown_action")
    activity_id = api.people.activities["1.1.1"]
    wrong = api.get("head", f"/api/v1/activities/{activity_id}/actions/approve")
    assert_error(wrong, 405, "method_not_allowed")
    assert_error(api.client.delete(f"/api/v1/activities/{activity_id}"), 405)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expected_version": "2"}, "expected_version"),
        ({"expected_version": True}, "expected_version"),
        ({"expected_version": 1.5}, "expected_version"),
        ({"publishable": "yes"}, "publishable"),
        ({"comment": 5}, "comment"),
        ({"comment": "a\x00b"}, "comment"),
        ({"coment": "typo"}, "coment"),
    ],
)
def test_wrong_json_types_are_422_naming_the_field(
    app: Flask, api: Api, body: dict[str, Any], field: str
) -> None:
    api.submit("officer", "1.1.1")
    api.act("reviewer", "1.1.1", "forward")
    before = count(app, AuditEntry)
    response = assert_error(api.act("head", "1.1.1", "approve", **body), 422, "invalid_field")
    assert response["message"].startswith(f"{field}:")
    assert count(app, AuditEntry) == before


def test_bodies_that_are_not_json_objects(api: Api) -> None:
    path = f"/api/v1/activities/{api.people.activities['1.1.1']}/actions/withdraw"
    headers = api.headers("officer")
    for raw in ("[1, 2]", '"text"', "3"):
        response = api.client.post(path, data=raw, headers=headers, content_type="application/json")
        assert_error(response, 422, "invalid_body")
    for raw in ("{not json", b"\xff\xfe{}"):
        response = api.client.post(path, data=raw, headers=headers, content_type="application/json")
        assert_error(response, 400, "bad_json")
    lone_surrogate = '{"comment": "\\ud800"}'
    api.submit("officer", "1.1.1")
    response = api.client.post(
        path, data=lone_surrogate, headers=headers, content_type="application/json"
    )
    assert_error(response, 422, "invalid_field")


def test_bad_submit_requests(app: Flask, api: Api) -> None:
    assert_error(api.submit("officer", "1.1.1", expected_version="two"), 422, "invalid_field")
    assert_error(api.submit("officer", "1.1.1", file="x"), 422, "invalid_field")
    assert_error(api.submit("officer", "1.1.1", narrative=""), 422, "evidence_required")
    assert_error(api.submit("officer", "1.1.1", files=[]), 422, "evidence_required")
    assert_error(api.submit("officer", "1.1.1", files=[], links=["javascript:alert(1)"]), 422)
    assert_error(api.submit("officer", "1.1.1", files=[(b"MZ\x90\x00" * 50, "x.pdf")]), 422)
    as_json = api.act("officer", "1.1.1", "submit", narrative="x", links=[LINK])
    assert_error(as_json, 422, "multipart_required")
    assert count(app, Submission) == 0


def test_oversized_requests_answer_413_json(app: Flask, api: Api) -> None:
    app.config["WORKFLOW_MAX_UPLOAD_BYTES"] = 200
    too_big_file = api.submit("officer", "1.1.1", files=[(tiny_pdf("x" * 400), "big.pdf")])
    assert_error(too_big_file, 413, "too_large")
    app.config["MAX_CONTENT_LENGTH"] = 1000
    too_big_request = api.submit("officer", "1.1.1", files=[(tiny_pdf("y" * 2000), "big.pdf")])
    assert_error(too_big_request, 413, "too_large")
    assert count(app, Submission) == 0


# --- Evidence download ------------------------------------------------------------------------


def test_evidence_download_headers_and_bytes(api: Api) -> None:
    pdf = tiny_pdf("download me")
    api.submit("officer", "1.1.1", files=[(pdf, "รายงานผล ไตรมาส 1.pdf")], links=[LINK])
    evidence = api.activity("officer", "1.1.1").get_json()["open_submission"]["evidence"]
    file_item, link_item = evidence
    response = api.get("auditor", file_item["download_url"])
    assert response.status_code == 200
    assert response.data == pdf
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Length"] == str(len(pdf))
    assert response.headers["ETag"] == f'"{file_item["sha256"]}"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f'filename="evidence-{file_item["id"]}.pdf"' in disposition
    quoted = "%E0%B8%A3%E0%B8%B2%E0%B8%A2%E0%B8%87%E0%B8%B2%E0%B8%99%E0%B8%9C%E0%B8%A5"
    assert f"filename*=UTF-8''{quoted}%20" in disposition
    assert disposition.isascii()
    assert_error(api.get("officer", f"/api/v1/evidence/{link_item['id']}"), 404, "not_a_file")
    assert_error(api.get("outsider", file_item["download_url"]), 403, "forbidden")


def test_latin_names_keep_their_words_in_the_fallback(api: Api) -> None:
    api.submit("officer", "1.1.1", files=[(tiny_pdf(), "Rapport café 2568.pdf")])
    item = api.activity("officer", "1.1.1").get_json()["open_submission"]["evidence"][0]
    disposition = api.get("officer", item["download_url"]).headers["Content-Disposition"]
    assert disposition == (
        'attachment; filename="Rapport cafe 2568.pdf"; '
        "filename*=UTF-8''Rapport%20caf%C3%A9%202568.pdf"
    )


def test_missing_stored_file_is_404_not_500(app: Flask, api: Api) -> None:
    api.submit("officer", "1.1.1")
    with app.app_context():
        item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.kind == "file"))
        assert item is not None and item.sha256 is not None
        item_id, digest = item.id, item.sha256
        path = evidence_store().path_for(digest)
    path.chmod(0o644)
    path.unlink()
    assert_error(api.get("officer", f"/api/v1/evidence/{item_id}"), 404, "file_missing")


# --- Trail ------------------------------------------------------------------------------------


def test_trail_lists_every_attempt_with_who_decided(app: Flask, api: Api) -> None:
    first = api.submit("officer", "1.1.1", files=[], links=[LINK]).get_json()
    api.act("reviewer", "1.1.1", "return", comment="ขาดภาพถ่ายกิจกรรม")
    second = api.submit("officer2", "1.1.1").get_json()
    api.act("reviewer2", "1.1.1", "forward")
    approved = api.act("head", "1.1.1", "approve", publishable=True).get_json()

    response = api.get("auditor", f"/api/v1/activities/{api.people.activities['1.1.1']}/trail")
    assert response.status_code == 200
    trail = response.get_json()
    assert (trail["code"], trail["certified_level"], trail["level_count"]) == ("1.1.1", 1, 5)
    levels = trail["levels"]
    assert [level["level"] for level in levels] == [1, 2, 3, 4, 5]
    assert levels[0]["certified"] is True and levels[1]["submissions"] == []
    attempts = levels[0]["submissions"]
    assert [a["id"] for a in attempts] == [first["submission_id"], second["submission_id"]]
    assert [a["status"] for a in attempts] == ["returned", "approved"]
    assert attempts[0]["submitted_by"]["username"] == "officer"
    assert attempts[1]["submitted_by"]["username"] == "officer2"
    assert attempts[0]["evidence"][0]["url"] == LINK
    pdf_item = attempts[1]["evidence"][0]
    assert pdf_item["sha256"] and pdf_item["size"] and pdf_item["filename"] == "รายงานผล.pdf"
    assert pdf_item["download_url"] == f"/api/v1/evidence/{pdf_item['id']}"

    def steps(attempt: dict[str, Any]) -> list[tuple[str, str, str]]:
        return [(d["action"], d["actor"]["username"], d["comment"]) for d in attempt["decisions"]]

    assert steps(attempts[0]) == [
        ("submit", "officer", ""),
        ("return", "reviewer", "ขาดภาพถ่ายกิจกรรม"),
    ]
    assert steps(attempts[1]) == [
        ("submit", "officer2", ""),
        ("forward", "reviewer2", ""),
        ("approve", "head", ""),
    ]
    seqs = [d["audit_seq"] for a in attempts for d in a["decisions"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    assert seqs[0] == first["audit_seq"] and seqs[-1] == approved["audit_seq"]
    with app.app_context():
        actions = dict(
            db.session.execute(
                select(AuditEntry.seq, AuditEntry.action).where(AuditEntry.seq.in_(seqs))
            ).all()
        )
    assert [actions[seq] for seq in seqs] == [
        "workflow.submit",
        "workflow.return",
        "workflow.submit",
        "workflow.forward",
        "workflow.approve",
    ]


@contextmanager
def counted_queries(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_trail_query_count_does_not_grow_with_attempts(app: Flask, api: Api) -> None:
    api.submit("officer", "1.1.1")
    for _ in range(3):
        api.submit("officer", "1.1.2")
        api.act("reviewer", "1.1.2", "return", comment="อีกครั้ง")
    with counted_queries(app) as few:
        api.get("auditor", f"/api/v1/activities/{api.people.activities['1.1.1']}/trail")
    with counted_queries(app) as many:
        api.get("auditor", f"/api/v1/activities/{api.people.activities['1.1.2']}/trail")
    assert len(many) == len(few), many


# --- Error shape and the OpenAPI document ------------------------------------------------------


def test_every_api_error_is_json_with_a_known_status(api: Api) -> None:
    responses = [
        api.get(None, "/api/v1/plans"),
        api.get("outsider", f"/api/v1/activities/{api.people.activities['1.1.1']}"),
        api.get("head", "/api/v1/activities/999"),
        api.client.put("/api/v1/plans"),
        api.act("head", "1.1.1", "approve"),
        api.act("head", "1.1.1", "approve", publishable=1),
    ]
    for response in responses:
        assert response.status_code in ERROR_STATUSES
        assert response.mimetype == "application/json"
        assert_error(response, response.status_code)


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", re.sub(r"\([^)]*\)", "", rule))


def test_openapi_describes_exactly_the_registered_routes(app: Flask, client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    registered = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert all(path.startswith("/api/v1/") for path, _method in registered)
    documented = {
        (path, method)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert registered == documented
    for path, method in documented:
        operation = document["paths"][path][method]
        params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert params == set(re.findall(r"{(\w+)}", path)), path
        assert "200" in operation["responses"] or "201" in operation["responses"]
    action_body = document["paths"]["/api/v1/activities/{activity_id}/actions/{action}"]["post"]
    assert set(action_body["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    error_schema = document["components"]["schemas"]["Error"]
    assert error_schema["required"] == ["error", "message"]


def test_activities_are_counted_from_the_database(app: Flask, api: Api) -> None:
    """Guards the constants above against a change of the seed plan."""
    with app.app_context():
        codes = set(db.session.scalars(select(Activity.code)))
    assert codes == ALL_CODES
