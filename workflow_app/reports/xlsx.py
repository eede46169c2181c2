"""XLSX (openpyxl): the report laid out like the plan document, with real cells.

Sheet "รายงานผล": title rows, the audit head (its sequence number as a number), a two-row header
whose groups are merged as in the document, then strategy and tactic rows merged across the
table and one row per activity. Sheet "หลักฐาน": one row per evidence item with its full SHA-256.
Both print on A4 landscape, fitted to the page width, header rows repeated on every page.
"""

from __future__ import annotations

import io
import math
import unicodedata
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from workflow_app.formatting import BANGKOK
from workflow_app.reports.model import (
    COLUMNS,
    LINK,
    NO_BUDGET,
    RESULTS,
    ProgressReport,
    activity_values,
)

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_SHEET = "รายงานผล"
EVIDENCE_SHEET = "หลักฐาน"
# The Thai government's standard typeface (installed with Thai Office); viewers without it fall
# back to their own Thai font.
FONT_NAME = "TH SarabunPSK"
FONT_SIZE = 14
# Excel's Thai Buddhist calendar (07) in the Thai locale (041E): 31 ธ.ค. 2567 14:05.
BE_DATETIME = "[$-107041E]d mmm yyyy hh:mm"
BUDGET_WHOLE = "#,##0"
BUDGET_SATANG = "#,##0.00"
MAX_CELL_CHARS = 32_000  # Excel refuses more than 32,767 characters in a cell
TRUNCATED = "… (ข้อความยาวเกินกว่าที่ Excel รับได้ ฉบับเต็มอยู่ในไฟล์ PDF และ CSV)"

HEADER_ROW = 8  # the two header rows are 8 and 9; data starts at 10
FIRST_DATA_ROW = HEADER_ROW + 2
LINE_POINTS = 22  # one wrapped line of 14 pt Thai, marks above and below included
MAX_ROW_POINTS = 409  # Excel's limit

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)
_CENTER_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_STRATEGY_FILL = PatternFill("solid", fgColor="FCE4D6")
_TACTIC_FILL = PatternFill("solid", fgColor="FFF2CC")
_NUMERIC_KEYS = {"certified_level", "target_level"}
_CENTERED_KEYS = {"code", "quarters", "certified_level", "target_level", "target_met"}


def _font(bold: bool = False, size: int = FONT_SIZE) -> Font:
    return Font(name=FONT_NAME, size=size, bold=bold)


