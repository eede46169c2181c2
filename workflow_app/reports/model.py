"""The one progress-report model: a plan's table plus its certified results as at a moment.

Built from the database in a fixed number of queries and frozen; the XLSX, PDF and CSV renderers
only read it. Every result carries the audit sequence number of the approval behind it, and the
report states the audit head it was read under, so each number traces to the audit log.

"As at" a moment means: a level counts when its approval was recorded before that moment and was
not revoked before it either (`workflow.certifications.certifications_as_at`), so a level revoked
after a quarter's end still counts in that quarter's report, as it did at the time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow_app.audit.head import ChainHead, read_head
from workflow_app.formatting import BANGKOK, format_baht, format_date
from workflow_app.models_base import utcnow
from workflow_app.plans import fiscal
from workflow_app.plans.models import Activity
from workflow_app.plans.serialize import load_plan_tree
from workflow_app.workflow.certifications import Certification as CertificationInForce
from workflow_app.workflow.certifications import certifications_as_at
from workflow_app.workflow.models import Submission

REPORT_FORMATS = ("xlsx", "pdf", "csv")
QUARTERS = fiscal.QUARTERS

# Thai words of the documents. The report is the official Thai form sent up the ministry, so it
# is Thai whatever language the reader's interface uses.
NO_BUDGET = "ไม่ใช้งบประมาณ"
MET = "บรรลุ"
NOT_MET = "ยังไม่บรรลุ"
LINK = "ลิงก์"
OUTCOMES = "ผลลัพธ์"
RESULTS = "ผลการดำเนินงาน"


def quarter_end(fiscal_year_be: int, quarter: int) -> date:
    """Last day of `quarter` of the fiscal year (FY 2568 Q1 → 31 Dec 2024 = 31 ธ.ค. 2567)."""
    return fiscal.quarter_bounds(fiscal_year_be, quarter)[1]


def quarter_cutoff(fiscal_year_be: int, quarter: int) -> datetime:
    """The first instant after the quarter: midnight in Bangkok after its last day, in UTC.

    A level approved at 23:59 Bangkok time on the last day belongs to that quarter."""
    next_day = quarter_end(fiscal_year_be, quarter) + timedelta(days=1)
    return datetime.combine(next_day, time(), tzinfo=BANGKOK).astimezone(UTC)


@dataclass(frozen=True)
class Evidence:
    kind: str  # "file" or "link"
    name: str  # the file name, or the address of a link
    sha256: str | None  # files only
    size: int | None


@dataclass(frozen=True)
class Certification:
    """One certified level: what was done, its evidence, and who approved it when."""

    level: int
    criterion: str
    narrative: str
    evidence: tuple[Evidence, ...]
    certified_by: str
    certified_by_username: str
    certified_at: datetime  # UTC
    audit_seq: int
    publishable: bool
    submission_id: int | None


@dataclass(frozen=True)
class ActivityResult:
    id: int
    code: str
    title: str
    objectives: tuple[str, ...]
    indicators: tuple[str, ...]
    targets: tuple[str, ...]
    target_level: int
    level_count: int
    outcomes_quantitative: tuple[str, ...]
    outcomes_qualitative: tuple[str, ...]
    quarters: tuple[int, ...]
    budget_baht: Decimal | None
    responsible_unit: str
    certifications: tuple[Certification, ...]

    @property
    def certified_level(self) -> int:
        return self.certifications[-1].level if self.certifications else 0

    @property
    def target_met(self) -> bool:
        return self.certified_level >= self.target_level

    @property
    def last_certified_at(self) -> datetime | None:
        return self.certifications[-1].certified_at if self.certifications else None


@dataclass(frozen=True)
class TacticSection:
    number: int
    title: str
    activities: tuple[ActivityResult, ...]


@dataclass(frozen=True)
class StrategySection:
    number: int
    title: str
    tactics: tuple[TacticSection, ...]


@dataclass(frozen=True)
class ProgressReport:
    plan_id: int
    title: str
    agency: str
    ministry: str
    fiscal_year: int  # B.E.
    source_sha256: str
    quarter: int | None  # None: as at the moment the report was built
    as_at: datetime  # UTC; approvals recorded before this instant count
    built_at: datetime  # UTC
    audit_head: ChainHead
    strategies: tuple[StrategySection, ...]
    scope: str | None = None  # None: the whole plan; otherwise whose part of it

    @property
    def period_end(self) -> date | None:
        return quarter_end(self.fiscal_year, self.quarter) if self.quarter else None

    @property
    def provisional(self) -> bool:
        """The chosen quarter has not ended yet: the figures can still change."""
        return self.quarter is not None and self.as_at < quarter_cutoff(
            self.fiscal_year, self.quarter
        )

    def activities(self) -> Iterator[tuple[StrategySection, TacticSection, ActivityResult]]:
        for strategy in self.strategies:
            for tactic in strategy.tactics:
                for activity in tactic.activities:
                    yield strategy, tactic, activity

    @property
    def activity_count(self) -> int:
        return sum(1 for _ in self.activities())

    @property
    def met_count(self) -> int:
        return sum(1 for *_, activity in self.activities() if activity.target_met)

    @property
    def total_budget(self) -> Decimal:
        return sum(
            (a.budget_baht for *_, a in self.activities() if a.budget_baht is not None),
            Decimal(0),
        )

    # --- Thai wording shared by the renderers ---------------------------------------------

    @property
    def department_line(self) -> str:
        return f"{self.agency} {self.ministry}".strip()

    @property
    def fiscal_year_line(self) -> str:
        return f"ปีงบประมาณ พ.ศ. {self.fiscal_year}"

    @property
    def heading(self) -> str:
        return f"รายงานผลการดำเนินงานตาม{self.title}"

    @property
    def period_line(self) -> str:
        if self.quarter is None:
            return f"ผลการดำเนินงาน ณ วันที่ {format_date(self.as_at, with_time=True)}"
        quarter = f"ไตรมาสที่ {self.quarter} {self.fiscal_year_line}"
        if self.provisional:
            moment = format_date(self.as_at, with_time=True)
            return f"ผลการดำเนินงาน{quarter} (ไตรมาสยังไม่สิ้นสุด: ข้อมูล ณ วันที่ {moment})"
        return f"ผลการดำเนินงาน ณ สิ้น{quarter} ({format_date(self.period_end)})"

    @property
    def results_heading(self) -> str:
        if self.quarter is not None and not self.provisional:
            return f"{RESULTS} ณ {format_date(self.period_end)}"
        return f"{RESULTS} ณ {format_date(self.as_at)}"

    @property
    def audit_line(self) -> str:
        return (
            f"จัดทำจากบันทึกตรวจสอบ (audit log) ลำดับที่ {self.audit_head.seq} "
            f"SHA-256 {self.audit_head.entry_hash}"
        )

    @property
    def built_line(self) -> str:
        return f"จัดทำเมื่อ {format_date(self.built_at, with_time=True)}"

    @property
    def scope_line(self) -> str:
        return self.scope or "ทุกกิจกรรมของแผน"

    @property
    def summary_line(self) -> str:
        return (
            f"กิจกรรม {self.activity_count} รายการ บรรลุค่าเป้าหมาย {self.met_count} รายการ "
            f"งบประมาณรวม {format_baht(self.total_budget)} บาท"
        )


# --- The flat table: one row per activity, shared by the XLSX and CSV renderers ---------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    group: str | None = None  # the heading spanning this column in the two-row header
    width: float = 14  # spreadsheet width, in characters

    @property
    def full_header(self) -> str:
        # "เชิงปริมาณ" alone is ambiguous in a one-row header (CSV): say what it qualifies.
        return f"{self.group}{self.header}" if self.group == OUTCOMES else self.header


COLUMNS: tuple[Column, ...] = (
    Column("code", "ลำดับ", width=6),
    Column("title", "โครงการ/กิจกรรม", width=22),
    Column("objectives", "วัตถุประสงค์", width=22),
    Column("indicators", "ตัวชี้วัด", width=16),
    Column("targets", "ค่าเป้าหมาย", width=12),
    Column("outcomes_quantitative", "เชิงปริมาณ", OUTCOMES, width=16),
    Column("outcomes_qualitative", "เชิงคุณภาพ", OUTCOMES, width=16),
    Column("quarters", "ระยะเวลาดำเนินการ (ไตรมาส)", width=9),
    Column("budget_baht", "งบประมาณ (บาท)", width=12),
    Column("responsible_unit", "หน่วยงานรับผิดชอบ", width=14),
    Column("certified_level", "ระดับที่ได้รับการรับรอง", RESULTS, width=8),
    Column("target_level", "ระดับค่าเป้าหมาย", RESULTS, width=8),
    Column("target_met", "ผลเทียบค่าเป้าหมาย", RESULTS, width=11),
    Column("work_done", "ผลการดำเนินงานที่ได้รับการรับรอง", RESULTS, width=28),
    Column("evidence", "หลักฐาน (ชื่อ และ SHA-256)", RESULTS, width=26),
    Column("certified_by", "ผู้รับรอง วันที่ และลำดับบันทึกตรวจสอบ", RESULTS, width=22),
    Column("last_certified_at", "วันที่รับรองล่าสุด", RESULTS, width=13),
)
SECTION_COLUMNS: tuple[Column, ...] = (
    Column("strategy_number", "ยุทธศาสตร์ที่"),
    Column("strategy", "ยุทธศาสตร์"),
    Column("tactic_number", "กลยุทธ์ที่"),
    Column("tactic", "กลยุทธ์"),
)


def quarters_text(quarters: tuple[int, ...]) -> str:
    return ", ".join(str(q) for q in quarters)


def work_done_text(activity: ActivityResult) -> str:
    return "\n".join(f"ระดับ {c.level}: {c.narrative}" for c in activity.certifications)


def evidence_lines(activity: ActivityResult) -> list[str]:
    lines = []
    for cert in activity.certifications:
        for item in cert.evidence:
            if item.kind == "link":
                lines.append(f"ระดับ {cert.level}: {item.name} ({LINK})")
            else:
                lines.append(f"ระดับ {cert.level}: {item.name} SHA-256 {item.sha256}")
    return lines


def certified_by_text(cert: Certification) -> str:
    when = format_date(cert.certified_at, with_time=True)
    return f"ระดับ {cert.level}: {cert.certified_by} {when} (บันทึกตรวจสอบลำดับที่ {cert.audit_seq})"


def activity_values(activity: ActivityResult) -> dict[str, Any]:
    """The row's typed values by column key: str, int, Decimal, datetime (UTC) or None."""
    return {
        "code": activity.code,
        "title": activity.title,
        "objectives": "\n".join(activity.objectives),
        "indicators": "\n".join(activity.indicators),
        "targets": "\n".join(activity.targets),
        "outcomes_quantitative": "\n".join(activity.outcomes_quantitative),
        "outcomes_qualitative": "\n".join(activity.outcomes_qualitative),
        "quarters": quarters_text(activity.quarters),
        "budget_baht": activity.budget_baht,
        "responsible_unit": activity.responsible_unit,
        "certified_level": activity.certified_level,
        "target_level": activity.target_level,
        "target_met": MET if activity.target_met else NOT_MET,
        "work_done": work_done_text(activity),
        "evidence": "\n".join(evidence_lines(activity)),
        "certified_by": "\n".join(certified_by_text(c) for c in activity.certifications),
        "last_certified_at": activity.last_certified_at,
    }


