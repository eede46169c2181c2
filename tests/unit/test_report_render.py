"""The three renderers on a report model made by hand (no database), and their Thai helpers."""

from __future__ import annotations

import csv as stdlib_csv
import io
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workflow_app.audit.head import ChainHead
from workflow_app.formatting import format_date
from workflow_app.reports import csv as report_csv
from workflow_app.reports.model import (
    COLUMNS,
    NO_BUDGET,
    ActivityResult,
    Certification,
    Evidence,
    ProgressReport,
    StrategySection,
    TacticSection,
    quarter_cutoff,
    quarter_end,
)
from workflow_app.reports.pdf import compact_quarters, render_pdf
from workflow_app.reports.thai_pdf import clusters, words, wrap
from workflow_app.reports.xlsx import MAX_CELL_CHARS, REPORT_SHEET, render_xlsx

HASH = "ab" * 32
FILE_HASH = "0123456789abcdef" * 4
APPROVED_AT = datetime(2024, 12, 20, 3, 30, tzinfo=UTC)  # 20 Dec 2567, 10:30 in Bangkok
# Words whose marks fpdf2 alone extracted wrongly: SARA AM, and tone marks over tall letters.
TRICKY = ("ดำเนินการ", "ปั้น", "ฝ่าย", "ปี่", "สัมฤทธิ์", "น้ำใจ", "ประจำปีงบประมาณ")


def certification(level: int, narrative: str, **changes: object) -> Certification:
    values: dict[str, object] = {
        "level": level,
        "criterion": f"เกณฑ์ระดับ {level}",
        "narrative": narrative,
        "evidence": (
            Evidence("file", "รายงานผล.pdf", FILE_HASH, 1234),
            Evidence("link", "https://www.mfa.go.th/x", None, None),
        ),
        "certified_by": "สมหญิง ใจดี",
        "certified_by_username": "head",
        "certified_at": APPROVED_AT,
        "audit_seq": 40 + level,
        "publishable": level == 1,
        "submission_id": level,
    }
    values.update(changes)
    return Certification(**values)  # type: ignore[arg-type]


def activity(code: str, title: str, **changes: object) -> ActivityResult:
    values: dict[str, object] = {
        "id": int(code.replace(".", "")),
        "code": code,
        "title": title,
        "objectives": ("เพื่อส่งเสริมคุณธรรม", "เพื่อป้องกันการทุจริต"),
        "indicators": ("ระดับความสำเร็จของการดำเนินการ",),
        "targets": ("ระดับ ๔",),
        "target_level": 4,
        "level_count": 5,
        "outcomes_quantitative": ("จัดกิจกรรม ๑ ครั้ง",),
        "outcomes_qualitative": ("บุคลากรมีคุณธรรม",),
        "quarters": (1, 2, 3, 4),
        "budget_baht": None,
        "responsible_unit": "กรมอาเซียน (สำนักงานเลขานุการกรม)",
        "certifications": (),
    }
    values.update(changes)
    return ActivityResult(**values)  # type: ignore[arg-type]


def sample_report(*, narrative: str = "ฝ่ายบริหารดำเนินการปั้นแผนแล้ว") -> ProgressReport:
    first = activity(
        "1.1.1",
        "องค์กรคุณธรรม",
        certifications=(
            certification(1, narrative),
            certification(2, "จัดประชุมชี้แจงแล้ว", certified_at=APPROVED_AT.replace(day=21)),
        ),
    )
    second = activity(
        "2.2.1",
        "โครงการห้องสมุดอาเซียน ประจำปีงบประมาณ",
        quarters=(3, 4),
        budget_baht=Decimal("2500000"),
        target_level=1,
        level_count=1,
        certifications=(certification(1, "ส่งมอบห้องสมุดแล้ว สัมฤทธิ์ผล น้ำใจ ปี่"),),
    )
    third = activity("4.1.1", "ประเมินความเสี่ยงการทุจริต", budget_baht=Decimal("1250.50"))
    return ProgressReport(
        plan_id=7,
        title="แผนปฏิบัติการส่งเสริมคุณธรรม ประจำปีงบประมาณ พ.ศ. ๒๕๖๘",
        agency="กรมอาเซียน",
        ministry="กระทรวงการต่างประเทศ",
        fiscal_year=2568,
        source_sha256="cd" * 32,
        quarter=1,
        as_at=quarter_cutoff(2568, 1),
        built_at=datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
        audit_head=ChainHead(seq=123, entry_hash=HASH),
        strategies=(
            StrategySection(
                1,
                "ส่งเสริมสภาพแวดล้อมที่เอื้อต่อการเสริมสร้างมาตรฐานทางจริยธรรม",
                (TacticSection(1, "ขับเคลื่อนองค์กรคุณธรรม", (first,)),),
            ),
            StrategySection(
                2,
                "การเสริมสร้างขีดความสามารถ",
                (
                    TacticSection(2, "เสริมสร้างการมีจิตสาธารณะ", (second,)),
                    TacticSection(3, "ประเมินความเสี่ยง", (third,)),
                ),
            ),
        ),
    )


