from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow_app.thai_text import (
    clean_cell,
    collapse_whitespace,
    join_thai_words,
    parse_int,
    strip_html,
    to_arabic_digits,
    to_thai_digits,
    without_spaces,
)


def test_digit_conversion() -> None:
    assert to_arabic_digits("พ.ศ. ๒๕๖๘ ไตรมาส ๑ - ๔") == "พ.ศ. 2568 ไตรมาส 1 - 4"
    assert to_thai_digits("1.1.2 งบ 828,000 บาท") == "๑.๑.๒ งบ ๘๒๘,๐๐๐ บาท"
    assert to_arabic_digits("๐๑๒๓๔๕๖๗๘๙") == "0123456789"
    assert to_thai_digits("ABC") == "ABC"


@pytest.mark.parametrize(
    ("text", "value"),
    [("๒๕๖๘", 2568), ("2568", 2568), (" ๑๒ ", 12), ("๐", 0), ("1๒3", 123)],
)
def test_parse_int(text: str, value: int) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize("text", ["", " ", "๑.๕", "-1", "1,000", "สิบ", "١٢", "²"])
def test_parse_int_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        parse_int(text)


def test_collapse_whitespace() -> None:
    assert collapse_whitespace("  ไตรมาส\t ๑ \n - ๔\xa0 ") == "ไตรมาส ๑ - ๔"
    assert collapse_whitespace("กรม\u200bอาเซียน") == "กรมอาเซียน"  # zero-width space
    assert collapse_whitespace("") == ""


def test_strip_html() -> None:
    assert strip_html('<ul style="list-style-type: none"> - ก</ul>') == "  - ก "
    assert strip_html("<p>ระดับคะแนน</p><p>๑ เกณฑ์</p>") == " ระดับคะแนน  ๑ เกณฑ์ "
    assert strip_html("&ldquo;ผ่าน&rdquo; &amp; &lt;p&gt;") == "“ผ่าน” & <p>"
    assert strip_html("ร้อยละ < 5 และ > 3") == "ร้อยละ < 5 และ > 3"
    assert strip_html("ก<!-- note -->ข") == "ก ข"
    assert strip_html("<a<b>>") == " "  # removing one tag must not leave another behind


def test_without_spaces() -> None:
    assert without_spaces("ไม่ใช้ งบประมาณ") == "ไม่ใช้งบประมาณ"
    assert without_spaces("ตลอด ปีงบ\tประมาณ\n") == "ตลอดปีงบประมาณ"


def test_clean_cell() -> None:
    raw = '<ul style="list-style-type: none"> - กรมอาเซียน  (สำนักงาน เลขาธิการกรม)'
    assert clean_cell(raw) == "- กรมอาเซียน (สำนักงาน เลขาธิการกรม)"
    assert clean_cell("<p>ก</p> <p>ข&nbsp;ค</p>") == "ก ข ค"


def test_join_thai_words() -> None:
    assert join_thai_words("สำนักงาน เลขานุการกรม") == "สำนักงานเลขานุการกรม"
    assert join_thai_words("ศูนย์ ITA กรม") == "ศูนย์ ITA กรม"  # spaces next to Latin stay
    assert join_thai_words(" กอง  ๑ ") == "กอง๑"


@given(st.text())
def test_digit_round_trip(text: str) -> None:
    # Thai digits survive a trip through Arabic and back, and vice versa.
    assert to_thai_digits(to_arabic_digits(to_thai_digits(text))) == to_thai_digits(text)
    assert to_arabic_digits(to_thai_digits(text)) == to_arabic_digits(text)


@given(st.integers(min_value=0, max_value=10**30))
def test_parse_int_reads_both_digit_systems(value: int) -> None:
    assert parse_int(str(value)) == value
    assert parse_int(to_thai_digits(str(value))) == value


@given(st.text())
def test_cleaning_is_idempotent(text: str) -> None:
    once = clean_cell(text)
    assert clean_cell(once) == once or "&" in text  # unescaping may reveal new entities
    assert collapse_whitespace(collapse_whitespace(text)) == collapse_whitespace(text)
    assert without_spaces(once) == without_spaces(without_spaces(once))
