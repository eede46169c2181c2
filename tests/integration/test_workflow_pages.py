"""The workflow pages in a browser's shoes: forms with CSRF tokens and multipart uploads, on the
real app and database (both engines): activity, submit, review and "My work"."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from werkzeug.test import TestResponse

from tests.conftest import csrf_token_from, login
from tests.integration.api_support import LINK, tiny_pdf
from tests.integration.conftest import PASSWORD, People
from tests.integration.workflow_support import act
from workflow_app.extensions import db
from workflow_app.plans.models import Activity
from workflow_app.workflow.models import Submission, WorkflowDecision

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
VERSION = re.compile(r'name="expected_version"[^>]*value="(\d+)"')


# --- Helpers: a signed-in browser, forms as a browser sends them --------------------------------


def sign_in(app: Flask, who: str, *, english: bool = True) -> FlaskClient:
    """A browser signed in as `who`; English so that assertions can read the messages (the
    Thai catalogue is filled in later)."""
    client = app.test_client()
    login(client, who, PASSWORD)
    if english:
        token = csrf_token_from(client.get("/inbox").text)
        client.post("/language", data={"locale": "en", "csrf_token": token, "next": "/inbox"})
    return client


def setup(app: Flask, people: People, *steps: tuple[Any, ...]) -> None:
    """Fire actions straight through the engine: (who, code, action, {fields})."""
    with app.app_context():
        for step in steps:
            who, code, action, *rest = step
            act(people, who, code, action, **(rest[0] if rest else {}))


def activity_url(people: People, code: str, suffix: str = "") -> str:
    return f"/activities/{people.activities[code]}{suffix}"


def form_fields(html: str) -> dict[str, str]:
    version = VERSION.search(html)
    assert version, "page has no action form"
    return {"csrf_token": csrf_token_from(html), "expected_version": version.group(1)}


def post_action(
    client: FlaskClient, people: People, code: str, action: str, *, page: str = "", **data: Any
) -> TestResponse:
    """Post one action as the page's form does, with the token and version the page shows."""
    html = client.get(activity_url(people, code, page)).text
    return client.post(
        activity_url(people, code, f"/actions/{action}"), data={**form_fields(html), **data}
    )


def submit_evidence(
    client: FlaskClient,
    people: People,
    code: str,
    *,
    narrative: str = "จัดประชุมคณะทำงานครบทุกไตรมาส",
    links: str = LINK,
    files: list[tuple[bytes, str]] | None = None,
    **extra: Any,
) -> TestResponse:
    html = client.get(activity_url(people, code, "/submit")).text
    chosen = [(tiny_pdf(), "รายงานผล.pdf")] if files is None else files
    data: dict[str, Any] = {
        **form_fields(html),
        "narrative": narrative,
        "links": links,
        "files": [(io.BytesIO(content), name) for content, name in chosen],
        **extra,
    }
    return client.post(
        activity_url(people, code, "/submit"), data=data, content_type="multipart/form-data"
    )


def assert_csp_clean(html: str) -> None:
    """The CSP forbids inline script and style: every script comes from a file, no style=."""
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.search(r"<[^>]*\s(style|on[a-z]+)=", html) is None


def panel(html: str, action: str) -> str:
    """The markup of one action's panel (form or reason), or "" when the page has none."""
    match = re.search(
        rf'<div class="mb-3 pb-3 border-bottom" id="action-{action}".*?(?=<div class="mb-3 pb-3 '
        rf'border-bottom" id="action-|</section>)',
        html,
        re.DOTALL,
    )
    return match.group(0) if match else ""


def queue_codes(html: str, queue: str) -> list[str]:
    match = re.search(rf'data-queue="{queue}"(.*?)</section>', html, re.DOTALL)
    assert match, f"no {queue} queue on the page"
    return re.findall(r'data-code="([\d.]+)"', match.group(1))


def queue_count(html: str, queue: str) -> int:
    match = re.search(rf'data-queue="{queue}".*?data-count="(\d+)"', html, re.DOTALL)
    assert match
    return int(match.group(1))


