"""PDF (fpdf2 + HarfBuzz + pythainlp): the report as a printable A4 landscape document.

Page 1 opens with the title block (plan, department, period, audit head); then the plan's table
with its results, strategy and tactic rows across the table, the two header rows repeated on
every page; then an appendix listing every evidence item with its full SHA-256. Each page has a
running header (department, fiscal year) and a footer (audit head, page n of N).

The table is laid out here rather than with fpdf2's table helper: rows holding long narratives
must continue across pages, and Thai lines must come from `thai_pdf.wrap`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workflow_app.formatting import format_baht, format_date, to_bangkok
from workflow_app.reports.model import (
    LINK,
    MET,
    NO_BUDGET,
    NOT_MET,
    OUTCOMES,
    RESULTS,
    ActivityResult,
    ProgressReport,
)
from workflow_app.reports.thai_pdf import ThaiPDF

MEDIA_TYPE = "application/pdf"

PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 10.0
TOP = 19.0  # below the running header
BOTTOM = PAGE_H - 13.0  # above the footer
WIDTH = PAGE_W - 2 * MARGIN
BODY_PT = 8.0
PAD = 1.0  # cell padding, mm
PT_MM = 25.4 / 72


def line_height(size_pt: float) -> float:
    # Sarabun stacks vowels and tone marks well above its capitals: 1.5 em keeps them clear.
    return size_pt * PT_MM * 1.5


@dataclass(frozen=True)
class PdfColumn:
    key: str
    header: str
    width: float  # mm; the widths add up to the page's table width
    group: str | None = None
    align: str = "L"


TABLE: tuple[PdfColumn, ...] = (
    PdfColumn("activity", "โครงการ/กิจกรรม", 35),
    PdfColumn("objectives", "วัตถุประสงค์", 30),
    PdfColumn("indicators", "ตัวชี้วัด", 22),
    PdfColumn("targets", "ค่าเป้าหมาย", 17),
    PdfColumn("outcomes_quantitative", "เชิงปริมาณ", 22, OUTCOMES),
    PdfColumn("outcomes_qualitative", "เชิงคุณภาพ", 22, OUTCOMES),
    PdfColumn("quarters", "ไตรมาส", 13, align="C"),
    PdfColumn("budget", "งบประมาณ (บาท)", 18, align="R"),
    PdfColumn("responsible_unit", "หน่วยงานรับผิดชอบ", 20),
    PdfColumn("level", "ระดับที่รับรอง / ค่าเป้าหมาย", 14, RESULTS, "C"),
    PdfColumn("work_done", "สิ่งที่ดำเนินการ และหลักฐาน", 36, RESULTS),
    PdfColumn("certified_by", "ผู้รับรอง และวันที่", 28, RESULTS),
)
APPENDIX: tuple[PdfColumn, ...] = (
    PdfColumn("code", "กิจกรรม", 16, align="C"),
    PdfColumn("level", "ระดับ", 11, align="C"),
    PdfColumn("name", "ชื่อไฟล์หรือที่อยู่ลิงก์", 86),
    PdfColumn("sha256", "SHA-256", 104),
    PdfColumn("size", "ขนาด (ไบต์)", 18, align="R"),
    PdfColumn("seq", "ลำดับบันทึกตรวจสอบ", 22, align="C"),
    PdfColumn("publishable", "เผยแพร่ได้", 20, align="C"),
)
assert math.isclose(sum(c.width for c in TABLE), WIDTH)
assert math.isclose(sum(c.width for c in APPENDIX), WIDTH)


def compact_quarters(quarters: Sequence[int]) -> str:
    """1, 2, 3, 4 → "1-4"; 1, 3, 4 → "1, 3-4": short enough for a narrow column."""
    runs: list[list[int]] = []
    for quarter in quarters:
        if runs and quarter == runs[-1][-1] + 1:
            runs[-1].append(quarter)
        else:
            runs.append([quarter])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _items(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return "\n".join(f"- {item}" for item in items)  # bullets, as in the plan document


def activity_cells(activity: ActivityResult) -> dict[str, str]:
    work = []
    for cert in activity.certifications:
        work.append(f"ระดับ {cert.level}: {cert.narrative}")
        names = [f"{e.name} ({LINK})" if e.kind == "link" else e.name for e in cert.evidence]
        if names:
            work.append("หลักฐาน: " + ", ".join(names))
    certified = [
        f"ระดับ {c.level}: {c.certified_by}\n{format_date(c.certified_at)}"
        f"\nเวลา {to_bangkok(c.certified_at):%H:%M} น.\n(บันทึกตรวจสอบลำดับที่ {c.audit_seq})"
        for c in activity.certifications
    ]
    budget = NO_BUDGET if activity.budget_baht is None else format_baht(activity.budget_baht)
    return {
        "activity": f"{activity.code} {activity.title}",
        "objectives": _items(activity.objectives),
        "indicators": _items(activity.indicators),
        "targets": _items(activity.targets),
        "outcomes_quantitative": _items(activity.outcomes_quantitative),
        "outcomes_qualitative": _items(activity.outcomes_qualitative),
        "quarters": compact_quarters(activity.quarters),
        "budget": budget,
        "responsible_unit": activity.responsible_unit,
        "level": f"{activity.certified_level} / {activity.target_level}\n"
        + (MET if activity.target_met else NOT_MET),
        "work_done": "\n".join(work) or "-",
        "certified_by": "\n".join(certified) or "-",
    }


class _Document(ThaiPDF):
    def __init__(
        self,
        report: ProgressReport,
        total_pages: int | None,
        cache: dict[tuple[Any, ...], Any],
    ) -> None:
        super().__init__(cache)
        self.drawing = total_pages is not None
        self.report = report
        self.total_pages = total_pages
        self.columns: tuple[PdfColumn, ...] | None = None  # the table under way, if any
        self.header_height = 0.0  # of the table under way
        self.y_pos = TOP
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_draw_color(110, 110, 110)
        self.set_line_width(0.2)

    # --- running header and footer -----------------------------------------------------

    def header(self) -> None:
        report = self.report
        self.use_font(10, bold=True)
        self.line_of_text(MARGIN, 7, WIDTH / 2, 6, report.department_line)
        self.line_of_text(MARGIN + WIDTH / 2, 7, WIDTH / 2, 6, report.fiscal_year_line, "R")
        self.line(MARGIN, 14, PAGE_W - MARGIN, 14)

    def footer(self) -> None:
        head = self.report.audit_head
        self.line(MARGIN, PAGE_H - 11, PAGE_W - MARGIN, PAGE_H - 11)
        self.use_font(7.5)
        audit = f"บันทึกตรวจสอบลำดับที่ {head.seq} SHA-256 {head.entry_hash}"
        self.line_of_text(MARGIN, PAGE_H - 10, WIDTH * 0.8, 5, audit)
        page = f"หน้า {self.page_no()}"
        if self.total_pages is not None:
            page += f" จาก {self.total_pages}"
        self.use_font(9)
        self.line_of_text(MARGIN + WIDTH * 0.8, PAGE_H - 10, WIDTH * 0.2, 5, page, "R")

    # --- blocks --------------------------------------------------------------------------

    def new_page(self) -> None:
        self.add_page()
        self.y_pos = TOP
        if self.columns is not None:
            self.table_header(self.columns)

    def paragraph(self, text: str, size: float, *, bold: bool = False, align: str = "L") -> None:
        self.use_font(size, bold=bold)
        height = line_height(size)
        for line in self.wrap(text, WIDTH):
            if self.y_pos + height > BOTTOM:
                self.new_page()
            self.line_of_text(MARGIN, self.y_pos, WIDTH, height, line, align)
            self.y_pos += height

    def title_block(self) -> None:
        report = self.report
        self.paragraph(report.heading, 14, bold=True, align="C")
        self.paragraph(report.department_line, 12, bold=True, align="C")
        self.paragraph(report.period_line, 12, align="C")
        self.y_pos += 2
        self.paragraph(report.audit_line, 9)
        self.paragraph(f"{report.built_line}  ขอบเขต: {report.scope_line}", 9)
        self.paragraph(report.summary_line, 9)
        self.y_pos += 2

    def _group_heading(self, group: str) -> str:
        return self.report.results_heading if group == RESULTS else group

    def table_header(self, columns: tuple[PdfColumn, ...]) -> None:
        """One row, or two when columns are grouped (the group above its columns)."""
        self.use_font(BODY_PT, bold=True)
        lh = line_height(BODY_PT)
        grouped = any(c.group for c in columns)

        def lines(text: str, width: float) -> list[str]:
            return self.wrap(text, width - 2 * PAD)

        group_h = 0.0
        if grouped:
            group_h = (
                max(
                    len(lines(self._group_heading(c.group), self._group_width(columns, c.group)))
                    for c in columns
                    if c.group
                )
                * lh
                + 2 * PAD
            )
        sub_h = max(len(lines(c.header, c.width)) for c in columns if c.group or not grouped)
        whole = max(len(lines(c.header, c.width)) for c in columns if not c.group)
        sub_h = max(sub_h * lh + 2 * PAD, whole * lh + 2 * PAD - group_h)
        total = group_h + sub_h
        self.set_fill_color(217, 226, 243)
        x = MARGIN
        y = self.y_pos
        drawn_groups: set[str] = set()
        for column in columns:
            if column.group is None:
                self._boxed(x, y, column.width, total, lines(column.header, column.width), "C")
            else:
                if column.group not in drawn_groups:
                    drawn_groups.add(column.group)
                    heading = self._group_heading(column.group)
                    width = self._group_width(columns, column.group)
                    self._boxed(x, y, width, group_h, lines(heading, width), "C")
                self._boxed(
                    x, y + group_h, column.width, sub_h, lines(column.header, column.width), "C"
                )
            x += column.width
        self.y_pos = y + total
        self.header_height = total
        self.use_font(BODY_PT)

    @staticmethod
    def _group_width(columns: tuple[PdfColumn, ...], group: str | None) -> float:
        return sum(c.width for c in columns if c.group == group)

    def _boxed(self, x: float, y: float, w: float, h: float, lines: list[str], align: str) -> None:
        """A filled, bordered header cell with its lines centred vertically."""
        self.rect(x, y, w, h, style="DF")
        lh = line_height(BODY_PT)
        top = y + (h - len(lines) * lh) / 2
        for index, line in enumerate(lines):
            self.line_of_text(x + PAD, top + index * lh, w - 2 * PAD, lh, line, align)

    def section_lines(self, text: str, size: float) -> list[str]:
        self.use_font(size, bold=True)
        return self.wrap(text, WIDTH - 2 * PAD)

    def row_height(self, columns: tuple[PdfColumn, ...], cells: dict[str, str]) -> float:
        self.use_font(BODY_PT)
        lines = max(len(self.wrap(cells[c.key], c.width - 2 * PAD)) for c in columns)
        return lines * line_height(BODY_PT) + 2 * PAD

    @property
    def usable_height(self) -> float:
        """Room for rows on a page below the table header."""
        return BOTTOM - TOP - self.header_height

    def keep_with_next(self, lead: float, row: float) -> None:
        """Start a new page unless headings of height `lead` fit here with the row after them
        (with its first lines, for a row taller than a page, which is split anyway)."""
        first_part = row if row <= self.usable_height else 3 * line_height(BODY_PT) + 2 * PAD
        if self.y_pos + lead + first_part > BOTTOM:
            self.new_page()

    def section_row(self, text: str, shade: tuple[int, int, int], size: float) -> None:
        lines = self.section_lines(text, size)
        lh = line_height(size)
        height = len(lines) * lh + 2 * PAD
        if self.y_pos + height > BOTTOM:
            self.new_page()
        self.set_fill_color(*shade)
        self.rect(MARGIN, self.y_pos, WIDTH, height, style="DF")
        for index, line in enumerate(lines):
            self.line_of_text(
                MARGIN + PAD, self.y_pos + PAD + index * lh, WIDTH - 2 * PAD, lh, line
            )
        self.y_pos += height
        self.use_font(BODY_PT)

    def table_row(self, columns: tuple[PdfColumn, ...], cells: dict[str, str]) -> None:
        """A row whose cells may hold many lines; one taller than a page continues on the next."""
        self.use_font(BODY_PT)
        lh = line_height(BODY_PT)
        lines = {c.key: self.wrap(cells[c.key], c.width - 2 * PAD) for c in columns}
        offset = 0
        while True:
            remaining = max(len(lines[c.key]) - offset for c in columns)
            fits = int((BOTTOM - self.y_pos - 2 * PAD) // lh)
            at_top = self.y_pos <= TOP + self.header_height + 0.5  # moving would not help
            fits_a_page = remaining * lh + 2 * PAD <= self.usable_height
            if remaining > fits and offset == 0 and fits_a_page and not at_top:
                self.new_page()
                continue
            count = min(remaining, max(fits, 0))
            if count <= 0:
                self.new_page()
                continue
            height = count * lh + 2 * PAD
            x = MARGIN
            for column in columns:
                self.rect(x, self.y_pos, column.width, height)
                for index, line in enumerate(lines[column.key][offset : offset + count]):
                    y = self.y_pos + PAD + index * lh
                    self.line_of_text(x + PAD, y, column.width - 2 * PAD, lh, line, column.align)
                x += column.width
            self.y_pos += height
            offset += count
            if offset >= max(len(v) for v in lines.values()):
                return
            self.new_page()

    def end_table(self) -> None:
        self.columns = None
        self.header_height = 0.0

    # --- the document ----------------------------------------------------------------------

    def build(self) -> None:
        report = self.report
        self.set_title(report.heading)
        self.set_author(report.agency)
        self.set_subject(report.audit_line)
        self.set_creator("integrity-workflow")
        self.set_creation_date(report.built_at)
        self.add_page()
        self.title_block()
        self.columns = TABLE
        self.table_header(TABLE)
        for strategy in report.strategies:
            heading = f"ยุทธศาสตร์ที่ {strategy.number} {strategy.title}"
            for index, tactic in enumerate(strategy.tactics):
                subheading = f"กลยุทธ์ที่ {tactic.number} : {tactic.title}"
                first = activity_cells(tactic.activities[0])
                # Headings stay on the page of the first row under them.
                lead = len(self.section_lines(subheading, BODY_PT)) * line_height(BODY_PT)
                if index == 0:
                    lead += len(self.section_lines(heading, 10)) * line_height(10) + 2 * PAD
                self.keep_with_next(lead + 2 * PAD, self.row_height(TABLE, first))
                if index == 0:
                    self.section_row(heading, (252, 228, 214), 10)
                self.section_row(subheading, (255, 242, 204), BODY_PT)
                for activity in tactic.activities:
                    self.table_row(TABLE, activity_cells(activity))
        if not report.strategies:
            self.paragraph("ไม่มีกิจกรรมในขอบเขตของรายงานนี้", BODY_PT)
        self.end_table()
        self.appendix()

    def appendix(self) -> None:
        report = self.report
        rows = [
            {
                "code": activity.code,
                "level": str(cert.level),
                "name": item.name,
                "sha256": item.sha256 or LINK,
                "size": f"{item.size:,}" if item.size is not None else "",
                "seq": str(cert.audit_seq),
                "publishable": "ใช่" if cert.publishable else "ไม่",
            }
            for *_, activity in report.activities()
            for cert in activity.certifications
            for item in cert.evidence
        ]
        self.y_pos += 6
        if self.y_pos + 40 > BOTTOM:
            self.new_page()
        self.paragraph("ภาคผนวก หลักฐานประกอบผลการดำเนินงานที่ได้รับการรับรอง", 11, bold=True)
        if not rows:
            self.paragraph("ไม่มีหลักฐาน", BODY_PT)
            return
        self.columns = APPENDIX
        self.table_header(APPENDIX)
        for row in rows:
            self.table_row(APPENDIX, row)
        self.end_table()


def render_pdf(report: ProgressReport) -> bytes:
    # Two passes: "page n of N" needs N, which only laying the document out tells (fpdf2's
    # {nb} alias is replaced in the content stream, where shaped glyph codes defeat it). The
    # first pass draws nothing and shares its measurements with the second.
    cache: dict[tuple[Any, ...], Any] = {}
    layout = _Document(report, None, cache)
    layout.build()
    document = _Document(report, layout.page_no(), cache)
    document.build()
    return bytes(document.output())
