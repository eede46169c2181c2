"""Progress reports from the database: the model after certifying levels, the three formats, the
command line and the pages with their access rules, on both engines."""

from __future__ import annotations

import csv as stdlib_csv
import hashlib
import io
import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import login
from tests.integration.conftest import PASSWORD, People
from tests.integration.workflow_support import PDF_BYTES, act, activity, pdf
from workflow_app.audit.models import AuditChainHead, AuditEntry
from workflow_app.extensions import db
from workflow_app.formatting import format_date
from workflow_app.models_base import utcnow
from workflow_app.plans.models import Plan
from workflow_app.reports import csv as report_csv
from workflow_app.reports.cli import report_command
from workflow_app.reports.model import ProgressReport, build_report, quarter_cutoff
from workflow_app.reports.pdf import render_pdf
from workflow_app.reports.views import reports_bp
from workflow_app.reports.xlsx import REPORT_SHEET, render_xlsx
from workflow_app.workflow.models import WorkflowDecision

NARRATIVE = "จัดประชุมชี้แจงแผนปฏิบัติการแล้ว"


@pytest.fixture(autouse=True)
def reports_registered(app: Flask) -> Flask:
    """The application factory registers these once the package is wired in; until then the
    tests do it themselves (before any request)."""
    if "reports" not in app.blueprints:
        app.register_blueprint(reports_bp)
    if "report" not in app.cli.commands:
        app.cli.add_command(report_command)
    return app


def certify(people: People, code: str, times: int = 1, **submit: object) -> None:
    for _ in range(times):
        act(people, "officer", code, "submit", **submit)
        act(people, "reviewer", code, "forward")
        act(people, "head", code, "approve")


def plan_id() -> int:
    found = db.session.scalar(select(Plan.id))
    assert found is not None
    return found


def row(report: ProgressReport, code: str):  # type: ignore[no-untyped-def]
    return next(a for *_, a in report.activities() if a.code == code)


# --- The model ---------------------------------------------------------------------------


def test_model_counts_certified_levels_with_their_trail(app_ctx: Flask, people: People) -> None:
    certify(people, "1.1.1", 2, narrative=NARRATIVE, links=["https://www.mfa.go.th/x"])
    certify(people, "2.2.1")  # target: level 1 of 1
    act(people, "officer", "4.1.2", "submit")  # submitted, not certified: not counted
    report = build_report(db.session, plan_id())
    assert report is not None

    head = db.session.get(AuditChainHead, 1, populate_existing=True)
    assert head is not None
    assert (report.audit_head.seq, report.audit_head.entry_hash) == (head.seq, head.entry_hash)
    first = row(report, "1.1.1")
    assert (first.certified_level, first.target_level, first.target_met) == (2, 4, False)
    assert [c.level for c in first.certifications] == [1, 2]
    assert first.certifications[0].narrative == NARRATIVE
    assert first.certifications[0].criterion == activity(people, "1.1.1").levels[0].criterion
    evidence = first.certifications[0].evidence
    assert [(e.kind, e.sha256) for e in evidence] == [
        ("file", hashlib.sha256(PDF_BYTES).hexdigest()),
        ("link", None),
    ]
    assert evidence[1].name == "https://www.mfa.go.th/x"
    assert first.certifications[1].certified_by_username == "head"
    # Every certification names the audit entry of its approval.
    for cert in first.certifications:
        entry = db.session.get(AuditEntry, cert.audit_seq)
        assert entry is not None and entry.action == "workflow.approve"
        assert entry.level == cert.level and entry.recorded_at == cert.certified_at
    library = row(report, "2.2.1")
    assert library.target_met and library.budget_baht == Decimal("2500000")
    assert row(report, "4.1.2").certified_level == 0
    assert (report.activity_count, report.met_count) == (8, 1)
    # As at now, the report agrees with the live state of every activity.
    for *_, result in report.activities():
        assert result.certified_level == activity(people, result.code).certified_level


def test_a_level_certified_after_the_moment_is_not_counted(app_ctx: Flask, people: People) -> None:
    certify(people, "1.1.1")
    between = utcnow()
    certify(people, "1.1.1")
    earlier = build_report(db.session, plan_id(), now=between)
    later = build_report(db.session, plan_id())
    assert earlier is not None and later is not None
    assert row(earlier, "1.1.1").certified_level == 1
    assert row(later, "1.1.1").certified_level == 2
    assert earlier.as_at == between
    # The level counted is the one approved before the moment, with its own audit entry.
    approvals = db.session.scalars(
        select(WorkflowDecision.audit_seq)
        .where(WorkflowDecision.action == "approve")
        .order_by(WorkflowDecision.audit_seq)
    ).all()
    assert [c.audit_seq for c in row(earlier, "1.1.1").certifications] == approvals[:1]