def submissions(app: Flask, people: People, code: str) -> list[Submission]:
    with app.app_context():
        rows = db.session.scalars(
            select(Submission)
            .where(Submission.activity_id == people.activities[code])
            .order_by(Submission.id)
        ).all()
        for row in rows:
            _ = row.evidence  # loaded before the context closes
        db.session.expunge_all()
        return list(rows)


def stored_activity(app: Flask, people: People, code: str) -> tuple[str, int, int]:
    with app.app_context():
        row = db.session.get(Activity, people.activities[code])
        assert row is not None
        return row.state, row.certified_level, row.version


def criterion(app: Flask, people: People, code: str, number: int) -> str:
    with app.app_context():
        row = db.session.get(Activity, people.activities[code])
        assert row is not None
        return next(level.criterion for level in row.levels if level.number == number)


# --- Whole rounds -------------------------------------------------------------------------------


def test_a_full_round_through_the_pages(app: Flask, people: People) -> None:
    officer = sign_in(app, "officer")
    form = officer.get(activity_url(people, "1.1.1", "/submit"))
    assert form.status_code == 200
    assert criterion(app, people, "1.1.1", 1) in form.text
    assert "20 MB" in form.text and 'type="file"' in form.text and " multiple" in form.text
    assert 'enctype="multipart/form-data"' in form.text
    assert "js/evidence-upload.js" in form.text
    assert_csp_clean(form.text)

    sent = submit_evidence(officer, people, "1.1.1", narrative="ประชุมคณะทำงาน ๔ ครั้ง")
    assert sent.status_code == 302, sent.text[:2000]
    assert sent.headers["Location"].endswith(activity_url(people, "1.1.1"))
    page = officer.get(sent.headers["Location"]).text
    assert "was sent for review" in page
    assert "ประชุมคณะทำงาน ๔ ครั้ง" in page and "รายงานผล.pdf" in page and LINK in page

    download = re.search(r'href="(/api/v1/evidence/\d+)"', page)
    assert download
    got = officer.get(download.group(1))
    assert got.status_code == 200 and got.data == tiny_pdf()
    assert got.mimetype == "application/pdf"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in got.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in got.headers["Content-Disposition"]

    reviewer = sign_in(app, "reviewer")
    review = reviewer.get(activity_url(people, "1.1.1", "/review")).text
    assert criterion(app, people, "1.1.1", 1) in review and "ประชุมคณะทำงาน ๔ ครั้ง" in review
    assert 'data-action="forward" data-allowed="yes"' in review
    assert 'data-action="return" data-allowed="yes"' in review
    assert 'id="action-approve"' not in review
    assert_csp_clean(review)
    forwarded = post_action(
        reviewer, people, "1.1.1", "forward", page="/review", comment="ครบถ้วน", origin="review"
    )
    assert forwarded.status_code == 302
    assert "Forwarded to the division head" in reviewer.get(forwarded.headers["Location"]).text

    head = sign_in(app, "head")
    review = head.get(activity_url(people, "1.1.1", "/review")).text
    assert 'data-action="approve" data-allowed="yes"' in review
    assert 'name="publishable"' in review and "Publishable on the department" in review
    assert 'id="action-forward"' not in review
    approved = post_action(
        head, people, "1.1.1", "approve", page="/review", publishable="y", origin="review"
    )
    assert approved.status_code == 302
    page = head.get(approved.headers["Location"]).text
    assert "Level 1 is certified." in page
    level_one = re.search(r'id="level-1".*?</li>', page, re.DOTALL)
    assert level_one and "Certified by head" in level_one.group(0)
    assert "publishable on the department" in level_one.group(0)
    assert re.search(r'id="level-2"[^>]*aria-current="step"', page)
    assert re.findall(r'<li data-action="(\w+)" data-seq', page) == ["submit", "forward", "approve"]
    assert "ครบถ้วน" in page  # the reviewer's note is in the timeline
    assert_csp_clean(page)
    assert_csp_clean(head.get("/inbox").text)

    assert stored_activity(app, people, "1.1.1")[:2] == ("open", 1)
    [submission] = submissions(app, people, "1.1.1")
    assert (submission.status, submission.publishable) == ("approved", True)
    assert [(e.kind, e.filename, e.url) for e in submission.evidence] == [
        ("file", "รายงานผล.pdf", None),
        ("link", None, LINK),
    ]