def section_values(strategy: StrategySection, tactic: TacticSection) -> dict[str, Any]:
    return {
        "strategy_number": strategy.number,
        "strategy": strategy.title,
        "tactic_number": tactic.number,
        "tactic": tactic.title,
    }


# --- Building it from the database ---------------------------------------------------------


def build_report(
    session: Session,
    plan_id: int,
    *,
    quarter: int | None = None,
    now: datetime | None = None,
    include: Callable[[Activity], bool] | None = None,
    scope: str | None = None,
) -> ProgressReport | None:
    """The report on plan `plan_id` as at the end of `quarter` of its fiscal year, or as at
    `now` (default: the current time) when no quarter is chosen or the quarter has not ended.

    `include` keeps only some activities (the reader's part of the plan, see `access`); `scope`
    then says whose part it is. Returns None when the plan does not exist.
    """
    if quarter is not None and quarter not in QUARTERS:
        raise ValueError(f"quarter must be 1-4, not {quarter!r}")
    clock = now if now is not None else utcnow()
    # The head is read first and every decision is filtered to seq <= head: the report is then
    # exactly the log's state at that head, even if approvals commit while it is being built.
    head = read_head(session)
    plan = load_plan_tree(session, plan_id)
    if plan is None:
        return None
    as_at = clock
    if quarter is not None:
        as_at = min(clock, quarter_cutoff(plan.fiscal_year, quarter))

    standing = certifications_as_at(session, plan.id, as_at=as_at, up_to_seq=head.seq)
    submission_ids = {
        cert.submission_id
        for certs in standing.values()
        for cert in certs
        if cert.submission_id is not None
    }
    submissions = (
        {
            s.id: s
            for s in session.scalars(
                select(Submission)
                .where(Submission.id.in_(submission_ids))
                .options(selectinload(Submission.evidence))
            )
        }
        if submission_ids
        else {}
    )

    def certification(activity: Activity, cert: CertificationInForce) -> Certification:
        submission = submissions.get(cert.submission_id or -1)
        person = cert.approved_by
        criteria = {level.number: level.criterion for level in activity.levels}
        return Certification(
            level=cert.level,
            criterion=criteria.get(cert.level, ""),
            narrative=submission.narrative if submission else "",
            evidence=tuple(
                Evidence(
                    kind=item.kind,
                    name=(item.filename or "") if item.kind == "file" else (item.url or ""),
                    sha256=item.sha256,
                    size=item.size,
                )
                for item in (submission.evidence if submission else [])
            ),
            certified_by=person.name if person else "",
            certified_by_username=person.username if person else "",
            certified_at=cert.approved_at,
            audit_seq=cert.audit_seq,
            publishable=cert.publishable,
            submission_id=cert.submission_id,
        )

    def result(activity: Activity) -> ActivityResult:
        in_force = standing.get(activity.id, [])
        return ActivityResult(
            id=activity.id,
            code=activity.code,
            title=activity.title,
            objectives=tuple(activity.objectives),
            indicators=tuple(activity.indicators),
            targets=tuple(activity.targets),
            target_level=activity.target_level,
            level_count=activity.level_count,
            outcomes_quantitative=tuple(activity.outcomes_quantitative),
            outcomes_qualitative=tuple(activity.outcomes_qualitative),
            quarters=tuple(activity.quarters),
            budget_baht=activity.budget_baht,
            responsible_unit=activity.responsible_unit_text,
            certifications=tuple(certification(activity, cert) for cert in in_force),
        )

    strategies = []
    for strategy in plan.strategies:
        tactics = []
        for tactic in strategy.tactics:
            rows = tuple(result(a) for a in tactic.activities if include is None or include(a))
            if rows:  # a reader's partial report leaves out sections with nothing of theirs
                tactics.append(TacticSection(tactic.number, tactic.title, rows))
        if tactics:
            strategies.append(StrategySection(strategy.number, strategy.title, tuple(tactics)))

    return ProgressReport(
        plan_id=plan.id,
        title=plan.title,
        agency=plan.agency,
        ministry=plan.ministry,
        fiscal_year=plan.fiscal_year,
        source_sha256=plan.source_sha256,
        quarter=quarter,
        as_at=as_at,
        built_at=clock,
        audit_head=head,
        strategies=tuple(strategies),
        scope=scope,
    )


def report_filename(report: ProgressReport, extension: str) -> str:
    """ASCII (headers and every file system take it): plan, year, period and audit head."""
    period = (
        f"q{report.quarter}"
        if report.quarter
        else report.as_at.astimezone(BANGKOK).strftime("%Y%m%d")
    )
    return (
        f"progress-report-plan{report.plan_id}-fy{report.fiscal_year}-{period}"
        f"-audit{report.audit_head.seq}.{extension}"
    )