# --- The fiscal calendar ------------------------------------------------------------------


def test_quarter_one_of_2568_ends_on_31_december_2567() -> None:
    assert quarter_end(2568, 1) == date(2024, 12, 31)
    assert quarter_end(2568, 4) == date(2025, 9, 30)
    # Midnight after the last day, Bangkok time (UTC+7).
    assert quarter_cutoff(2568, 1) == datetime(2024, 12, 31, 17, 0, tzinfo=UTC)
    assert format_date(quarter_end(2568, 1)) == "31 ธันวาคม 2567"


def test_period_line_names_the_quarter_and_its_last_day() -> None:
    report = sample_report()
    assert report.period_line == (
        "ผลการดำเนินงาน ณ สิ้นไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2568 (31 ธันวาคม 2567)"
    )
    assert not report.provisional
    early = replace(report, as_at=datetime(2024, 11, 1, tzinfo=UTC))
    assert early.provisional and "ยังไม่สิ้นสุด" in early.period_line


# --- Thai line breaking -----------------------------------------------------------------------


def test_words_are_dictionary_words_and_marks_stay_with_their_letter() -> None:
    assert words("ความโปร่งใสของกรม") == ["ความ", "โปร่งใส", "ของ", "กรม"]
    assert clusters("ปั้น") == ["ปั้", "น"]


def test_wrap_breaks_between_words_never_inside_them() -> None:
    text = "การส่งเสริมคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ"
    lines = wrap(text, 12, len)
    assert "".join(lines) == text
    assert all(len(line) <= 12 for line in lines)
    for word in ("ส่งเสริม", "คุณธรรม", "โปร่งใส", "ดำเนินงาน", "หน่วยงาน"):
        assert any(word in line for line in lines), word


def test_wrap_keeps_newlines_and_cuts_an_overlong_token_between_letters() -> None:
    assert wrap("หนึ่ง\n\nสอง", 50, len) == ["หนึ่ง", "", "สอง"]
    lines = wrap(FILE_HASH, 20, len)
    assert "".join(lines) == FILE_HASH and max(len(line) for line in lines) <= 20
    assert wrap("x" * 50, 20, len) == ["x" * 20, "x" * 20, "x" * 10]
    assert wrap("(สำนักงาน เลขานุการกรม)", 12, len)[0].startswith("(สำนักงาน")


def test_quarters_are_compacted_for_the_narrow_pdf_column() -> None:
    assert compact_quarters((1, 2, 3, 4)) == "1-4"
    assert compact_quarters((1, 3, 4)) == "1, 3-4"
    assert compact_quarters((2,)) == "2"


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_has_real_cells_merged_sections_and_print_setup() -> None:
    report = sample_report()
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    sheet = book[REPORT_SHEET]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:Q1", "A8:A9", "F8:G8", "K8:Q8", "A10:Q10", "A11:Q11"} <= merged
    assert sheet["A10"].value.startswith("ยุทธศาสตร์ที่ 1")
    assert sheet["A11"].value == "กลยุทธ์ที่ 1 : ขับเคลื่อนองค์กรคุณธรรม"
    assert sheet["K8"].value == "ผลการดำเนินงาน ณ 31 ธันวาคม 2567"
    row = [cell.value for cell in sheet[12]]
    assert row[0] == "1.1.1" and row[1] == "องค์กรคุณธรรม"
    assert row[2] == "เพื่อส่งเสริมคุณธรรม\nเพื่อป้องกันการทุจริต"
    assert row[8] == NO_BUDGET
    assert (row[10], row[11], row[12]) == (2, 4, "ยังไม่บรรลุ")
    assert isinstance(row[16], datetime) and row[16] == datetime(2024, 12, 21, 10, 30)
    assert sheet.cell(12, 17).number_format.startswith("[$-107041E]")
    assert FILE_HASH in row[14]
    budget_row = [cell.value for cell in sheet[15]]  # strategy 2, tactic 2, then 2.2.1
    assert budget_row[0] == "2.2.1" and budget_row[8] == 2500000
    assert sheet.cell(15, 9).number_format == "#,##0"
    assert sheet.cell(17, 9).value == Decimal("1250.5") or sheet.cell(17, 9).value == 1250.5
    # The audit head: its number as a number, its hash in full.
    assert sheet["C4"].value == 123 and sheet["E4"].value == HASH
    setup = sheet.page_setup
    assert (setup.orientation, str(setup.paperSize), setup.fitToWidth) == ("landscape", "9", 1)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$8:$9"
    assert "กรมอาเซียน" in sheet.oddHeader.left.text
    assert "2568" in sheet.oddHeader.right.text
    assert sheet.column_dimensions["B"].width == 22
    assert sheet.cell(12, 2).alignment.wrap_text
    evidence = book["หลักฐาน"]
    hashes = [evidence.cell(r, 6).value for r in range(2, evidence.max_row + 1)]
    assert hashes.count(FILE_HASH) == 3 and None in hashes  # three files and their links