def test_return_and_resubmission_through_the_pages(app: Flask, people: People) -> None:
    officer = sign_in(app, "officer")
    reviewer = sign_in(app, "reviewer")
    assert submit_evidence(officer, people, "1.1.2", narrative="รอบแรก").status_code == 302

    no_comment = post_action(reviewer, people, "1.1.2", "return", comment="   ")
    assert no_comment.status_code == 422
    assert 'data-error-code="comment_required"' in no_comment.text
    assert "Returning evidence requires a comment" in no_comment.text
    # From the review page, the review page comes back, with the note that was typed.
    from_review = post_action(
        reviewer, people, "1.1.2", "forward", page="/review", origin="review", comment="x" * 5000
    )
    assert from_review.status_code == 422 and "data-criterion" in from_review.text
    assert "x" * 5000 + "</textarea>" in from_review.text
    returned = post_action(reviewer, people, "1.1.2", "return", comment="ขาดรายชื่อผู้เข้าร่วม")
    assert returned.status_code == 302

    inbox = officer.get("/inbox").text
    assert "1.1.2" in queue_codes(inbox, "officer") and "ขาดรายชื่อผู้เข้าร่วม" in inbox
    page = officer.get(activity_url(people, "1.1.2")).text
    assert re.search(r"data-return-comment>.*ขาดรายชื่อผู้เข้าร่วม", page, re.DOTALL)

    form = officer.get(activity_url(people, "1.1.2", "/submit")).text
    assert "ขาดรายชื่อผู้เข้าร่วม" in form  # why it came back, beside the form
    assert "รอบแรก</textarea>" in form and LINK in form  # the earlier answer, ready to amend
    [first] = submissions(app, people, "1.1.2")
    kept_file = first.evidence[0]
    assert re.search(rf'name="keep_file" value="{kept_file.id}"[^>]*checked', form)

    again = submit_evidence(
        officer,
        people,
        "1.1.2",
        narrative="รอบสอง พร้อมรายชื่อ",
        files=[],
        links=f"{LINK}\nhttps://www.mfa.go.th/names",
        keep_file=[str(kept_file.id)],
    )
    assert again.status_code == 302, again.text[:2000]
    first, second = submissions(app, people, "1.1.2")
    assert (first.status, second.status) == ("returned", "submitted")
    assert [e.sha256 for e in second.evidence if e.kind == "file"] == [kept_file.sha256]
    assert [e.url for e in second.evidence if e.kind == "link"] == [
        LINK,
        "https://www.mfa.go.th/names",
    ]
    page = officer.get(activity_url(people, "1.1.2")).text
    assert re.findall(r'<li data-action="(\w+)" data-seq', page) == ["submit", "return", "submit"]


def test_withdraw_and_revoke_through_the_pages(app: Flask, people: People) -> None:
    setup(
        app,
        people,
        ("officer", "2.1.1", "submit"),
        ("reviewer", "2.1.1", "forward"),
        ("head", "2.1.1", "approve"),
        ("officer", "2.1.1", "submit"),
    )
    officer = sign_in(app, "officer")
    withdrawn = post_action(officer, people, "2.1.1", "withdraw")
    assert withdrawn.status_code == 302
    assert stored_activity(app, people, "2.1.1")[:2] == ("open", 1)

    head = sign_in(app, "head")
    no_reason = post_action(head, people, "2.1.1", "revoke", comment="")
    assert no_reason.status_code == 422 and 'data-error-code="reason_required"' in no_reason.text
    revoked = post_action(head, people, "2.1.1", "revoke", comment="หลักฐานไม่ตรงเกณฑ์")
    assert revoked.status_code == 302
    assert "Level 1 is no longer certified." in head.get(revoked.headers["Location"]).text
    assert stored_activity(app, people, "2.1.1")[:2] == ("open", 0)


