"""Server-side SVG charts: well-formed, labelled, accessible, escaped and free of inline style."""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from workflow_app.dashboard.charts import (
    EM_RATIO,
    LABEL_SIZE,
    MET_FILL,
    PROGRESS_FILL,
    VALUE_COLUMN,
    WIDTH,
    BarRow,
    ProgressRow,
    bar_chart,
    fit_label,
    progress_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def progress(rows: list[ProgressRow]) -> ET.Element:
    return parse(
        progress_chart(
            rows,
            chart_id="p",
            title="ระดับที่รับรองเทียบกับเป้าหมาย",
            description="1 จาก 2 กิจกรรมบรรลุเป้าหมาย",
            certified_label="ระดับที่รับรองแล้ว",
            target_label="ระดับเป้าหมาย",
        )
    )


ROWS = [
    ProgressRow("1.1.1 องค์กรคุณธรรม", certified=2, target=4, levels=5, value_text="2 / 4"),
    ProgressRow("2.2.1 โครงการ ๑ จังหวัด", certified=1, target=1, levels=1, value_text="1 / 1"),
]


def test_progress_chart_is_valid_svg_with_its_thai_labels() -> None:
    root = progress(ROWS)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "ระดับที่รับรองเทียบกับเป้าหมาย"
    assert root.find(f"{SVG}title").text == "ระดับที่รับรองเทียบกับเป้าหมาย"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc")
    assert desc is not None and root.get("aria-describedby") == desc.get("id")
    labels = texts(root)
    for expected in ("1.1.1 องค์กรคุณธรรม", "2.2.1 โครงการ ๑ จังหวัด", "2 / 4", "1 / 1"):
        assert expected in labels
    assert "ระดับที่รับรองแล้ว" in labels and "ระดับเป้าหมาย" in labels
    assert labels[-6:] == ["0", "1", "2", "3", "4", "5"]  # the level scale
    width, height = int(root.get("width", "0")), int(root.get("height", "0"))
    assert root.get("viewBox") == f"0 0 {width} {height}" and width == WIDTH


def test_progress_bars_share_one_scale_and_mark_the_target() -> None:
    root = progress(ROWS)
    unit = (WIDTH - VALUE_COLUMN) / 5
    rows = root.findall(f"{SVG}g")
    assert len(rows) == 2
    track, done = rows[0].findall(f"{SVG}rect")
    assert float(track.get("width", "")) == round(5 * unit, 2)
    assert float(done.get("width", "")) == round(2 * unit, 2)
    assert done.get("fill") == PROGRESS_FILL
    target = rows[0].find(f"{SVG}line")
    assert target is not None and float(target.get("x1", "")) == round(4 * unit, 2)
    # The met row is green; its one-level track is a fifth of the scale.
    track, done = rows[1].findall(f"{SVG}rect")
    assert done.get("fill") == MET_FILL
    assert float(track.get("width", "")) == round(unit, 2)
    # Each row carries its full label as a tooltip.
    assert rows[0].find(f"{SVG}title").text == "1.1.1 องค์กรคุณธรรม: 2 / 4"  # type: ignore[union-attr]


def test_bar_chart_has_a_bar_per_row_scaled_to_the_largest() -> None:
    rows = [
        BarRow("รอการพิจารณา", 4, "4", fill="#5b7a99"),
        BarRow("ส่งกลับแก้ไข", 1, "1"),
        BarRow("รับรองครบทุกระดับ", 0, "0"),
    ]
    root = parse(bar_chart(rows, chart_id="s", title="จำนวนตามสถานะ", description="…"))
    groups = root.findall(f"{SVG}g")
    assert len(groups) == 3
    widths = [float(g.findall(f"{SVG}rect")[1].get("width", "")) for g in groups]
    full = WIDTH - VALUE_COLUMN
    assert widths == [full, full / 4, 0.0]
    assert groups[0].findall(f"{SVG}rect")[1].get("fill") == "#5b7a99"
    assert texts(root) == ["รอการพิจารณา", "4", "ส่งกลับแก้ไข", "1", "รับรองครบทุกระดับ", "0"]


def test_empty_charts_are_still_valid() -> None:
    assert progress([]).findall(f"{SVG}g") == []
    root = parse(bar_chart([], chart_id="e", title="ว่าง", description=""))
    assert root.get("aria-label") == "ว่าง"


def test_text_and_attributes_are_escaped_and_there_is_no_inline_style() -> None:
    nasty = '<script>alert("x")</script> & "q" \'s'
    markup = str(
        progress_chart(
            [ProgressRow(nasty, 0, 1, 2, "0 / 1")],
            chart_id='c"><script>',
            title=nasty,
            description=nasty,
            certified_label=nasty,
            target_label="t",
        )
    )
    assert "<script" not in markup
    root = parse(markup)  # well-formed despite the quotes and brackets
    assert root.get("aria-label") == nasty
    assert root.get("id") == 'c"><script>'
    assert "style" not in markup
    for element in root.iter():
        assert "style" not in element.attrib
    assert str(bar_chart([BarRow(nasty, 1, "1")], chart_id="b", title="t", description="d"))


def test_long_labels_are_shortened_to_fit() -> None:
    long = "4.1.2 ดำเนินการตามหลักเกณฑ์การประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ"
    short = fit_label(long, WIDTH)
    assert short.endswith("…") and long.startswith(short[:-1])
    root = progress([ProgressRow(long, 0, 4, 5, "0 / 4")])
    assert short in texts(root)
    assert root.find(f"{SVG}g/{SVG}title").text == f"{long}: 0 / 4"  # type: ignore[union-attr]
    assert fit_label("สั้น", WIDTH) == "สั้น"
    assert fit_label("  ช่องว่าง \n หลาย   ช่อง ", WIDTH) == "ช่องว่าง หลาย ช่อง"


thai_text = st.text(
    alphabet=st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B), max_size=120
)


@given(thai_text, st.integers(40, 400))
def test_shortened_labels_fit_and_never_strand_a_thai_mark(text: str, width: int) -> None:
    label = fit_label(text, width)
    if label == " ".join(text.split()):
        return
    assert label.endswith("…")
    body = label[:-1]
    assert " ".join(text.split()).startswith(body)
    rest = " ".join(text.split())[len(body) :]
    # The cut never separates a vowel or tone mark from the consonant it sits on.
    assert not rest or unicodedata.category(rest[0]) != "Mn"
    spacing = sum(1 for c in label if unicodedata.category(c) != "Mn")
    assert spacing <= max(width / (LABEL_SIZE * EM_RATIO), 1) + 1
