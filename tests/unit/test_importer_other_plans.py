"""Two further plans written for the tests (other departments, invented content).

plan_arabic_three_levels.txt: Arabic digits, 2 strategies / 3 tactics, a 3-level tab rubric
whose heading is shifted and whose criterion continues across a page, a 7-level HTML rubric
continued across a page, month-name quarters, a ล้านบาท budget with decimals.

plan_continued_columns.txt: Thai and Arabic digits mixed, 3 strategies / 4 tactics, a 3-level
HTML rubric in the first cell, a 7-level tab rubric with its heading shifted two cells and a
criterion continued across a page, an activity continued across a page in the title column and
three others, a continuation with an empty first cell, a code that disagrees with its tactic.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from workflow_app.plans.document import (
    ActivityDoc,
    LevelDoc,
    LineMessage,
    PlanDocument,
    PlanFormatError,
    StrategyDoc,
    TacticDoc,
)
from workflow_app.plans.importer import (
    parse_budget_satang,
    parse_plan,
    parse_plan_bytes,
    parse_quarters,
    parse_responsible_unit,
    split_items,
)

DATA = Path(__file__).resolve().parents[1] / "data"

ARABIC_STRATEGIES = [
    StrategyDoc(
        number=1,
        title="ปลูกฝังวัฒนธรรมสุจริตและจิตสำนึกสาธารณะแก่บุคลากรทุกระดับ",
        line=7,
        tactics=[
            TacticDoc(
                number=1,
                title="พัฒนาความรู้ด้านการป้องกันผลประโยชน์ทับซ้อน",
                line=8,
                activities=[],
            ),
            TacticDoc(
                number=2,
                title="เสริมสร้างการมีส่วนร่วมของภาคีเครือข่ายสหกรณ์",
                line=19,
                activities=[],
            ),
        ],
    ),
    StrategyDoc(
        number=2,
        title="ยกระดับความโปร่งใสในการบริหารงานของกรม",
        line=22,
        tactics=[
            TacticDoc(
                number=1,
                title="เปิดเผยข้อมูลสาธารณะตามเกณฑ์ ITA",
                line=23,
                activities=[],
            ),
        ],
    ),
]
ARABIC_ACTIVITIES = [
    ActivityDoc(
        code="1.1.1",
        code_as_printed="1.1.1",
        title="อบรมเชิงปฏิบัติการ การป้องกันผลประโยชน์ทับซ้อน สำหรับผู้บริหาร",
        objectives=[
            "เพื่อให้ผู้บริหารเข้าใจ หลักการแยกแยะประโยชน์ส่วนตน และประโยชน์ส่วนรวม",
            "เพื่อลดข้อร้องเรียน เรื่องผลประโยชน์ทับซ้อน",
        ],
        indicators=[
            "ร้อยละของผู้เข้าอบรม ที่ผ่านการทดสอบ",
        ],
        targets=[
            "ผู้เข้าอบรมผ่าน การทดสอบไม่น้อยกว่า ร้อยละ 80",
            "จัดอบรม 2 รุ่น",
        ],
        target_level=2,
        outcomes_quantitative=[
            "ผู้บริหารเข้าอบรม จำนวน 120 คน",
        ],
        outcomes_qualitative=[
            "ผู้บริหารนำความรู้ไปใช้ ในการตัดสินใจ อย่างโปร่งใส",
        ],
        quarters=[1],
        budget_satang=125000000,
        responsible_unit="กรมส่งเสริมสหกรณ์ (กองการเจ้าหน้าที่)",
        unit_path=("กรมส่งเสริมสหกรณ์", "กองการเจ้าหน้าที่"),
        levels=[
            LevelDoc(1, "ผู้เข้าอบรมผ่าน การทดสอบไม่น้อยกว่า ร้อยละ 80"),
            LevelDoc(2, "จัดอบรม 2 รุ่น"),
        ],
        level_source="targets",
        line=9,
    ),
    ActivityDoc(
        code="1.1.2",
        code_as_printed="1.1.2",
        title="สร้างชุดความรู้ออนไลน์ เรื่องการรับของขวัญ",
        objectives=[
            "เพื่อเผยแพร่ แนวปฏิบัติ No Gift Policy ผ่านระบบ e-Learning ให้บุคลากรทั่วประเทศ",
        ],
        indicators=[
            "จำนวนบุคลากร ที่เข้าเรียนผ่านระบบ",
        ],
        targets=[
            "ระดับ 3",
        ],
        target_level=3,
        outcomes_quantitative=[
            "บุคลากรเข้าเรียน ไม่น้อยกว่า 500 คน",
        ],
        outcomes_qualitative=[
            "บุคลากรปฏิเสธ การรับของขวัญ ทุกโอกาส",
        ],
        quarters=[2, 3],
        budget_satang=4550050,
        responsible_unit="ศูนย์ปฏิบัติการต่อต้านการทุจริต",
        unit_path=("กรมส่งเสริมสหกรณ์", "ศูนย์ปฏิบัติการต่อต้านการทุจริต"),
        levels=[
            LevelDoc(1, "จัดทำเนื้อหาชุดความรู้ และผ่านความเห็นชอบของผู้บริหาร"),
            LevelDoc(2, "เผยแพร่ชุดความรู้บนระบบ e-Learning ของกรม และแจ้งเวียนหน่วยงานในสังกัดทุกจังหวัด"),
            LevelDoc(3, "บุคลากรเข้าเรียนครบ 500 คน และมีผลประเมินความพึงพอใจ ร้อยละ 85 ขึ้นไป"),
        ],
        level_source="rubric",
        line=10,
    ),
    ActivityDoc(
        code="1.2.1",
        code_as_printed="1.2.1",
        title="ประกาศเจตนารมณ์ สหกรณ์สุจริต",
        objectives=[
            "เพื่อให้สหกรณ์ ต้นแบบร่วมประกาศ เจตนารมณ์ต่อต้านการทุจริต",
        ],
        indicators=[
            "จำนวนสหกรณ์ ที่ร่วมประกาศ เจตนารมณ์",
        ],
        targets=[
            "สหกรณ์ร่วมประกาศ อย่างน้อย 77 แห่ง",
        ],
        target_level=1,
        outcomes_quantitative=[
            "สหกรณ์ 77 แห่ง ร่วมประกาศ",
        ],
        outcomes_qualitative=[
            "ภาคีเครือข่าย มีความตื่นตัว ในการต่อต้าน การทุจริต",
        ],
        quarters=[1, 3],
        budget_satang=None,
        responsible_unit="กรมส่งเสริมสหกรณ์ (กลุ่มตรวจสอบภายใน, กองการเจ้าหน้าที่)",
        unit_path=("กรมส่งเสริมสหกรณ์", "กลุ่มตรวจสอบภายใน"),
        levels=[
            LevelDoc(1, "สหกรณ์ร่วมประกาศ อย่างน้อย 77 แห่ง"),
        ],
        level_source="targets",
        line=21,
    ),
    ActivityDoc(
        code="2.1.1",
        code_as_printed="2.1.1",
        title="เปิดเผยข้อมูล สาธารณะ (OIT)",
        objectives=[
            "เพื่อเปิดเผยข้อมูล การดำเนินงานของกรม ตามเกณฑ์ OIT ครบทุกข้อ",
        ],
        indicators=[
            "ระดับความสำเร็จ ในการเปิดเผยข้อมูล",
        ],
        targets=[
            "ระดับ 6",
        ],
        target_level=6,
        outcomes_quantitative=[
            "เผยแพร่ข้อมูลครบ 33 ข้อ",
        ],
        outcomes_qualitative=[
            "ประชาชนเข้าถึงข้อมูล ได้สะดวก และตรวจสอบได้",
        ],
        quarters=[1, 2, 3, 4],
        budget_satang=240000000,
        responsible_unit="กรมส่งเสริมสหกรณ์ (สำนักงานเลขานุการกรม)",
        unit_path=("กรมส่งเสริมสหกรณ์", "สำนักงานเลขานุการกรม"),
        levels=[
            LevelDoc(1, "แต่งตั้งคณะทำงานเปิดเผยข้อมูลสาธารณะ"),
            LevelDoc(2, "จัดทำแผนการเปิดเผยข้อมูล ตามเกณฑ์ OIT"),
            LevelDoc(3, "เผยแพร่ข้อมูลพื้นฐาน ครบถ้วน"),
            LevelDoc(4, "เผยแพร่ข้อมูลการจัดซื้อจัดจ้าง"),
            LevelDoc(5, "เผยแพร่ข้อมูลการบริหาร ทรัพยากรบุคคล และรายงานผล การใช้จ่ายงบประมาณ"),
            LevelDoc(6, "ผู้บริหารกำกับติดตาม การเปิดเผยข้อมูลทุกไตรมาส"),
            LevelDoc(7, "ผลคะแนน OIT ไม่ต่ำกว่าร้อยละ 95"),
        ],
        level_source="rubric",
        line=24,
    ),
    ActivityDoc(
        code="2.1.2",
        code_as_printed="2.1.2",
        title="จัดทำคู่มือ การปฏิบัติงาน ด้านบริการประชาชน",
        objectives=[
            "เพื่อลดขั้นตอน และดุลยพินิจ ของเจ้าหน้าที่",
        ],
        indicators=[
            "จำนวนคู่มือ ที่เผยแพร่",
        ],
        targets=[
            "คู่มือ 4 เรื่อง",
        ],
        target_level=1,
        outcomes_quantitative=[
            "คู่มือ 4 เรื่อง เผยแพร่บนเว็บไซต์",
        ],
        outcomes_qualitative=[
            "ประชาชนได้รับบริการ ที่เป็นมาตรฐาน เดียวกัน",
        ],
        quarters=[1, 2, 3, 4],
        budget_satang=15000000,
        responsible_unit="กองแผนงาน",
        unit_path=("กรมส่งเสริมสหกรณ์", "กองแผนงาน"),
        levels=[
            LevelDoc(1, "คู่มือ 4 เรื่อง"),
        ],
        level_source="targets",
        line=30,
    ),
]

CONTINUED_STRATEGIES = [
    StrategyDoc(
        number=1,
        title="เสริมสร้างวัฒนธรรมองค์กรที่ยึดมั่นในความซื่อสัตย์สุจริต",
        line=6,
        tactics=[
            TacticDoc(
                number=1,
                title="ส่งเสริมให้บุคลากรปฏิบัติตามประมวลจริยธรรม",
                line=7,
                activities=[],
            ),
            TacticDoc(
                number=2,
                title="ป้องกันผลประโยชน์ทับซ้อนในการปฏิบัติงาน",
                line=15,
                activities=[],
            ),
        ],
    ),
    StrategyDoc(
        number=2,
        title="เปิดโอกาสให้ประชาชนมีส่วนร่วมตรวจสอบการดำเนินงาน",
        line=29,
        tactics=[
            TacticDoc(
                number=1,
                title="พัฒนาช่องทางรับเรื่องร้องเรียน",
                line=30,
                activities=[],
            ),
        ],
    ),
    StrategyDoc(
        number=3,
        title="บริหารงานบุคคลอย่างเป็นธรรมและโปร่งใส",
        line=37,
        tactics=[
            TacticDoc(
                number=1,
                title="เปิดเผยหลักเกณฑ์การแต่งตั้งโยกย้าย",
                line=38,
                activities=[],
            ),
        ],
    ),
]
CONTINUED_ACTIVITIES = [
    ActivityDoc(
        code="1.1.1",
        code_as_printed="๑.๑.๑",
        title="เสริมสร้างวินัย และจริยธรรม ข้าราชการ",
        objectives=[
            "เพื่อสร้างความตระหนัก ในการปฏิบัติตาม ประมวลจริยธรรม",
        ],
        indicators=[
            "ร้อยละของบุคลากร ที่ผ่านการอบรม",
        ],
        targets=[
            "ระดับ ๒",
        ],
        target_level=2,
        outcomes_quantitative=[
            "บุคลากรเข้าอบรม ๓๐๐ คน",
        ],
        outcomes_qualitative=[
            "ข้อร้องเรียน ด้านวินัยลดลง",
        ],
        quarters=[2],
        budget_satang=35000000,
        responsible_unit="กรมการพัฒนาชุมชน (กองการเจ้าหน้าที่)",
        unit_path=("กรมการพัฒนาชุมชน", "กองการเจ้าหน้าที่"),
        levels=[
            LevelDoc(1, "จัดทำหลักสูตรการอบรม"),
            LevelDoc(2, "จัดอบรมบุคลากร ครบ ๓๐๐ คน"),
            LevelDoc(3, "ประเมินผลการอบรม และรายงานอธิบดี"),
        ],
        level_source="rubric",
        line=8,
    ),
    ActivityDoc(
        code="1.1.2",
        code_as_printed="๑.๑.๒",
        title="ยกย่องข้าราชการ และเจ้าหน้าที่ ที่มี ความประพฤติดีเด่น",
        objectives=[
            "เพื่อเชิดชู ผู้ประพฤติตน เป็นแบบอย่าง",
            "เพื่อสร้างแรงจูงใจ ในการทำความดี",
        ],
        indicators=[
            "จำนวนผู้ได้รับ การยกย่อง",
        ],
        targets=[
            "คัดเลือกต้นแบบ จังหวัดละ ๑ คน",
            "ประกาศเกียรติคุณ ผ่านเว็บไซต์",
        ],
        target_level=2,
        outcomes_quantitative=[
            "ต้นแบบ ๗๖ คน",
        ],
        outcomes_qualitative=[
            "บุคลากรมี แบบอย่างที่ดี",
        ],
        quarters=[3, 4],
        budget_satang=None,
        responsible_unit="กรมการพัฒนาชุมชน (สำนักงานเลขาธิการกรม)",
        unit_path=("กรมการพัฒนาชุมชน", "สำนักงานเลขานุการกรม"),
        levels=[
            LevelDoc(1, "คัดเลือกต้นแบบ จังหวัดละ ๑ คน"),
            LevelDoc(2, "ประกาศเกียรติคุณ ผ่านเว็บไซต์"),
        ],
        level_source="targets",
        line=10,
    ),
    ActivityDoc(
        code="1.2.1",
        code_as_printed="๑.๒.๑",
        title="ประเมินความเสี่ยง การทุจริตในกระบวนการ จัดซื้อจัดจ้าง",
        objectives=[
            "เพื่อระบุ และควบคุม ความเสี่ยงการทุจริต",
        ],
        indicators=[
            "ระดับความสำเร็จ ของการบริหาร ความเสี่ยง",
        ],
        targets=[
            "ระดับ ๕",
        ],
        target_level=5,
        outcomes_quantitative=[
            "แผนบริหาร ความเสี่ยง ๑ ฉบับ",
            "รายงานผล ๒ ครั้ง (เดือนมีนาคม - กันยายน)",
        ],
        outcomes_qualitative=[
            "ความเสี่ยง การทุจริต ลดลง",
        ],
        quarters=[1, 2],
        budget_satang=80000000,
        responsible_unit="กรมการพัฒนาชุมชน (กลุ่มตรวจสอบภายใน/กองคลัง)",
        unit_path=("กรมการพัฒนาชุมชน", "กลุ่มตรวจสอบภายใน"),
        levels=[
            LevelDoc(1, "แต่งตั้งคณะทำงานบริหารความเสี่ยง"),
            LevelDoc(2, "วิเคราะห์ขั้นตอนงานจัดซื้อจัดจ้าง ที่มีความเสี่ยง"),
            LevelDoc(3, "จัดทำแผนบริหารความเสี่ยงการทุจริต"),
            LevelDoc(4, "สื่อสารแผนให้ผู้ปฏิบัติงาน ทุกระดับ โดยการประชุมชี้แจง และหนังสือเวียน"),
            LevelDoc(5, "ดำเนินการตามแผน และติดตามผล รายไตรมาส"),
            LevelDoc(6, "รายงานผล การดำเนินงานต่อ ผู้บริหาร"),
            LevelDoc(7, "เผยแพร่ผลการดำเนินงาน บนเว็บไซต์กรม"),
        ],
        level_source="rubric",
        line=16,
    ),
    ActivityDoc(
        code="2.1.1",
        code_as_printed="๒.๑.๑",
        title="พัฒนาระบบรับเรื่อง ร้องเรียนออนไลน์",
        objectives=[
            "เพื่อให้ประชาชน แจ้งเบาะแส การทุจริตได้ สะดวกและปลอดภัย",
        ],
        indicators=[
            "ร้อยละของเรื่อง ร้องเรียนที่ตอบกลับ ภายใน ๑๕ วัน",
        ],
        targets=[
            "ร้อยละ ๙๐",
        ],
        target_level=1,
        outcomes_quantitative=[
            "เรื่องร้องเรียน ทุกเรื่องได้รับ การตอบกลับ",
        ],
        outcomes_qualitative=[
            "ประชาชน เชื่อมั่น ในกระบวนการ รับเรื่องร้องเรียน",
        ],
        quarters=[1, 3],
        budget_satang=125050,
        responsible_unit="ศูนย์ปฏิบัติการ ต่อต้านการทุจริต",
        unit_path=("กรมการพัฒนาชุมชน", "ศูนย์ปฏิบัติการต่อต้านการทุจริต"),
        levels=[
            LevelDoc(1, "ร้อยละ ๙๐"),
        ],
        level_source="targets",
        line=32,
    ),
    ActivityDoc(
        code="3.2.1",
        code_as_printed="3.2.1",
        title="เผยแพร่หลักเกณฑ์ การแต่งตั้งโยกย้าย",
        objectives=[
            "เพื่อให้บุคลากร รับทราบหลักเกณฑ์ อย่างทั่วถึง",
        ],
        indicators=[
            "จำนวนช่องทาง การเผยแพร่",
        ],
        targets=[
            "เผยแพร่ทางเว็บไซต์",
            "แจ้งเวียนทุกจังหวัด",
        ],
        target_level=2,
        outcomes_quantitative=[
            "เผยแพร่ ๒ ช่องทาง",
        ],
        outcomes_qualitative=[
            "บุคลากรเชื่อมั่น ในความเป็นธรรม",
        ],
        quarters=[1, 2, 3, 4],
        budget_satang=None,
        responsible_unit="สำนักงาน เลขานุการกรม",
        unit_path=("กรมการพัฒนาชุมชน", "สำนักงานเลขานุการกรม"),
        levels=[
            LevelDoc(1, "เผยแพร่ทางเว็บไซต์"),
            LevelDoc(2, "แจ้งเวียนทุกจังหวัด"),
        ],
        level_source="targets",
        line=39,
    ),
]


def _load(name: str) -> PlanDocument:
    return parse_plan_bytes((DATA / name).read_bytes())


def _skeleton(document: PlanDocument) -> list[StrategyDoc]:
    return [
        dataclasses.replace(
            strategy,
            tactics=[dataclasses.replace(t, activities=[]) for t in strategy.tactics],
        )
        for strategy in document.strategies
    ]


def _assert_activities(document: PlanDocument, expected: list[ActivityDoc]) -> None:
    actual = list(document.activities())
    assert [a.code for a in actual] == [a.code for a in expected]
    for got, want in zip(actual, expected, strict=True):
        for name in (f.name for f in dataclasses.fields(ActivityDoc)):
            assert getattr(got, name) == getattr(want, name), f"{want.code}.{name}"


@pytest.fixture(scope="module")
def arabic() -> PlanDocument:
    return _load("plan_arabic_three_levels.txt")


@pytest.fixture(scope="module")
def continued() -> PlanDocument:
    return _load("plan_continued_columns.txt")


class TestArabicPlan:
    def test_header(self, arabic: PlanDocument) -> None:
        assert arabic.title == (
            "แผนปฏิบัติการป้องกันและปราบปรามการทุจริตและประพฤติมิชอบ ประจำปีงบประมาณ พ.ศ. 2569"
        )
        assert arabic.agency == "กรมส่งเสริมสหกรณ์"
        assert arabic.ministry == "กระทรวงเกษตรและสหกรณ์"
        assert arabic.fiscal_year == 2569
        assert arabic.warnings == []

    def test_structure(self, arabic: PlanDocument) -> None:
        assert _skeleton(arabic) == ARABIC_STRATEGIES
        assert arabic.counts() == {
            "strategies": 2,
            "tactics": 3,
            "activities": 5,
            "levels": 2 + 3 + 1 + 7 + 1,
            "rubrics": 2,
            "warnings": 0,
        }

    def test_activities(self, arabic: PlanDocument) -> None:
        _assert_activities(arabic, ARABIC_ACTIVITIES)

    def test_budget_total_is_exact(self, arabic: PlanDocument) -> None:
        # 1.25 ล้านบาท + 45,500.50 + 2,400,000 + 150,000 baht ("-" is no budget)
        assert arabic.total_budget_satang == 125_000_000 + 4_550_050 + 240_000_000 + 15_000_000

    def test_rubric_shapes(self, arabic: PlanDocument) -> None:
        by_code = {a.code: a for a in arabic.activities()}
        tab, html = by_code["1.1.2"], by_code["2.1.1"]
        assert (len(tab.levels), tab.target_level) == (3, 3)
        assert tab.levels[1].criterion.endswith("ของกรม และแจ้งเวียนหน่วยงานในสังกัดทุกจังหวัด")
        assert (len(html.levels), html.target_level) == (7, 6)
        assert html.levels[4].criterion.endswith("และรายงานผล การใช้จ่ายงบประมาณ")


class TestContinuedPlan:
    def test_header(self, continued: PlanDocument) -> None:
        assert continued.title == ("แผนปฏิบัติการส่งเสริมคุณธรรมและความโปร่งใส ประจำปีงบประมาณ พ.ศ. ๒๕๖๘")
        assert continued.agency == "กรมการพัฒนาชุมชน"
        assert continued.ministry == "กระทรวงมหาดไทย"
        assert continued.fiscal_year == 2568

    def test_code_disagreeing_with_its_tactic_is_a_warning(self, continued: PlanDocument) -> None:
        assert continued.warnings == [
            LineMessage(
                39,
                "activity code 3.2.1 does not start with 3.1 (its strategy and tactic); "
                "kept as printed",
            )
        ]

    def test_structure(self, continued: PlanDocument) -> None:
        assert _skeleton(continued) == CONTINUED_STRATEGIES
        assert continued.counts() == {
            "strategies": 3,
            "tactics": 4,
            "activities": 5,
            "levels": 3 + 2 + 7 + 1 + 2,
            "rubrics": 2,
            "warnings": 1,
        }

    def test_activities(self, continued: PlanDocument) -> None:
        _assert_activities(continued, CONTINUED_ACTIVITIES)

    def test_budget_total_is_exact(self, continued: PlanDocument) -> None:
        # ๓๕๐,๐๐๐ บาท + ๐.๘ ล้านบาท + 1,250.50 (two activities have no budget)
        assert continued.total_budget_satang == 35_000_000 + 80_000_000 + 125_050

    def test_title_and_three_other_columns_continue_after_the_page_header(
        self, continued: PlanDocument
    ) -> None:
        activity = next(a for a in continued.activities() if a.code == "1.1.2")
        assert activity.title == "ยกย่องข้าราชการ และเจ้าหน้าที่ ที่มี ความประพฤติดีเด่น"
        assert activity.objectives == [
            "เพื่อเชิดชู ผู้ประพฤติตน เป็นแบบอย่าง",
            "เพื่อสร้างแรงจูงใจ ในการทำความดี",
        ]
        assert activity.indicators == ["จำนวนผู้ได้รับ การยกย่อง"]
        assert activity.targets == ["คัดเลือกต้นแบบ จังหวัดละ ๑ คน", "ประกาศเกียรติคุณ ผ่านเว็บไซต์"]

    def test_crlf_copy_parses_the_same(self, continued: PlanDocument) -> None:
        data = (DATA / "plan_continued_columns.txt").read_bytes().replace(b"\n", b"\r\n")
        document = parse_plan_bytes(data)
        assert dataclasses.replace(document, source_sha256=continued.source_sha256) == continued


def test_a_non_empty_first_cell_continues_only_right_after_a_page_header() -> None:
    text = (DATA / "plan_continued_columns.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[13].startswith("ความประพฤติดีเด่น\t")
    # Drop the blank line and the two header rows before it: now the row is unexplained.
    broken = "\n".join(lines[:10] + lines[13:])
    with pytest.raises(PlanFormatError) as caught:
        parse_plan(broken)
    assert [e.line for e in caught.value.errors] == [11]
    assert str(caught.value).startswith("line 11: expected a strategy (ยุทธศาสตร์ที่ …)")


# -- the cell readers, on the variants other plans use ---------------------------------------


@pytest.mark.parametrize(
    ("cell", "quarters"),
    [
        ("ไตรมาส ๑ - ๔", [1, 2, 3, 4]),
        ("ไตรมาส ๒", [2]),
        ("ไตรมาสที่ 3", [3]),
        ("ไตรมาส ๑, ๓", [1, 3]),
        ("๑ และ ๓", [1, 3]),
        ("ไตรมาส 1-2 และ ไตรมาส 4", [1, 2, 4]),
        ("ตลอดปีงบประมาณ ๒๕๖๘", [1, 2, 3, 4]),
        ("ตลอด ปีงบประมาณ", [1, 2, 3, 4]),
        ("ต.ค. - ธ.ค. 2568", [1]),
        ("ต.ค.67 - มี.ค.68", [1, 2]),
        ("มกราคม - มิถุนายน 2569", [2, 3]),
        ("เมษายน - กันยายน ๒๕๖๘", [3, 4]),
        ("พฤศจิกายน ถึง กุมภาพันธ์", [1, 2]),
        ("สิงหาคม", [4]),
        ("ม.ค., ก.ค.", [2, 4]),
        ("ไตรมาส ๑ (ต.ค. - ธ.ค.)", [1]),
    ],
)
def test_parse_quarters(cell: str, quarters: list[int]) -> None:
    assert parse_quarters(cell) == quarters


@pytest.mark.parametrize(
    ("cell", "satang"),
    [
        ("๒,๕๐๐,๐๐๐", 250_000_000),
        ("๘๒๘,๐๐๐ บาท", 82_800_000),
        ("1,250.50", 125_050),
        ("๒.๕ ล้านบาท", 250_000_000),
        ("1.234567 ล้านบาท", 123_456_700),
        ("0.1 ล้าน", 10_000_000),
        ("5,000.-", 500_000),
        ("150000", 15_000_000),
        ("0", 0),
        ("", None),
        ("-", None),
        ("ไม่ใช้ งบประมาณ", None),
        ("ไม่ใช่งบประมาณ", None),
    ],
)
def test_parse_budget_satang(cell: str, satang: int | None) -> None:
    assert parse_budget_satang(cell) == satang


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("ข้อความเดียว", ["ข้อความเดียว"]),
        ("- ก - ข", ["ก", "ข"]),
        ("นำ - ก -  - ข -", ["นำ", "ก", "ข"]),
        ("ไตรมาส ๑ - ๔", ["ไตรมาส ๑ - ๔"]),
        ("- รายงาน (ต.ค. - มี.ค.) - เผยแพร่", ["รายงาน (ต.ค. - มี.ค.)", "เผยแพร่"]),
        ("- ช่วง เมษายน - กันยายน - สรุปผล", ["ช่วง เมษายน - กันยายน", "สรุปผล"]),
        ("- ระบบ e-Learning - อบรม", ["ระบบ e-Learning", "อบรม"]),
        ("- วงเล็บเปิด (ไม่ปิด - ข้อถัดไป", ["วงเล็บเปิด (ไม่ปิด", "ข้อถัดไป"]),
        ('<ul style="x"> - ก</ul> <p>- ข</p>', ["ก", "ข"]),
        ("", []),
    ],
)
def test_split_items(cell: str, items: list[str]) -> None:
    assert split_items(cell) == items


@pytest.mark.parametrize(
    ("cell", "text", "path"),
    [
        (
            "- กรมอาเซียน (สำนักงาน เลขาธิการกรม)",
            "กรมอาเซียน (สำนักงาน เลขาธิการกรม)",
            ("กรมอาเซียน", "สำนักงานเลขานุการกรม"),
        ),
        ("กรมอาเซียน", "กรมอาเซียน", ("กรมอาเซียน",)),
        ("กองแผนงาน", "กองแผนงาน", ("กรมอาเซียน", "กองแผนงาน")),
        (
            "กรมอาเซียน (กองนโยบายและแผน และ กองคลัง)",
            "กรมอาเซียน (กองนโยบายและแผน และ กองคลัง)",
            ("กรมอาเซียน", "กองนโยบายและแผน"),
        ),
        ("กรมอาเซียน (กองคลัง/ กลุ่มตรวจสอบภายใน)", None, ("กรมอาเซียน", "กองคลัง")),
        ("(ศูนย์ปฏิบัติการต่อต้านการทุจริต)", None, ("กรมอาเซียน", "ศูนย์ปฏิบัติการต่อต้านการทุจริต")),
        ("", "", ("กรมอาเซียน",)),
    ],
)
def test_parse_responsible_unit(cell: str, text: str | None, path: tuple[str, ...]) -> None:
    shown, unit_path = parse_responsible_unit(cell, "กรมอาเซียน")
    assert shown == (cell if text is None else text)
    assert unit_path == path