# --- Forms that come back -----------------------------------------------------------------------


def test_field_errors_keep_the_narrative_and_links(app: Flask, people: People) -> None:
    officer = sign_in(app, "officer")
    bad_link = submit_evidence(
        officer,
        people,
        "1.1.1",
        narrative="",
        links="https://www.mfa.go.th/ok\njavascript:alert(1)",
        files=[(tiny_pdf(), "a.pdf")],
    )
    assert bad_link.status_code == 422
    assert "Describe what was done to meet this level." in bad_link.text
    assert "Line 2: Only web links starting with http:// or https:// are accepted." in bad_link.text
    assert "https://www.mfa.go.th/ok\njavascript:alert(1)</textarea>" in bad_link.text
    assert "data-files-lost" in bad_link.text and "Choose them again" in bad_link.text

    no_evidence = submit_evidence(
        officer, people, "1.1.1", narrative="ทำแล้ว <b>ครบ</b>", links="", files=[]
    )
    assert no_evidence.status_code == 422
    assert "Attach at least one file or link." in no_evidence.text
    assert "ทำแล้ว &lt;b&gt;ครบ&lt;/b&gt;</textarea>" in no_evidence.text
    assert "data-files-lost" not in no_evidence.text  # nothing was chosen, nothing was lost
    assert submissions(app, people, "1.1.1") == []


def test_a_refused_file_type_is_explained_and_the_form_kept(app: Flask, people: People) -> None:
    officer = sign_in(app, "officer")
    program = b"MZ\x90\x00" + b"\x00" * 200
    refused = submit_evidence(
        officer,
        people,
        "1.1.1",
        narrative="แนบโปรแกรมผิดไฟล์",
        files=[(tiny_pdf(), "ok.pdf"), (program, "setup.exe")],
    )
    assert refused.status_code == 422
    assert "This file cannot be accepted." in refused.text and "setup.exe" in refused.text
    assert "is-invalid" in refused.text
    assert "แนบโปรแกรมผิดไฟล์</textarea>" in refused.text and LINK in refused.text
    assert "data-files-lost" in refused.text
    assert submissions(app, people, "1.1.1") == []


def test_an_oversized_file_is_413_and_the_form_kept(app: Flask, people: People) -> None:
    app.config["WORKFLOW_MAX_UPLOAD_BYTES"] = 1000
    officer = sign_in(app, "officer")
    form = officer.get(activity_url(people, "1.1.1", "/submit")).text
    assert 'data-max-bytes="1000"' in form and "1,000 B" in form
    too_big = submit_evidence(
        officer, people, "1.1.1", narrative="ไฟล์ใหญ่", files=[(tiny_pdf() + b" " * 2000, "a.pdf")]
    )
    assert too_big.status_code == 413
    assert "The file is larger than the limit." in too_big.text
    assert "ไฟล์ใหญ่</textarea>" in too_big.text


# --- Who sees which buttons, and why not ------------------------------------------------------