def test_quarter_end_excludes_later_certifications(app_ctx: Flask, people: People) -> None:
    certify(people, "1.1.1")  # approved now, after every quarter of FY 2568
    for quarter in (1, 4):
        report = build_report(db.session, plan_id(), quarter=quarter)
        assert report is not None
        assert report.as_at == quarter_cutoff(2568, quarter)
        assert row(report, "1.1.1").certified_level == 0
        assert not report.provisional
    # A quarter that has not ended yet (as seen from `now`) is as at now, and says so.
    during_q2 = datetime(2025, 2, 1, tzinfo=UTC)
    report = build_report(db.session, plan_id(), quarter=2, now=during_q2)
    assert report is not None and report.provisional and report.as_at == during_q2


def test_a_level_revoked_later_still_counts_before_the_revocation(
    app_ctx: Flask, people: People
) -> None:
    certify(people, "1.1.1", 2)
    between = utcnow()
    act(people, "head", "1.1.1", "revoke", comment="หลักฐานไม่ครบ")
    before = build_report(db.session, plan_id(), now=between)
    after = build_report(db.session, plan_id())
    assert before is not None and after is not None
    assert row(before, "1.1.1").certified_level == 2
    assert row(after, "1.1.1").certified_level == 1


# --- The three formats from the database ------------------------------------------------


def test_xlsx_from_the_database(app_ctx: Flask, people: People) -> None:
    certify(people, "2.2.1", narrative=NARRATIVE)
    report = build_report(db.session, plan_id())
    assert report is not None
    sheet = load_workbook(io.BytesIO(render_xlsx(report)))[REPORT_SHEET]
    rows = {r[0].value: [c.value for c in r] for r in sheet.iter_rows(min_row=10)}
    assert len([code for code in rows if code and code[0].isdigit()]) == 8
    library = rows["2.2.1"]
    assert library[8] == 2500000 and library[10] == 1 and library[11] == 1
    assert library[12] == "บรรลุ" and NARRATIVE in library[13]
    assert isinstance(library[16], datetime)
    strategy_rows = [v[0] for k, v in rows.items() if k and k.startswith("ยุทธศาสตร์ที่")]
    assert len(strategy_rows) == 4
    merged = {str(r) for r in sheet.merged_cells.ranges}
    strategy_cells = [c.coordinate for c in sheet["A"] if str(c.value).startswith("ยุทธศาสตร์")]
    assert all(f"{cell}:Q{cell[1:]}" in merged for cell in strategy_cells)
    assert sheet["C4"].value == report.audit_head.seq