def test_xlsx_keeps_formula_like_text_as_text_and_caps_long_cells() -> None:
    report = sample_report(narrative='=HYPERLINK("http://evil")' + "ก" * 40_000)
    sheet = load_workbook(io.BytesIO(render_xlsx(report)))[REPORT_SHEET]
    cell = sheet.cell(12, [c.key for c in COLUMNS].index("work_done") + 1)
    assert cell.data_type == "s"
    assert cell.value.startswith("ระดับ 1: =HYPERLINK")
    assert len(cell.value) < 32_767 and len(cell.value) > MAX_CELL_CHARS


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_round_trips_with_bom_and_thai() -> None:
    report = sample_report()
    data = report_csv.render_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")
    back = list(stdlib_csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert back == [report_csv.header(), *report_csv.rows(report)]
    assert len(back) == 1 + 3
    header, first, second, third = back
    assert header[:4] == ["ยุทธศาสตร์ที่", "ยุทธศาสตร์", "กลยุทธ์ที่", "กลยุทธ์"]
    assert "ผลลัพธ์เชิงปริมาณ" in header
    column = {name: index for index, name in enumerate(header)}
    assert first[column["ลำดับ"]] == "1.1.1"
    assert first[column["ระดับที่ได้รับการรับรอง"]] == "2"
    assert second[column["ระยะเวลาดำเนินการ (ไตรมาส)"]] == "3, 4"
    assert Decimal(second[column["งบประมาณ (บาท)"]]) == Decimal("2500000")
    assert Decimal(third[column["งบประมาณ (บาท)"]]) == Decimal("1250.50")
    assert first[column["งบประมาณ (บาท)"]] == ""
    last = datetime.fromisoformat(first[column["วันที่รับรองล่าสุด"]])
    assert last == APPROVED_AT.replace(day=21)
    assert first[column["วัตถุประสงค์"]].split("\n") == ["เพื่อส่งเสริมคุณธรรม", "เพื่อป้องกันการทุจริต"]


def test_csv_guards_formulas_and_read_csv_undoes_the_guard() -> None:
    report = sample_report(narrative="x")
    evil = replace(report.strategies[0].tactics[0].activities[0], title="=cmd|' /C calc'!A0")
    tactic = replace(report.strategies[0].tactics[0], activities=(evil,))
    report = replace(
        report,
        strategies=(replace(report.strategies[0], tactics=(tactic,)), *report.strategies[1:]),
    )
    data = report_csv.render_csv(report)
    raw = list(stdlib_csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert raw[1][5] == "'=cmd|' /C calc'!A0"
    assert report_csv.read_csv(data) == [report_csv.header(), *report_csv.rows(report)]
    assert report_csv.unguard(report_csv.guard("'quoted")) == "'quoted"


# --- PDF ---------------------------------------------------------------------------------------


def pdftotext(data: bytes, tmp_path: Path) -> str:
    """The PDF's text in content order (-raw): each cell's lines together. (The default mode
    regroups a table's neighbouring columns by position, as it does for any table.)"""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install the Debian package poppler-utils")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def squeeze(text: str) -> str:
    """Text without whitespace: a cell's line breaks fall where the column ends."""
    return "".join(text.split())


def test_pdf_text_extracts_as_written(tmp_path: Path) -> None:
    report = sample_report()
    data = render_pdf(report)
    assert data.startswith(b"%PDF")
    text = pdftotext(data, tmp_path)
    flat = squeeze(text)
    for *_, row in report.activities():
        assert squeeze(f"{row.code} {row.title}") in flat, row.title
    assert "31 ธันวาคม 2567" in text  # the quarter's end, Buddhist era
    assert "21 ธันวาคม 2567\nเวลา 10:30 น." in text  # a certification, Bangkok time
    assert HASH in flat and "ลำดับที่ 123" in text
    assert "กรมอาเซียน กระทรวงการต่างประเทศ" in text and "ปีงบประมาณ พ.ศ. 2568" in text
    assert "หน้า 1 จาก" in text
    assert FILE_HASH in flat  # the appendix lists evidence with its full SHA-256
    for word in TRICKY:
        assert word in text, word
    assert "ดำ เนิน" not in text


def test_pdf_row_longer_than_a_page_continues_on_the_next(tmp_path: Path) -> None:
    sentence = "ฝ่ายบริหารดำเนินการจัดประชุมเพื่อส่งเสริมคุณธรรมและความโปร่งใส "
    long = sample_report(narrative=sentence * 120 + "จบรายงาน")
    text = pdftotext(render_pdf(long), tmp_path)
    assert text.count("หน้า ") >= 3
    assert "จบรายงาน" in text
    assert squeeze(text).count(squeeze(sentence)) >= 100