def test_buttons_and_reasons_follow_the_definition(app: Flask, people: People) -> None:
    setup(app, people, ("multi", "1.1.1", "submit"))
    multi = sign_in(app, "multi")
    for suffix in ("", "/review"):
        page = multi.get(activity_url(people, "1.1.1", suffix)).text
        forward = panel(page, "forward")
        assert 'data-allowed="no"' in forward and 'data-refusal="own_submission"' in forward
        assert "Nobody may review, approve or return their own submission." in forward
        assert "/actions/forward" not in page and "/actions/return" not in page
    assert 'data-allowed="yes"' in panel(multi.get(activity_url(people, "1.1.1")).text, "withdraw")

    reviewer_page = sign_in(app, "reviewer").get(activity_url(people, "1.1.1")).text
    assert 'data-allowed="yes"' in panel(reviewer_page, "forward")
    assert "/actions/forward" in reviewer_page
    assert panel(reviewer_page, "withdraw") == "" and panel(reviewer_page, "approve") == ""

    other_officer = sign_in(app, "officer2").get(activity_url(people, "1.1.1")).text
    assert 'data-refusal="not_the_submitter"' in panel(other_officer, "withdraw")
    # The officer's own main action is explained too: the state does not allow it now.
    submit = panel(other_officer, "submit")
    assert 'data-refusal="wrong_state"' in submit and "Waiting for review" in submit
    assert "/submit" not in submit

    auditor = sign_in(app, "auditor").get(activity_url(people, "1.1.1")).text
    assert "/actions/" not in auditor and "data-account-note" in auditor
    assert "Auditors have read-only access." in auditor

    admin = sign_in(app, "admin").get(activity_url(people, "1.1.1")).text
    assert "/actions/" not in admin and "they do not submit, review or certify" in admin

    # Whoever forwarded does not also approve.
    setup(app, people, ("officer", "1.1.2", "submit"), ("multi", "1.1.2", "forward"))
    review = multi.get(activity_url(people, "1.1.2", "/review")).text
    assert 'data-refusal="reviewed_it"' in panel(review, "approve")
    assert "/actions/approve" not in review
    head_review = sign_in(app, "head").get(activity_url(people, "1.1.2", "/review")).text
    assert "/actions/approve" in head_review and "/actions/return" in head_review


def test_submit_page_explains_why_not(app: Flask, people: People) -> None:
    setup(app, people, ("officer", "1.1.1", "submit"))
    officer = sign_in(app, "officer")
    waiting = officer.get(activity_url(people, "1.1.1", "/submit"))
    assert waiting.status_code == 409 and "data-blocked" in waiting.text
    assert "is not possible while the activity is" in waiting.text
    assert 'type="file"' not in waiting.text
    reviewer = sign_in(app, "reviewer").get(activity_url(people, "1.1.2", "/submit"))
    assert reviewer.status_code == 403 and "Your role does not allow this action." in reviewer.text

    nothing = sign_in(app, "head").get(activity_url(people, "1.1.2", "/review"))
    assert nothing.status_code == 200 and "data-nothing-pending" in nothing.text


# --- Allowed, forbidden, missing ----------------------------------------------------------------

PAGES = ("", "/submit", "/review")
# On 1.1.1 (secretariat, open): who gets what on the activity, submit and review pages.
EXPECTED = {
    "officer": (200, 200, 200),
    "officer2": (200, 200, 200),
    "multi": (200, 200, 200),
    "reviewer": (200, 403, 200),
    "reviewer2": (200, 403, 200),
    "head": (200, 403, 200),
    "auditor": (200, 403, 200),
    "admin": (200, 403, 200),
    "outsider": (403, 403, 403),
}


def test_every_page_for_every_role(app: Flask, people: People) -> None:
    anonymous = app.test_client()
    for suffix in (*PAGES, "/actions/forward"):
        assert anonymous.get(activity_url(people, "1.1.1", suffix)).status_code in (302, 405)
    assert anonymous.get("/inbox").status_code == 302

    for who, statuses in EXPECTED.items():
        client = sign_in(app, who, english=False)
        for suffix, status in zip(PAGES, statuses, strict=True):
            response = client.get(activity_url(people, "1.1.1", suffix))
            assert response.status_code == status, (who, suffix, response.status_code)
        assert client.get("/inbox").status_code == 200
        for suffix in PAGES:
            assert client.get(f"/activities/999999{suffix}").status_code == 404
            assert client.get(f"/activities/99999999999{suffix}").status_code == 404

    # The officer of the secretariat does not see the department's own activities.
    officer = sign_in(app, "officer", english=False)
    assert officer.get(activity_url(people, "3.1.2")).status_code == 403
    token = csrf_token_from(officer.get("/inbox").text)
    missing = officer.post(
        "/activities/999999/actions/forward", data={"csrf_token": token, "expected_version": "1"}
    )
    assert missing.status_code == 404
    unknown = officer.post(
        activity_url(people, "1.1.1", "/actions/publish"),
        data={"csrf_token": token, "expected_version": "1"},
    )
    assert unknown.status_code == 404