def pdftotext(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install the Debian package poppler-utils")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_pdf_from_the_database(app_ctx: Flask, people: People, tmp_path: Path) -> None:
    certify(people, "1.1.1", narrative=NARRATIVE)
    report = build_report(db.session, plan_id(), quarter=4, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert report is not None
    text = pdftotext(render_pdf(report), tmp_path)
    flat = "".join(text.split())
    for *_, result in report.activities():
        assert "".join(f"{result.code} {result.title}".split()) in flat, result.code
    assert "30 กันยายน 2568" in text  # end of Q4 of FY 2568, Buddhist era
    assert f"ลำดับที่ {report.audit_head.seq}" in text
    assert report.audit_head.entry_hash in flat
    # Certified in 2026: not in the FY 2568 Q4 report; in today's.
    assert NARRATIVE not in flat
    today = build_report(db.session, plan_id())
    assert today is not None
    text = pdftotext(render_pdf(today), tmp_path)
    assert NARRATIVE in "".join(text.split())
    approved = row(today, "1.1.1").certifications[0].certified_at
    assert format_date(approved) in text


def test_csv_from_the_database_round_trips(app_ctx: Flask, people: People) -> None:
    certify(people, "1.1.1", narrative="=ผลรวม\nบรรทัดที่สอง")
    report = build_report(db.session, plan_id())
    assert report is not None
    data = report_csv.render_csv(report)
    assert data.startswith("\ufeff".encode())
    back = list(stdlib_csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(back) == 1 + 8
    assert report_csv.read_csv(data) == [report_csv.header(), *report_csv.rows(report)]
    first = dict(zip(back[0], back[1], strict=True))
    assert first["ลำดับ"] == "1.1.1" and first["ระดับที่ได้รับการรับรอง"] == "1"
    assert first["ผลการดำเนินงานที่ได้รับการรับรอง"] == "ระดับ 1: =ผลรวม\nบรรทัดที่สอง"


# --- Command line --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "pdf", "csv"])
def test_cli_writes_each_format(app: Flask, people: People, tmp_path: Path, fmt: str) -> None:
    with app.app_context():
        certify(people, "1.1.1")
        plan = plan_id()
    out = tmp_path / f"report.{fmt}"
    result = app.test_cli_runner().invoke(
        args=["report", str(plan), "--format", fmt, "--quarter", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "audit head" in result.output
    data = out.read_bytes()
    if fmt == "xlsx":
        assert load_workbook(io.BytesIO(data))[REPORT_SHEET]["A1"].value.startswith("รายงาน")
    elif fmt == "pdf":
        assert data.startswith(b"%PDF")
    else:
        rows = report_csv.read_csv(data)
        level = rows[0].index("ระดับที่ได้รับการรับรอง")
        assert len(rows) == 9 and {r[level] for r in rows[1:]} == {"0"}  # Q1: nothing yet


def test_cli_refuses_an_unknown_plan_and_a_bad_quarter(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    out = tmp_path / "x.csv"
    missing = runner.invoke(args=["report", "999", "--format", "csv", "--out", str(out)])
    assert missing.exit_code != 0 and "no plan" in missing.output and not out.exists()
    bad = runner.invoke(
        args=["report", "1", "--format", "csv", "--quarter", "5", "--out", str(out)]
    )
    assert bad.exit_code != 0


# --- Pages -------------------------------------------------------------------------------


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username, PASSWORD)
    return client


def report_url(app: Flask, suffix: str = "") -> str:
    with app.app_context():
        return f"/plans/{plan_id()}/reports{suffix}"


@pytest.mark.parametrize("username", ["head", "head2", "auditor", "admin", "multi"])
def test_division_heads_auditors_and_admins_may_open_reports(
    app: Flask, people: People, username: str
) -> None:
    client = signed_in(app, username)
    page = client.get(report_url(app))
    assert page.status_code == 200
    assert "quarter=1" in page.text and "/reports/pdf" in page.text
    response = client.get(report_url(app, "/csv?quarter=4"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("username", ["officer", "officer2", "reviewer", "reviewer2", "outsider"])
def test_others_are_refused(app: Flask, people: People, username: str) -> None:
    client = signed_in(app, username)
    assert client.get(report_url(app)).status_code == 403
    for fmt in ("pdf", "xlsx", "csv"):
        assert client.get(report_url(app, f"/{fmt}")).status_code == 403


def test_missing_plan_unknown_format_and_bad_quarter(app: Flask, people: People) -> None:
    client = signed_in(app, "auditor")
    assert client.get("/plans/999999/reports").status_code == 404
    assert client.get("/plans/999999/reports/csv").status_code == 404
    assert client.get(f"/plans/{2**40}/reports").status_code == 404
    assert client.get(report_url(app, "/docx")).status_code == 404
    assert client.get(report_url(app, "/csv?quarter=5")).status_code == 400
    assert client.get(report_url(app, "/csv?quarter=x")).status_code == 400


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, people: People) -> None:
    response = app.test_client().get(report_url(app, "/pdf"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_division_head_gets_their_divisions_activities_only(app: Flask, people: People) -> None:
    everything = report_csv.read_csv(signed_in(app, "auditor").get(report_url(app, "/csv")).data)
    own = signed_in(app, "head2").get(report_url(app, "/csv"))
    rows = report_csv.read_csv(own.data)
    codes = {r[4] for r in rows[1:]}
    # 3.1.2 and 4.2.1 belong to the department itself, outside the secretariat head's grant.
    assert codes == {r[4] for r in everything[1:]} - {"3.1.2", "4.2.1"}
    assert len(everything) == 9
    with app.app_context():
        report = build_report(db.session, plan_id())
        assert report is not None and report.scope is None
    xlsx = load_workbook(io.BytesIO(signed_in(app, "head2").get(report_url(app, "/xlsx")).data))
    assert xlsx[REPORT_SHEET]["E5"].value == "เฉพาะกิจกรรมของ กรมอาเซียน / สำนักงานเลขานุการกรม"
    page = signed_in(app, "head2").get(report_url(app))
    assert "only the activities of" in page.text or "สำนักงานเลขานุการกรม" in page.text
    # The department's head covers every activity: theirs is the whole plan, and says so.
    department_head = signed_in(app, "head")
    assert len(report_csv.read_csv(department_head.get(report_url(app, "/csv")).data)) == 9
    whole = load_workbook(io.BytesIO(department_head.get(report_url(app, "/xlsx")).data))
    assert whole[REPORT_SHEET]["E5"].value == "ทุกกิจกรรมของแผน"


def test_the_download_names_the_audit_head(app: Flask, people: People) -> None:
    client = signed_in(app, "auditor")  # signing in is audited too: read the head after it
    with app.app_context():
        certify(people, "1.1.1")
        head = db.session.get(AuditChainHead, 1)
        assert head is not None
        seq = head.seq
    response = client.get(report_url(app, "/xlsx?quarter=1"))
    assert response.status_code == 200
    assert response.headers["X-Report-Audit-Seq"] == str(seq)
    assert f"-q1-audit{seq}.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data))[REPORT_SHEET]
    assert sheet["C4"].value == seq


def test_pdf_download_is_a_pdf(app: Flask, people: People) -> None:
    response = signed_in(app, "head").get(report_url(app, "/pdf?quarter=2"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_pdf_evidence_uploaded_by_the_officer_is_listed(app_ctx: Flask, people: People) -> None:
    certify(people, "4.1.2", files=[pdf("หลักฐาน.pdf", b"x")])
    report = build_report(db.session, plan_id())
    assert report is not None
    (cert,) = row(report, "4.1.2").certifications
    assert cert.evidence[0].name == "หลักฐาน.pdf"
    assert cert.evidence[0].sha256 == hashlib.sha256(PDF_BYTES + b"x").hexdigest()
