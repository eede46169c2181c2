"""The engine end to end on the real database: lifecycle, refusals, evidence and audit."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from sqlalchemy import func, select

from state_machines import Action
from tests.integration.conftest import People
from tests.integration.workflow_support import act, activity, pdf
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db
from workflow_app.workflow.errors import WorkflowFailure
from workflow_app.workflow.models import EvidenceItem, Submission, WorkflowDecision
from workflow_app.workflow.operations import FileUpload


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def certify(people: People, code: str, times: int = 1) -> None:
    for _ in range(times):
        act(people, "officer", code, "submit")
        act(people, "reviewer", code, "forward")
        act(people, "head", code, "approve")


def test_a_level_is_certified_by_three_people(app_ctx: Flask, people: People) -> None:
    before = audit_count()
    submitted = act(
        people, "officer", "1.1.1", "submit", files=[pdf()], links=["https://www.mfa.go.th/x"]
    )
    assert (submitted.from_state, submitted.to_state) == ("open", "submitted")
    forwarded = act(people, "reviewer", "1.1.1", "forward", expected_version=submitted.version)
    approved = act(people, "head", "1.1.1", "approve", expected_version=forwarded.version)
    assert approved.to_state == "open" and approved.certified_level == 1
    row = activity(people, "1.1.1")
    assert (row.state, row.certified_level, row.version) == ("open", 1, 4)
    assert audit_count() == before + 3
    submission = db.session.get(Submission, submitted.submission_id)
    assert submission is not None
    assert (submission.status, submission.level, submission.forwarded_by_id) == (
        "approved",
        1,
        people.ids["reviewer"],
    )
    kinds = [(e.kind, e.filename, e.url) for e in submission.evidence]
    assert kinds == [("file", "รายงานผล.pdf", None), ("link", None, "https://www.mfa.go.th/x")]
    actions = db.session.scalars(
        select(WorkflowDecision.action).order_by(WorkflowDecision.id)
    ).all()
    assert actions == ["submit", "forward", "approve"]


def test_audit_entry_of_a_submission_holds_each_file_hash(app_ctx: Flask, people: People) -> None:
    outcome = act(people, "officer", "1.1.1", "submit", files=[pdf(), pdf("b.pdf", b"2")])
    entry = db.session.get(AuditEntry, outcome.audit_seq)
    assert entry is not None and entry.action == "workflow.submit"
    hashes = db.session.scalars(
        select(EvidenceItem.sha256).where(EvidenceItem.submission_id == outcome.submission_id)
    ).all()
    for digest in hashes:
        assert digest is not None and digest.encode() in entry.body
    assert entry.activity_id == people.activities["1.1.1"] and entry.level == 1


def test_reaching_the_target_then_completing(app_ctx: Flask, people: People) -> None:
    certify(people, "4.1.2", times=4)  # target ระดับ ๔ of five levels
    row = activity(people, "4.1.2")
    assert row.target_met and row.state == "open"
    certify(people, "4.1.2")
    row = activity(people, "4.1.2")
    assert (row.state, row.certified_level) == ("completed", 5)
    with pytest.raises(WorkflowFailure) as refused:
        act(people, "officer", "4.1.2", "submit")
    assert refused.value.status == 409


def test_return_keeps_the_old_submission_and_resubmission_is_new(
    app_ctx: Flask, people: People
) -> None:
    first = act(people, "officer", "1.1.2", "submit")
    act(people, "reviewer", "1.1.2", "return", comment="ขาดภาพถ่ายกิจกรรม")
    assert activity(people, "1.1.2").state == "returned"
    second = act(people, "officer", "1.1.2", "submit")
    assert second.submission_id != first.submission_id
    old = db.session.get(Submission, first.submission_id)
    assert old is not None and old.status == "returned"
    act(people, "reviewer", "1.1.2", "forward")
    act(people, "head", "1.1.2", "return", comment="ตัวเลขไม่ตรงกับรายงาน")
    comments = db.session.scalars(
        select(WorkflowDecision.comment).where(WorkflowDecision.action == "return")
    ).all()
    assert comments == ["ขาดภาพถ่ายกิจกรรม", "ตัวเลขไม่ตรงกับรายงาน"]


def test_withdraw_before_review(app_ctx: Flask, people: People) -> None:
    outcome = act(people, "officer", "1.1.1", "submit")
    with pytest.raises(WorkflowFailure) as refused:
        act(people, "officer2", "1.1.1", "withdraw")
    assert (refused.value.status, refused.value.code) == (403, "not_the_submitter")
    act(people, "officer", "1.1.1", "withdraw")
    assert activity(people, "1.1.1").state == "open"
    submission = db.session.get(Submission, outcome.submission_id)
    assert submission is not None and submission.status == "withdrawn"


def test_revoke_drops_the_highest_level_with_a_reason(app_ctx: Flask, people: People) -> None:
    certify(people, "4.1.1", times=2)
    with pytest.raises(WorkflowFailure) as refused:
        act(people, "head", "4.1.1", "revoke", comment="  ")
    assert (refused.value.status, refused.value.code) == (422, "reason_required")
    outcome = act(people, "head2", "4.1.1", "revoke", comment="ผลตรวจสอบภายในพบว่าไม่ครบ")
    assert outcome.certified_level == 1
    revoked = db.session.scalars(select(Submission).where(Submission.status == "revoked")).all()
    assert [s.level for s in revoked] == [2]


@pytest.mark.parametrize(
    ("username", "action", "status", "code"),
    [
        ("reviewer", "submit", 403, "wrong_role"),
        ("outsider", "submit", 403, "out_of_scope"),
        ("auditor", "submit", 403, "auditor_read_only"),
        ("admin", "submit", 403, "admin_does_not_certify"),
        ("head", "approve", 409, "wrong_state"),
        ("head", "revoke", 409, "nothing_to_revoke"),
    ],
)
def test_refusals_carry_a_status_and_reason(
    app_ctx: Flask, people: People, username: str, action: str, status: int, code: str
) -> None:
    before = audit_count()
    with pytest.raises(WorkflowFailure) as refused:
        act(people, username, "1.1.1", action)
    assert (refused.value.status, refused.value.code) == (status, code)
    assert refused.value.message
    assert audit_count() == before


def test_nobody_reviews_or_approves_their_own_submission(app_ctx: Flask, people: People) -> None:
    act(people, "multi", "1.1.1", "submit")
    with pytest.raises(WorkflowFailure) as own_review:
        act(people, "multi", "1.1.1", "forward")
    assert own_review.value.code == "own_submission"
    act(people, "reviewer", "1.1.1", "forward")
    with pytest.raises(WorkflowFailure) as own_approval:
        act(people, "multi", "1.1.1", "approve")
    assert own_approval.value.code == "own_submission"


def test_the_reviewer_does_not_also_approve(app_ctx: Flask, people: People) -> None:
    act(people, "officer", "1.1.1", "submit")
    act(people, "multi", "1.1.1", "forward")
    with pytest.raises(WorkflowFailure) as refused:
        act(people, "multi", "1.1.1", "approve")
    assert refused.value.code == "reviewed_it"
    assert act(people, "head", "1.1.1", "approve").certified_level == 1


def test_stale_version_is_a_conflict(app_ctx: Flask, people: People) -> None:
    outcome = act(people, "officer", "1.1.1", "submit")
    with pytest.raises(WorkflowFailure) as refused:
        act(people, "reviewer", "1.1.1", "forward", expected_version=outcome.version - 1)
    assert (refused.value.status, refused.value.code) == (409, "stale_version")
    assert activity(people, "1.1.1").state == "submitted"


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"narrative": "  "}, 422, "evidence_required"),
        ({"files": [], "links": []}, 422, "evidence_required"),
        ({"files": [], "links": ["javascript:alert(1)"]}, 422, "bad_link"),
        ({"files": [(b"", "empty.pdf")]}, 422, "empty_file"),
        ({"files": [(b"MZ\x90\x00" * 50, "x.pdf")]}, 422, "refused_type"),
    ],
)
def test_bad_submissions_write_nothing(
    app_ctx: Flask, people: People, fields: dict[str, object], status: int, code: str
) -> None:
    before = audit_count()
    fields = dict(fields)  # the parameter set is shared by both database runs
    if "files" in fields:  # fresh streams for each run
        fields["files"] = [FileUpload(io.BytesIO(data), name) for data, name in fields["files"]]
    with pytest.raises(WorkflowFailure) as refused:
        act(people, "officer", "1.1.1", "submit", **fields)
    assert (refused.value.status, refused.value.code) == (status, code)
    assert audit_count() == before
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    assert activity(people, "1.1.1").state == "open"


def test_oversize_file_is_413(app: Flask, people: People) -> None:
    app.config["WORKFLOW_MAX_UPLOAD_BYTES"] = 100
    with app.app_context(), pytest.raises(WorkflowFailure) as refused:
        act(people, "officer", "1.1.1", "submit", files=[pdf(extra=b"x" * 200)])
    assert (refused.value.status, refused.value.code) == (413, "too_large")


def test_unknown_activity_is_404(app_ctx: Flask, people: People) -> None:
    people.activities["9.9.9"] = 999_999
    with pytest.raises(WorkflowFailure) as refused:
        act(people, "officer", "9.9.9", Action.SUBMIT)
    assert refused.value.status == 404


def test_return_and_revoke_without_any_comment_are_refused(app_ctx: Flask, people: People) -> None:
    act(people, "officer", "1.1.1", "submit")
    with pytest.raises(WorkflowFailure) as refused:
        act(people, "reviewer", "1.1.1", "return", comment=None)
    assert (refused.value.status, refused.value.code) == (422, "comment_required")
    act(people, "reviewer", "1.1.1", "forward")
    act(people, "head", "1.1.1", "approve")
    with pytest.raises(WorkflowFailure) as no_reason:
        act(people, "head", "1.1.1", "revoke", comment=None)
    assert (no_reason.value.status, no_reason.value.code) == (422, "reason_required")


def test_nul_characters_are_refused_on_both_databases(app_ctx: Flask, people: People) -> None:
    with pytest.raises(WorkflowFailure) as refused:
        act(people, "officer", "1.1.1", "submit", narrative="ผลการดำเนินงาน\x00")
    assert (refused.value.status, refused.value.code) == (422, "invalid")
    assert activity(people, "1.1.1").state == "open"


def test_scope_reaches_through_a_deep_unit_tree(app_ctx: Flask, people: People) -> None:
    # The engine reads the stored path: an activity six levels below the officer's unit must
    # still be in their scope, and outside the outsider's.
    from workflow_app.accounts.models import Unit
    from workflow_app.accounts.unit_tree import unit_path

    parent = db.session.get(Unit, people.secretariat_id)
    assert parent is not None
    chain = []
    for depth in range(6):
        parent = Unit(name=f"งานย่อย {depth}", kind="section", parent=parent)
        db.session.add(parent)
        chain.append(parent)
    db.session.flush()
    row = activity(people, "1.1.1")
    row.unit_id = chain[-1].id
    db.session.commit()

    expected = (
        *(unit.id for unit in reversed(chain)),
        people.secretariat_id,
        people.department_id,
    )
    assert unit_path(db.session, chain[-1].id) == expected
    with pytest.raises(WorkflowFailure) as refused:
        act(people, "outsider", "1.1.1", "submit")
    assert refused.value.code == "out_of_scope"
    assert act(people, "officer", "1.1.1", "submit").to_state == "submitted"