def test_read_only_and_outside_accounts_cannot_act(app: Flask, people: People) -> None:
    setup(app, people, ("officer", "1.1.1", "submit"))
    before = stored_activity(app, people, "1.1.1")
    refusals = {
        "auditor": "auditor_read_only",
        "admin": "admin_does_not_certify",
        "outsider": None,  # may not even see the activity
    }
    for who, code in refusals.items():
        client = sign_in(app, who)
        # Their pages offer no form, so the request is made by hand, as an attacker would.
        token = csrf_token_from(client.get("/inbox").text)
        for action in ("forward", "return", "approve", "withdraw"):
            response = client.post(
                activity_url(people, "1.1.1", f"/actions/{action}"),
                data={"csrf_token": token, "expected_version": str(before[2]), "comment": "x"},
            )
            assert response.status_code == 403, (who, action)
            if code is not None:
                assert f'data-error-code="{code}"' in response.text
        sent = client.post(
            activity_url(people, "1.1.2", "/submit"),
            data={
                "csrf_token": token,
                "expected_version": "1",
                "narrative": "x",
                "files": [(io.BytesIO(tiny_pdf()), "a.pdf")],
            },
            content_type="multipart/form-data",
        )
        assert sent.status_code == 403, who
    assert stored_activity(app, people, "1.1.1") == before
    assert submissions(app, people, "1.1.2") == []


