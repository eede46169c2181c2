"""Documents the importer must refuse, and how it says so: every problem, by line, in one error."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow_app.plans.document import LineMessage, PlanDocument, PlanFormatError
from workflow_app.plans.importer import parse_plan, parse_plan_bytes

SEED = Path(__file__).resolve().parents[2] / "workflow_app" / "sample_data" / "asean_fy2568.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")

TITLE = "แผนปฏิบัติการป้องกันการทุจริต ประจำปีงบประมาณ พ.ศ. ๒๕๖๙"
AGENCY = "กรมทดสอบระบบ กระทรวงทดสอบ"
HEADER_1 = "\t".join(
    [
        "โครงการ/กิจกรรม",
        "วัตถุประสงค์",
        "ตัวชี้วัด",
        "ค่าเป้าหมาย",
        "ผลลัพธ์ที่คาดหวัง",
        "",
        "ระยะเวลาดำเนินการ (ไตรมาส)",
        "งบประมาณ (บาท)",
        "หน่วยงานรับผิดชอบ",
    ]
)
HEADER_2 = "\t\t\t\tผลลัพธ์เชิงปริมาณ\tผลลัพธ์เชิงคุณภาพ\t\t\t"
STRATEGY = "ยุทธศาสตร์ที่ ๑ ส่งเสริมความโปร่งใส"
TACTIC = "กลยุทธ์ที่ ๑ : เปิดเผยข้อมูลต่อสาธารณะ"


def activity(
    code: str = "๑.๑.๑",
    *,
    target: str = "- เผยแพร่ข้อมูล ๑ ครั้ง",
    quarters: str = "ไตรมาส ๑",
    budget: str = "-",
    unit: str = "กรมทดสอบระบบ (กองกลาง)",
) -> str:
    cells = [f"{code} เผยแพร่ข้อมูล", "- เพื่อความโปร่งใส", "- จำนวนครั้ง", target, "", ""]
    return "\t".join([*cells, quarters, budget, unit])


def document(*rows: str) -> str:
    """Title on line 1, agency on line 2, so rows[i] is on line i + 3."""
    return "\n".join([TITLE, AGENCY, *rows])


def errors_of(text: str) -> list[LineMessage]:
    with pytest.raises(PlanFormatError) as caught:
        parse_plan(text)
    return caught.value.errors


def lines_of(text: str) -> list[int]:
    return [e.line for e in errors_of(text)]


def test_the_baseline_document_is_valid() -> None:
    plan = parse_plan(document(STRATEGY, TACTIC, activity()))
    assert [a.code for a in plan.activities()] == ["1.1.1"]
    assert plan.agency == "กรมทดสอบระบบ"
    assert plan.fiscal_year == 2569


@pytest.mark.parametrize("text", ["", "\n\n", "\t\t\n  \n\t"])
def test_empty_document(text: str) -> None:
    [error] = errors_of(text)
    assert error.line == 1
    assert "expected the plan title" in error.message
    assert "empty document" in error.message


def test_title_without_fiscal_year() -> None:
    text = "\n\nแผนปฏิบัติการป้องกันการทุจริต\n" + AGENCY + "\n" + "\n".join([STRATEGY, TACTIC])
    text += "\n" + activity()
    [error] = errors_of(text)
    assert error.line == 3
    assert error.message.startswith("expected the fiscal year (พ.ศ. NNNN) in the plan title")
    assert '"แผนปฏิบัติการป้องกันการทุจริต"' in error.message


def test_no_title_at_all() -> None:
    text = "\n".join([HEADER_1, HEADER_2, STRATEGY, TACTIC, activity()])
    [error] = errors_of(text)
    assert error.line == 1
    assert "expected the plan title" in error.message


def test_missing_agency_line() -> None:
    text = "\n".join([TITLE, "", STRATEGY, TACTIC, activity()])
    [error] = errors_of(text)
    assert error.line == 3
    assert "expected the department and ministry line" in error.message


def test_fiscal_year_must_be_buddhist_era() -> None:
    text = document(STRATEGY, TACTIC, activity()).replace("๒๕๖๙", "2025")
    [error] = errors_of(text)
    assert error.line == 1
    assert "Buddhist-era" in error.message


def test_unknown_row_in_the_middle() -> None:
    text = document(STRATEGY, TACTIC, activity(), "หมายเหตุ: ข้อมูล ณ วันที่ ๑ ตุลาคม", TACTIC)
    [error] = errors_of(text)
    assert error.line == 6
    assert error.message == (
        "expected a strategy (ยุทธศาสตร์ที่ …), tactic (กลยุทธ์ที่ …), activity code (๑.๑.๑ …) "
        'or rubric row; found "หมายเหตุ: ข้อมูล ณ วันที่ ๑ ตุลาคม"'
    )


def test_long_text_is_quoted_shortened() -> None:
    long_row = "ข้อความที่ไม่ควรอยู่ตรงนี้ " * 10
    [error] = errors_of(document(STRATEGY, TACTIC, activity(), long_row))
    quoted = error.message.split("found ", 1)[1]
    assert quoted.endswith('…"')
    assert len(quoted) <= 62


def test_continuation_row_with_no_activity_above() -> None:
    [error] = errors_of(document(STRATEGY, TACTIC, "\tเพื่อความโปร่งใส", activity()))
    assert error.line == 5
    assert error.message.startswith("continuation row with no activity above it")


def test_rubric_before_any_activity() -> None:
    text = document(STRATEGY, TACTIC, "ระดับคะแนน\t\tเกณฑ์การให้คะแนน", "๑\t\tเกณฑ์", activity())
    [error] = errors_of(text)
    assert error.line == 5
    assert "rubric (ระดับคะแนน / เกณฑ์การให้คะแนน) with no activity above it" in error.message


def test_html_rubric_before_any_activity() -> None:
    rubric = "\t<p>ระดับคะแนน</p> <p>เกณฑ์การให้คะแนน</p> <p>๑ เกณฑ์</p>"
    [error] = errors_of(document(STRATEGY, TACTIC, rubric, activity()))
    assert error.line == 5


def test_activity_before_any_tactic() -> None:
    [error] = errors_of(document(STRATEGY, activity(), TACTIC, activity("๑.๑.๒")))
    assert error.line == 4
    assert error.message == "activity ๑.๑.๑ comes before any tactic (กลยุทธ์ที่ …)"


def test_levels_must_be_consecutive() -> None:
    text = document(
        STRATEGY,
        TACTIC,
        activity(target="ระดับ ๒"),
        "ระดับคะแนน\t\tเกณฑ์การให้คะแนน",
        "๑\t\tหนึ่ง",
        "๒\t\tสอง",
        "๔\t\tสี่",
    )
    [error] = errors_of(text)
    assert error.line == 9
    assert error.message == (
        "rubric levels must be numbered 1, 2, 3, … in order; expected level 3, found level 4"
    )


def test_html_levels_must_start_at_one() -> None:
    rubric = "<p>ระดับคะแนน</p> <p>เกณฑ์การให้คะแนน</p> <p>๒ สอง</p> <p>๓ สาม</p>"
    [error] = errors_of(document(STRATEGY, TACTIC, activity(target="ระดับ ๒"), rubric))
    assert error.line == 6
    assert "expected level 1, found level 2" in error.message


def test_target_level_above_the_rubric() -> None:
    text = document(
        STRATEGY,
        TACTIC,
        activity(target="ระดับ ๕"),
        "\tระดับคะแนน\t\tเกณฑ์การให้คะแนน",
        "๑\t\tหนึ่ง",
        "๒\t\tสอง",
        "๓\t\tสาม",
    )
    [error] = errors_of(text)
    assert error.line == 5  # the activity's line
    assert error.message == "activity ๑.๑.๑: target ระดับ 5 is outside the rubric's levels 1..3"


def test_level_target_without_a_rubric() -> None:
    [error] = errors_of(document(STRATEGY, TACTIC, activity(target="ระดับ ๓")))
    assert error.line == 5
    assert "target ระดับ 3 needs a rubric" in error.message


def test_activity_with_neither_rubric_nor_targets() -> None:
    [error] = errors_of(document(STRATEGY, TACTIC, activity(target="")))
    assert error.line == 5
    assert "expected a target (ค่าเป้าหมาย) or a rubric; found neither" in error.message


def test_rubric_level_without_a_criterion() -> None:
    text = document(STRATEGY, TACTIC, activity(target="ระดับ ๑"), "ระดับคะแนน\t\tเกณฑ์การให้คะแนน", "๑")
    [error] = errors_of(text)
    assert (error.line, error.message) == (7, "rubric level 1 has no criterion")


def test_rubric_text_before_any_level() -> None:
    text = document(
        STRATEGY,
        TACTIC,
        activity(target="ระดับ ๑"),
        "ระดับคะแนน\t\tเกณฑ์การให้คะแนน",
        "\t\tข้อความลอย",
        "๑\t\tหนึ่ง",
    )
    [error] = errors_of(text)
    assert error.line == 7
    assert error.message.startswith("expected a rubric level (a number, then its criterion)")


def test_second_rubric_for_one_activity() -> None:
    heading = "ระดับคะแนน\t\tเกณฑ์การให้คะแนน"
    text = document(
        STRATEGY, TACTIC, activity(target="ระดับ ๑"), heading, "๑\t\tหนึ่ง", heading, "๑\t\tอีก"
    )
    [error] = errors_of(text)
    assert error.line == 8
    assert "second rubric for activity ๑.๑.๑ (its rubric starts on line 6)" in error.message


@pytest.mark.parametrize("budget", ["ประมาณ ๕ หมื่น", "1,25,000", "12.345", "-500", "๕๐๐ ดอลลาร์"])
def test_unreadable_budget(budget: str) -> None:
    [error] = errors_of(document(STRATEGY, TACTIC, activity(budget=budget)))
    assert error.line == 5
    assert error.message.startswith("activity ๑.๑.๑: expected a budget in baht")
    assert error.message.endswith(f'found "{budget}"')


@pytest.mark.parametrize(
    ("quarters", "detail"),
    [
        ("ไตรมาส ๕", "quarter 5 is outside 1..4"),
        ("ไตรมาส ๐ - ๒", "quarter 0 is outside 1..4"),
        ("ไตรมาส ๔ - ๒", "a range must run forward"),
        ("เมษายน - มีนาคม", "a range must run forward"),
        ("ไตรมาส ๑ - ", "a range needs an end"),
        ("เร็วที่สุด", "unreadable period text"),
        ("", "no period given"),
    ],
)
def test_unreadable_quarters(quarters: str, detail: str) -> None:
    [error] = errors_of(document(STRATEGY, TACTIC, activity(quarters=quarters)))
    assert error.line == 5
    assert error.message.startswith("activity ๑.๑.๑: expected quarters (ไตรมาส ๑ - ๔")
    assert detail in error.message
    assert error.message.endswith(f'found "{quarters.strip()}"')


def test_duplicate_code_in_thai_and_arabic_digits() -> None:
    text = document(STRATEGY, TACTIC, activity("๑.๑.๑"), activity("1.1.1"))
    [error] = errors_of(text)
    assert error.line == 6
    assert error.message == "duplicate activity code 1.1.1 (first used on line 5)"


def test_too_many_columns() -> None:
    [error] = errors_of(document(STRATEGY, TACTIC, activity() + "\tส่วนเกิน"))
    assert error.line == 5
    assert "expected at most 9 columns" in error.message


def test_invalid_utf8_names_the_line() -> None:
    data = document(STRATEGY, TACTIC, activity()).encode("utf-8").split(b"\n")
    data[3] = data[3][:10] + b"\xff\xfe" + data[3][10:]
    with pytest.raises(PlanFormatError) as caught:
        parse_plan_bytes(b"\n".join(data))
    [error] = caught.value.errors
    assert error.line == 4
    assert error.message.startswith("expected UTF-8 text; found undecodable bytes")


def test_every_undecodable_line_is_named() -> None:
    # A legacy-encoded (TIS-620) file: every Thai line fails, and each is reported.
    data = document(STRATEGY, TACTIC, activity()).encode("tis-620")
    with pytest.raises(PlanFormatError) as caught:
        parse_plan_bytes(data)
    assert [e.line for e in caught.value.errors] == [1, 2, 3, 4, 5]
    assert "TIS-620" in caught.value.errors[0].message


def test_several_problems_give_several_messages_in_line_order() -> None:
    text = document(
        STRATEGY,
        TACTIC,
        activity("๑.๑.๑", budget="แพง"),  # line 5
        "ข้อความแปลกปลอม",  # line 6
        activity("๑.๑.๒", quarters="ไตรมาส ๙"),  # line 7
        activity("๑.๑.๑"),  # line 8: duplicate
        "ระดับคะแนน\t\tเกณฑ์การให้คะแนน",  # line 9: the rubric is fine, but …
        "๑\t\tหนึ่ง",
        "๓\t\tสาม",  # line 11: … skips level 2
    )
    errors = errors_of(text)
    assert [e.line for e in errors] == [5, 6, 7, 8, 11]
    with pytest.raises(PlanFormatError) as caught:
        parse_plan(text)
    rendered = str(caught.value).split("\n")
    assert len(rendered) == 5
    assert all(
        line.startswith(f"line {e.line}: ") for line, e in zip(rendered, errors, strict=True)
    )


def test_plan_format_error_is_a_value_error() -> None:
    error = PlanFormatError([LineMessage(3, "a"), LineMessage(7, "b")])
    assert isinstance(error, ValueError)
    assert str(error) == "line 3: a\nline 7: b"
    assert error.errors == [LineMessage(3, "a"), LineMessage(7, "b")]
    copy = pickle.loads(pickle.dumps(error))
    assert copy.errors == error.errors
    assert str(copy) == str(error)


# -- robustness -------------------------------------------------------------------------------

SEED_LINES = SEED_TEXT.split("\n")


# Pieces that matter to the format, plus a few that do not.
_PIECES = [
    *"\t -.,()/:<>p๑๒๓๔๕0123456789ก\r\u200b",
    *["ระดับ", "ไตรมาส", "<p>", "</p>", "ล้าน", "บาท", "ระดับคะแนน", "เกณฑ์การให้คะแนน"],
    *["ยุทธศาสตร์ที่ ", "กลยุทธ์ที่ ", "โครงการ/กิจกรรม", "วัตถุประสงค์", "ตัวชี้วัด"],
]


def _junk(max_size: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(_PIECES), max_size=max_size).map("".join)


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    """The seed with a few lines deleted, duplicated, swapped, overwritten or spliced into."""
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "splice"]))
        if operation == "delete" and len(lines) > 1:
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, lines[index])
        elif operation == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif operation == "replace":
            lines[index] = draw(_junk(20))
        else:
            at = draw(st.integers(0, len(lines[index])))
            piece = draw(_junk(6))
            lines[index] = lines[index][:at] + piece + lines[index][at:]
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_seed())
def test_mutated_seed_either_parses_or_raises_plan_format_error(text: str) -> None:
    try:
        plan = parse_plan(text)
    except PlanFormatError as error:
        assert error.errors
        assert all(1 <= e.line <= text.count("\n") + 1 for e in error.errors)
        assert all(e.message for e in error.errors)
    else:
        assert isinstance(plan, PlanDocument)
        for act in plan.activities():
            assert act.quarters and set(act.quarters) <= {1, 2, 3, 4}
            assert 1 <= act.target_level <= len(act.levels)
            assert [level.number for level in act.levels] == list(range(1, len(act.levels) + 1))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        parse_plan_bytes(data)
    except PlanFormatError as error:
        assert error.errors