def cell_text(text: str) -> str:
    """Text as a cell can hold it: no control characters, not longer than Excel allows."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS] + TRUNCATED
    return text


def excel_datetime(moment: datetime) -> datetime:
    # Spreadsheet cells have no time zone: write the Bangkok wall-clock time the form shows.
    return moment.astimezone(BANGKOK).replace(tzinfo=None)


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"  # "=…" typed by a user stays text, never a formula
    elif isinstance(value, datetime):
        cell.value = excel_datetime(value)
        cell.number_format = BE_DATETIME
    elif isinstance(value, Decimal):
        cell.value = value
        cell.number_format = BUDGET_WHOLE if value == value.to_integral_value() else BUDGET_SATANG
    else:
        cell.value = value
    return cell


def _display_length(text: str) -> int:
    # Thai vowel and tone marks sit above or below their consonant and take no width.
    return sum(1 for ch in text if unicodedata.category(ch) != "Mn")


def estimate_lines(text: str, width_chars: float) -> int:
    # TH SarabunPSK fits a little more than the width in characters, but a reader without it
    # gets a wider fallback font and lines break at words: rows err on the tall side.
    per_line = max(1.0, width_chars * 0.75)
    return sum(max(1, math.ceil(_display_length(p) / per_line)) for p in text.split("\n"))


def _fit_row(ws: Worksheet, row: int, texts: list[tuple[str, float]]) -> None:
    """Excel does not size wrapped rows written by a library: estimate the height instead."""
    lines = max((estimate_lines(text, width) for text, width in texts), default=1)
    ws.row_dimensions[row].height = min(MAX_ROW_POINTS, max(1, lines) * LINE_POINTS + 4)


def _merged_line(ws: Worksheet, row: int, text: str, *, bold: bool = False, size: int = 14) -> None:
    last = len(COLUMNS)
    cell = put(ws, row, 1, text)
    cell.font = _font(bold, size)
    cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
    total_width = sum(c.width for c in COLUMNS)
    _fit_row(ws, row, [(text, total_width * FONT_SIZE / size)])


def _title_block(ws: Worksheet, report: ProgressReport) -> None:
    _merged_line(ws, 1, report.heading, bold=True, size=16)
    _merged_line(ws, 2, report.department_line, bold=True)
    _merged_line(ws, 3, report.period_line)
    # Row 4: the audit head, its sequence number as a number so it can be compared.
    put(ws, 4, 1, "บันทึกตรวจสอบลำดับที่").font = _font(bold=True)
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=2)
    seq = put(ws, 4, 3, report.audit_head.seq)
    seq.font = _font(bold=True)
    seq.alignment = Alignment(horizontal="left")
    put(ws, 4, 4, "SHA-256").font = _font(bold=True)
    put(ws, 4, 5, report.audit_head.entry_hash).font = _font()
    ws.merge_cells(start_row=4, start_column=5, end_row=4, end_column=14)
    put(ws, 5, 1, "จัดทำเมื่อ").font = _font(bold=True)
    ws.merge_cells(start_row=5, start_column=1, end_row=5, end_column=2)
    built = put(ws, 5, 3, report.built_at)
    built.font = _font()
    built.alignment = Alignment(horizontal="left")
    put(ws, 5, 4, "ขอบเขต").font = _font(bold=True)
    put(ws, 5, 5, report.scope_line).font = _font()
    ws.merge_cells(start_row=5, start_column=5, end_row=5, end_column=len(COLUMNS))
    for row in (4, 5):
        ws.row_dimensions[row].height = LINE_POINTS + 4
    _merged_line(ws, 6, report.summary_line)


def _header_rows(ws: Worksheet, report: ProgressReport) -> None:
    top, sub = HEADER_ROW, HEADER_ROW + 1
    index = 0
    while index < len(COLUMNS):
        column = COLUMNS[index]
        col = index + 1
        if column.group is None:
            put(ws, top, col, column.header)
            ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
            index += 1
            continue
        span = 0
        while index + span < len(COLUMNS) and COLUMNS[index + span].group == column.group:
            put(ws, sub, col + span, COLUMNS[index + span].header)
            span += 1
        group = report.results_heading if column.group == RESULTS else column.group
        put(ws, top, col, group)
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + span - 1)
        index += span
    for row in (top, sub):
        for col in range(1, len(COLUMNS) + 1):
            cell = ws.cell(row=row, column=col)
            cell.font = _font(bold=True)
            cell.alignment = _CENTER_WRAP
            cell.fill = _HEADER_FILL
            cell.border = _BORDER
    group_lines = estimate_lines(report.results_heading, 40)
    sub_lines = max(estimate_lines(c.header, c.width) for c in COLUMNS if c.group)
    whole_lines = max(estimate_lines(c.header, c.width) for c in COLUMNS if not c.group)
    ws.row_dimensions[top].height = group_lines * LINE_POINTS + 4
    ws.row_dimensions[sub].height = max(sub_lines, whole_lines - group_lines) * LINE_POINTS + 4


def _section_row(ws: Worksheet, row: int, text: str, fill: PatternFill) -> None:
    cell = put(ws, row, 1, text)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(COLUMNS))
    cell.font = _font(bold=True)
    cell.alignment = _TOP_WRAP
    for col in range(1, len(COLUMNS) + 1):
        ws.cell(row=row, column=col).fill = fill
        ws.cell(row=row, column=col).border = _BORDER
    _fit_row(ws, row, [(text, sum(c.width for c in COLUMNS))])


def _activity_row(ws: Worksheet, row: int, values: dict[str, Any]) -> None:
    texts = []
    for col, column in enumerate(COLUMNS, start=1):
        value = values[column.key]
        if column.key == "budget_baht" and value is None:
            value = NO_BUDGET
        cell = put(ws, row, col, value)
        cell.font = _font()
        cell.border = _BORDER
        horizontal = "center" if column.key in _CENTERED_KEYS else None
        if column.key == "budget_baht" and not isinstance(value, str):
            horizontal = "right"
        cell.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=True)
        if column.key in _NUMERIC_KEYS:
            cell.number_format = "0"
        if isinstance(value, str):
            texts.append((value, column.width))
    _fit_row(ws, row, texts)


def _page_setup(ws: Worksheet, report: ProgressReport, title_rows: str) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    ws.page_margins.header = ws.page_margins.footer = 0.3

    def literal(text: str) -> str:
        return text.replace("&", "&&")  # "&" starts a header code such as &P

    for part, text in (
        (ws.oddHeader.left, literal(report.department_line)),
        (ws.oddHeader.right, literal(report.fiscal_year_line)),
        (ws.oddFooter.left, f"บันทึกตรวจสอบลำดับที่ {report.audit_head.seq}"),
        (ws.oddFooter.right, "หน้า &P / &N"),
    ):
        part.text = text
        part.font = f"{FONT_NAME},Regular"
        part.size = 12


def _report_sheet(ws: Worksheet, report: ProgressReport) -> None:
    ws.title = REPORT_SHEET
    for col, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = column.width
    _title_block(ws, report)
    _header_rows(ws, report)
    row = FIRST_DATA_ROW
    for strategy in report.strategies:
        _section_row(ws, row, f"ยุทธศาสตร์ที่ {strategy.number} {strategy.title}", _STRATEGY_FILL)
        row += 1
        for tactic in strategy.tactics:
            _section_row(ws, row, f"กลยุทธ์ที่ {tactic.number} : {tactic.title}", _TACTIC_FILL)
            row += 1
            for activity in tactic.activities:
                _activity_row(ws, row, activity_values(activity))
                row += 1
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    _page_setup(ws, report, f"{HEADER_ROW}:{HEADER_ROW + 1}")


EVIDENCE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("ลำดับกิจกรรม", 9),
    ("โครงการ/กิจกรรม", 30),
    ("ระดับ", 7),
    ("ประเภท", 8),
    ("ชื่อไฟล์หรือที่อยู่ลิงก์", 36),
    ("SHA-256", 68),
    ("ขนาด (ไบต์)", 12),
    ("ผู้รับรอง", 18),
    ("วันที่รับรอง", 18),
    ("ลำดับบันทึกตรวจสอบ", 12),
    ("อนุญาตให้เผยแพร่", 11),
)


def _evidence_sheet(ws: Worksheet, report: ProgressReport) -> None:
    ws.title = EVIDENCE_SHEET
    for col, (header, width) in enumerate(EVIDENCE_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        cell = put(ws, 1, col, header)
        cell.font = _font(bold=True)
        cell.alignment = _CENTER_WRAP
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
    ws.row_dimensions[1].height = 2 * LINE_POINTS
    row = 2
    for *_, activity in report.activities():
        for cert in activity.certifications:
            for item in cert.evidence:
                values: list[Any] = [
                    activity.code,
                    activity.title,
                    cert.level,
                    "ไฟล์" if item.kind == "file" else LINK,
                    item.name,
                    item.sha256,
                    item.size,
                    cert.certified_by,
                    cert.certified_at,
                    cert.audit_seq,
                    "ใช่" if cert.publishable else "ไม่",
                ]
                for col, value in enumerate(values, start=1):
                    cell = put(ws, row, col, value)
                    cell.font = _font()
                    cell.border = _BORDER
                    cell.alignment = _TOP_WRAP
                _fit_row(ws, row, [(activity.title, 30), (item.name, 36)])
                row += 1
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(EVIDENCE_COLUMNS))}{max(row - 1, 1)}"
    _page_setup(ws, report, "1:1")


def render_xlsx(report: ProgressReport) -> bytes:
    workbook = Workbook()
    _report_sheet(workbook.active, report)
    _evidence_sheet(workbook.create_sheet(), report)
    workbook.properties.title = report.heading[:250]
    workbook.properties.creator = report.agency[:250]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