def test_posts_without_a_csrf_token_are_refused(app: Flask, people: People) -> None:
    setup(app, people, ("officer", "1.1.1", "submit"))
    reviewer = sign_in(app, "reviewer")
    html = reviewer.get(activity_url(people, "1.1.1")).text
    data = form_fields(html)
    del data["csrf_token"]
    refused = reviewer.post(activity_url(people, "1.1.1", "/actions/forward"), data=data)
    assert refused.status_code == 400
    officer = sign_in(app, "officer")
    upload = officer.post(
        activity_url(people, "1.1.2", "/submit"),
        data={
            "narrative": "x",
            "expected_version": "1",
            "files": [(io.BytesIO(tiny_pdf()), "a.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 400
    assert stored_activity(app, people, "1.1.1")[0] == "submitted"
    assert submissions(app, people, "1.1.2") == []


def test_a_stale_page_gets_the_conflict_and_keeps_the_comment(app: Flask, people: People) -> None:
    setup(app, people, ("officer", "1.1.1", "submit"))
    reviewer = sign_in(app, "reviewer")
    html = reviewer.get(activity_url(people, "1.1.1")).text
    old = form_fields(html)
    # Meanwhile the officer withdraws and submits again: same state, newer version.
    setup(app, people, ("officer", "1.1.1", "withdraw"), ("officer", "1.1.1", "submit"))
    stale = reviewer.post(
        activity_url(people, "1.1.1", "/actions/forward"), data={**old, "comment": "ดูแล้ว"}
    )
    assert stale.status_code == 409
    assert 'data-error-code="stale_version"' in stale.text
    assert "Someone changed this activity after you opened it." in stale.text
    assert "ดูแล้ว</textarea>" in stale.text
    # The page now carries the current version: sending again works.
    assert form_fields(stale.text)["expected_version"] == str(
        stored_activity(app, people, "1.1.1")[2]
    )
    again = reviewer.post(
        activity_url(people, "1.1.1", "/actions/forward"),
        data={**form_fields(stale.text), "comment": "ดูแล้ว"},
    )
    assert again.status_code == 302


# --- Nothing user-supplied runs -------------------------------------------------------------------


def test_user_text_is_escaped_on_every_page(app: Flask, people: People) -> None:
    officer = sign_in(app, "officer")
    reviewer = sign_in(app, "reviewer")
    xss_link = f"https://example.org/?q={XSS}"
    sent = submit_evidence(
        officer,
        people,
        "1.1.1",
        narrative=f"รายงาน {XSS}",
        links=xss_link,
        files=[(tiny_pdf(), f"{XSS}.pdf")],
    )
    assert sent.status_code == 302, sent.text[:2000]
    review = reviewer.get(activity_url(people, "1.1.1", "/review")).text
    returned = post_action(reviewer, people, "1.1.1", "return", comment=f"แก้ไข {XSS}")
    assert returned.status_code == 302
    pages = {
        "review": review,
        "activity": officer.get(activity_url(people, "1.1.1")).text,
        "inbox": officer.get("/inbox").text,
        "submit": officer.get(activity_url(people, "1.1.1", "/submit")).text,
    }
    for name, html in pages.items():
        assert XSS not in html, name
        assert "<script>alert" not in html, name
    assert f"รายงาน {XSS_ESCAPED}" in pages["review"]
    assert f"รายงาน {XSS_ESCAPED}" in pages["activity"]
    assert f"แก้ไข {XSS_ESCAPED}" in pages["activity"]  # return comment and timeline
    assert pages["activity"].count(f"แก้ไข {XSS_ESCAPED}") >= 2
    assert f"แก้ไข {XSS_ESCAPED}" in pages["inbox"]
    # The store strips <>" from names; what is left is shown as text.
    [submission] = submissions(app, people, "1.1.1")
    filename = submission.evidence[0].filename
    assert filename is not None and "<" not in filename
    assert filename in pages["review"] and filename in pages["activity"]

    # Resubmitted: the review page shows the new narrative, the earlier attempt's comment.
    setup(app, people, ("officer", "1.1.1", "submit", {"narrative": f"ครั้งที่สอง {XSS}"}))
    review = reviewer.get(activity_url(people, "1.1.1", "/review")).text
    assert XSS not in review
    assert f"ครั้งที่สอง {XSS_ESCAPED}" in review and f"แก้ไข {XSS_ESCAPED}" in review


# --- My work --------------------------------------------------------------------------------------


def test_the_inbox_lists_each_roles_work(
    app: Flask, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["WORKFLOW_TODAY"] = "2025-01-15"  # FY 2568, quarter 2
    setup(
        app,
        people,
        ("officer", "1.1.1", "submit"),
        ("multi", "1.1.2", "submit"),
        ("officer", "2.1.1", "submit"),
        ("reviewer", "2.1.1", "forward"),
        ("officer", "2.2.1", "submit"),
        ("multi", "2.2.1", "forward"),
        ("officer", "4.1.1", "submit"),
        ("reviewer", "4.1.1", "return", {"comment": "เพิ่มภาพกิจกรรม"}),
    )
    officer = sign_in(app, "officer").get("/inbox").text
    # Open or returned, in the officer's units; the quarter-2 ones first, then by code.
    assert queue_codes(officer, "officer") == ["4.1.1", "4.1.2"]
    assert queue_count(officer, "officer") == 2
    assert "เพิ่มภาพกิจกรรม" in officer
    assert 'data-queue="reviewer"' not in officer

    reviewer = sign_in(app, "reviewer").get("/inbox").text
    assert queue_codes(reviewer, "reviewer") == ["1.1.1", "1.1.2"]
    multi = sign_in(app, "multi").get("/inbox").text
    assert queue_codes(multi, "reviewer") == ["1.1.1"]  # not their own 1.1.2
    assert queue_codes(multi, "division_head") == ["2.1.1"]  # not 2.2.1, which they forwarded
    assert queue_codes(multi, "officer") == ["3.1.2", "4.1.1", "4.1.2", "4.2.1"]
    head = sign_in(app, "head").get("/inbox").text
    assert queue_codes(head, "division_head") == ["2.1.1", "2.2.1"]
    assert queue_count(head, "division_head") == 2

    outsider = sign_in(app, "outsider").get("/inbox").text
    assert "data-nothing-to-do" in outsider and "data-empty" in outsider
    auditor = sign_in(app, "auditor").get("/inbox").text
    assert "data-no-queue" in auditor and "data-queue=" not in auditor


def test_the_inbox_sorts_by_the_quarter_still_due(
    app: Flask, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = sign_in(app, "officer")
    app.config["WORKFLOW_TODAY"] = "2025-01-15"  # quarter 2
    html = officer.get("/inbox").text
    # Quarter 2 (1.1.1, 2.1.1, 4.1.1, 4.1.2 run then), then quarter 3 (1.1.2, 2.2.1).
    assert queue_codes(html, "officer") == ["1.1.1", "2.1.1", "4.1.1", "4.1.2", "1.1.2", "2.2.1"]
    assert queue_count(html, "officer") == 6
    app.config["WORKFLOW_TODAY"] = "2025-08-01"  # quarter 4
    html = officer.get("/inbox").text
    # 2.1.1 ran in quarter 2 only: overdue, so first.
    assert queue_codes(html, "officer") == ["2.1.1", "1.1.1", "1.1.2", "2.2.1", "4.1.1", "4.1.2"]
    assert 'data-due="2568-2"' in html and "Overdue: planned for quarter 2/2568" in html


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


def test_a_met_target_is_never_overdue_in_the_inbox(app: Flask, people: People) -> None:
    """1.1.1's target is level 4 of 5: once level 4 is certified it stays open for level 5, but
    it has met its target, so after its last quarter it is not overdue (4.1.1 has not met its
    target and is)."""
    for _level in range(4):
        setup(
            app,
            people,
            ("officer", "1.1.1", "submit"),
            ("reviewer", "1.1.1", "forward"),
            ("head", "1.1.1", "approve"),
        )
    app.config["WORKFLOW_TODAY"] = "2025-12-01"  # FY 2568 is over
    html = sign_in(app, "officer").get("/inbox").text
    met = re.search(r'data-code="1.1.1".*?</li>', html, re.DOTALL)
    missed = re.search(r'data-code="4.1.1".*?</li>', html, re.DOTALL)
    assert met is not None and missed is not None
    assert 'data-due="2568-4"' in met.group(0) and "Overdue" not in met.group(0)
    assert "Overdue: planned for quarter 4/2568" in missed.group(0)


def test_the_inbox_makes_the_same_few_queries_however_long(app: Flask, people: People) -> None:
    head = sign_in(app, "head")
    setup(app, people, ("officer", "1.1.1", "submit"), ("reviewer", "1.1.1", "forward"))
    with counted_queries(app) as few:
        assert queue_codes(head.get("/inbox").text, "division_head") == ["1.1.1"]
    for code in ("1.1.2", "2.1.1", "2.2.1", "4.1.1"):
        setup(app, people, ("officer", code, "submit"), ("reviewer", code, "forward"))
    setup(app, people, ("officer", "4.1.2", "submit"), ("reviewer", "4.1.2", "return"))
    with counted_queries(app) as many:
        assert len(queue_codes(head.get("/inbox").text, "division_head")) == 5
    assert len(many) == len(few) <= 10, many


def test_return_comment_decision_is_the_latest(app: Flask, people: People) -> None:
    """The officer's queue quotes the return that sent the current attempt back."""
    setup(
        app,
        people,
        ("officer", "1.1.1", "submit"),
        ("reviewer", "1.1.1", "return", {"comment": "ครั้งแรก"}),
        ("officer", "1.1.1", "submit"),
        ("reviewer", "1.1.1", "return", {"comment": "ครั้งที่สอง"}),
    )
    html = sign_in(app, "officer").get("/inbox").text
    item = re.search(r'data-code="1.1.1".*?</li>', html, re.DOTALL)
    assert item and "ครั้งที่สอง" in item.group(0) and "ครั้งแรก" not in item.group(0)
    with app.app_context():
        returns = db.session.scalars(
            select(WorkflowDecision).where(WorkflowDecision.action == "return")
        ).all()
        assert len(returns) == 2
