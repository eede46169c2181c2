"""Golden test: the shipped sample plan (กรมอาเซียน, FY 2568) parses to exactly this structure.

Every expected value is written out literally from the source document, so any change in how
the importer reads cells, continuations or rubrics shows up here as a precise diff.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from workflow_app.plans.document import ActivityDoc, LevelDoc, PlanDocument, StrategyDoc, TacticDoc
from workflow_app.plans.importer import parse_plan, parse_plan_bytes

SEED_PATH = (
    Path(__file__).resolve().parents[2] / "workflow_app" / "sample_data" / "asean_fy2568.txt"
)

SEED_TITLE = "แผนปฏิบัติการส่งเสริมคุณธรรม จริยธรรม และการป้องกันและปราบปรามการทุจริต ประจำปีงบประมาณ พ.ศ. ๒๕๖๘"

SEED_STRATEGIES = [
    StrategyDoc(
        number=1,
        title=(
            "ส่งเสริมสภาพแวดล้อมที่เอื้อต่อการเสริมสร้างมาตรฐานทางจริยธรรม "
            "วัฒนธรรมองค์กรที่ซื่อสัตย์สุจริต และยึดมั่นในคุณธรรม ๕ ประการ ได้แก่ พอเพียง "
            "วินัย สุจริต จิตอาสา กตัญญู"
        ),
        line=8,
        tactics=[
            TacticDoc(
                number=1,
                title="ขับเคลื่อนกระทรวงการต่างประเทศเป็นองค์กรคุณธรรม",
                line=9,
                activities=[],
            ),
        ],
    ),
    StrategyDoc(
        number=2,
        title=(
            "การเสริมสร้างขีดความสามารถและสร้างภาคีเครือข่าย ประสานความร่วมมือ "
            "สนับสนุนการมีส่วนร่วมของเครือข่ายในทุกระดับ ทั้งในประเทศและระหว่างประเทศ "
            "เพื่อขับเคลื่อนการส่งเสริมคุณธรรม จริยธรรม การป้องกันและปราบปรามการทุจริต"
        ),
        line=19,
        tactics=[
            TacticDoc(
                number=1,
                title=(
                    "เสริมสร้าง สนับสนุน และขยายภาคีเครือข่ายการขับเคลื่อนงานด้านคุณธรรม "
                    "จริยธรรม การป้องกันและปราบปรามการทุจริตและประพฤติมิชอบ"
                ),
                line=20,
                activities=[],
            ),
            TacticDoc(
                number=2,
                title=(
                    "เสริมสร้างการมีจิตสาธารณะเพื่อโลกและประเทศชาติ "
                    "ดำรงไว้ซึ่งสันติภาพความมั่นคงและความยั่งยืน "
                    "เพื่อสร้างสังคมแห่งการให้และช่วยเหลือกันและกัน"
                ),
                line=27,
                activities=[],
            ),
        ],
    ),
    StrategyDoc(
        number=3,
        title=("การส่งเสริมการเรียนรู้ และการพัฒนาศักยภาพมนุษย์ เพื่อขับเคลื่อนการส่งเสริมคุณธรรมและจริยธรรม"),
        line=29,
        tactics=[
            TacticDoc(
                number=1,
                title=(
                    "ผลักดันนโยบาย ระบบบริหาร "
                    "กลไกส่งเสริมมาตรฐานทางจริยธรรมและส่งเสริมการนำมาตรฐานทางจริยธรรมไปใช้ในการบริหารงานบุคคลให้ครอบคลุมบุคลากรทุกระดับ"
                ),
                line=30,
                activities=[],
            ),
        ],
    ),
    StrategyDoc(
        number=4,
        title=(
            "สร้างความเข้มแข็งในระบบการบริหารจัดการด้านการป้องกันและปราบปรามการทุจริต "
            "โดยเป็นธรรม โปร่งใส ไม่เลือกปฏิบัติ"
        ),
        line=36,
        tactics=[
            TacticDoc(
                number=1,
                title=(
                    "ส่งเสริมและพัฒนาระบบการบริหารจัดการงานด้านการส่งเสริมคุณธรรม "
                    "และการป้องกันการทุจริตอย่างเป็นระบบ"
                ),
                line=37,
                activities=[],
            ),
            TacticDoc(
                number=2,
                title=(
                    "เสริมสร้างความเป็นเอกภาพในหน่วยงานด้วยเครื่องมือและมาตรการด้านต่างๆ "
                    "และสร้างสังคมกระทรวงฯ ที่ไม่ทนต่อการทุจริต"
                ),
                line=53,
                activities=[],
            ),
        ],
    ),
]
SEED_ACTIVITIES = [
    ActivityDoc(
        code="1.1.1",
        code_as_printed="๑.๑.๑",
        title="องค์กรคุณธรรม",
        objectives=[
            (
                "เพื่อขับเคลื่อนองค์กรให้ ผู้นำและสมาชิกขององค์กร แสดงเจตนารมณ์ และมุ่งมั่น "
                "ที่จะดำเนินการส่งเสริมและ พัฒนาคุณธรรมในองค์กร ยึดมั่นและปฏิบัติตาม "
                "หลักธรรมทางศาสนา น้อมนำหลักปรัชญาของ เศรษฐกิจพอเพียง และวิถี "
                "วัฒนธรรมไทยที่ดั่งงาม มาเป็นหลักในการดำรงชีวิต ตลอดจนมีส่วนร่วมรณรงค์ "
                "ส่งเสริมคุณธรรมให้กับ ประชาชน ชุมชน หรือ เครือข่ายต่าง ๆ"
            ),
        ],
        indicators=[
            "ระดับความสำเร็จ ของการดำเนิน กิจกรรม",
        ],
        targets=[
            "ระดับ ๔",
        ],
        target_level=4,
        outcomes_quantitative=[
            "จัดทำแผน ส่งเสริมคุณธรรมฯ และดำเนินการตาม แผนส่งเสริม คุณ ธรรมฯ",
            "เผยแพร่และ ปฏิบัติตามประกาศ เจตนารมณ์เป็น องค์กรคุณธรรม",
        ],
        outcomes_qualitative=[
            (
                "บุคลากรกรม อาเซียนมีคุณธรรม และจริยธรรมใน การปฏิบัติงานและ มุ่งมั่นที่จะ "
                "ดำเนินการตามแผน ส่งเสริมคุณธรรมฯ"
            ),
        ],
        quarters=[1, 2, 3, 4],
        budget_satang=None,
        responsible_unit="กรมอาเซียน (สำนักงาน เลขานุการกรม)",
        unit_path=("กรมอาเซียน", "สำนักงานเลขานุการกรม"),
        levels=[
            LevelDoc(
                1,
                (
                    "เผยแพร่และปฏิบัติตามประกาศเจตนารมณ์เป็นองค์กรคุณธรรมและกำหนดคุณธรรมเป้าหมายไม่น้อยกว่า "
                    "๕ เรื่อง โดยยึดมั่นในหลักธรรมทางศาสนา หลักปรัชญาของเศรษฐกิจพอเพียง "
                    "วิถีวัฒนธรรมไทย และคุณธรรม ๕ ประการ พอเพียง วินัย สุจริต จิตอาสา กตัญญู"
                ),
            ),
            LevelDoc(
                2,
                (
                    "มีการจัดทำแผนส่งเสริมคุณธรรมฯ ที่สอดคล้องกับหลักธรรมทางศาสนา "
                    "หลักปรัชญาของเศรษฐกิจพอเพียง วิถีวัฒนธรรมไทย และคุณธรรม ๕ ประการ พอเพียง "
                    "วินัย สุจริต จิตอาสา กตัญญู"
                ),
            ),
            LevelDoc(
                3,
                (
                    "การประกาศ ยกย่อง เชิดชู บุคลากรภายในหรือภายนอกองค์กรที่มีคุณธรรม "
                    "หรือทำความดีจนเป็นแบบอย่างได้ โดยมีการประชาสัมพันธ์ผ่านเว็บไซต์ของกรม"
                ),
            ),
            LevelDoc(
                4,
                (
                    "มีการดำเนินงานตามแผนส่งเสริมคุณธรรม โดยมีการติดตามและปรับปรุงแผน "
                    "รวมถึงมีผลการดำเนินการสำเร็จ ร้อยละ ๖๐ ขึ้นไป"
                ),
            ),
            LevelDoc(
                5,
                (
                    "การประกาศ ยกย่อง เชิดชู หน่วยงานภายในหรือภายนอกองค์กรที่มีคุณธรรม "
                    "หรือทำความดีจนเป็นแบบอย่างได้ โดยมีการประชาสัมพันธ์ผ่านเว็บไซต์ของกรม"
                ),
            ),
        ],
        level_source="rubric",
        line=10,
    ),
    ActivityDoc(
        code="1.1.2",
        code_as_printed="๑.๑.๒",
        title="กิจกรรม ยกย่องเชิดชู ข้าราชการที่มี คุณธรรมดีเด่น",
        objectives=[
            (
                "เพื่อยกย่องเชิดชู ข้าราชการที่มีคุณธรรมดีเด่น เพื่อเป็นแบบอย่างที่ดีให้กับ "
                "ข้าราชการและเจ้าหน้าที่ ของกระทรวงฯ"
            ),
        ],
        indicators=[
            ("จำนวนครั้งของ การดำเนินการหรือ กิจกรรมที่แสดง การยกย่องเชิดชู บุคลากร/ หน่วยงานต้นแบบ"),
            "จำนวนช่อง ทางการเผยแพร่ ข่าวกิจกรรมหรือ การดำเนินงาน",
        ],
        targets=[
            "จัดกิจกรรม จำนวน ๑ ครั้ง",
            "เผยแพร่ข่าว กิจกรรมอย่าง น้อย ๑ ช่องทาง",
        ],
        target_level=2,
        outcomes_quantitative=[
            ("มีการดำเนินการ หรือกิจกรรมที่แสดง การยกย่องเชิดชู บุคลากร/หน่วยงาน ต้นแบบจำนวน ๑ ครั้ง"),
            "เผยแพร่ข่าว กิจกรรมผ่าน ช่องทางต่างๆ อย่าง น้อย ๑ ช่องทาง",
        ],
        outcomes_qualitative=[
            (
                "สร้างขวัญกำลังใจ ในการปฏิบัติงาน ให้กับข้าราชการผู้มี คุณธรรม จริยธรรม "
                "และเป็นตัวอย่างที่ ดีให้กับข้าราชการ และเจ้าหน้าที่ของ กระทรวงฯ ได้ "
                "ยึดถือไว้เป็น แบบอย่าง"
            ),
        ],
        quarters=[3, 4],
        budget_satang=None,
        responsible_unit="กรมอาเซียน (สำนักงาน เลขานุการกรม)",
        unit_path=("กรมอาเซียน", "สำนักงานเลขานุการกรม"),
        levels=[
            LevelDoc(1, "จัดกิจกรรม จำนวน ๑ ครั้ง"),
            LevelDoc(2, "เผยแพร่ข่าว กิจกรรมอย่าง น้อย ๑ ช่องทาง"),
        ],
        level_source="targets",
        line=15,
    ),
    ActivityDoc(
        code="2.1.1",
        code_as_printed="๒.๑.๑",
        title=("จัดกิจกรรม workshop ขับเคลื่อน การส่งเสริมคุณธรรม จริยธรรม ป้องกันและ ปราบปรามการทุจริต"),
        objectives=[
            (
                "เพื่อแลกเปลี่ยน องค์ความรู้ในการปฏิบัติ การกิจส่งเสริมคุณธรรม จริยธรรม "
                "ป้องกันและ ปราบปรามการทุจริต กับหน่วยงานที่เกี่ยวข้อง ของรัฐ"
            ),
            (
                "เพื่อให้หน่วยงานที่ เกี่ยวข้องกับการขับเคลื่อน การส่งเสริมคุณธรรม จริยธรรม "
                "ป้องกันและ ปราบปรามการทุจริตของรัฐ รับทราบสถานะและ เป้าหมายการบริหารงาน "
                "ขององค์กร/ สามารถให้ คำแนะนำและเสริมสร้าง ขีดความสามารถใน "
                "การส่งเสริมคุณธรรม จริยธรรม ป้องกันและ ปราบปรามการทุจริต ขององค์กร"
            ),
        ],
        indicators=[
            (
                "จำนวนครั้งของ การดำเนินการหรือ กิจกรรมที่ เสริมสร้าง การขยายภาคี เครือข่าย "
                "การขับเคลื่อน การส่งเสริม คุณธรรม ป้องกัน และปราบปราม การทุจริต"
            ),
            "จำนวนช่อง ทางการเผยแพร่ ข่าวกิจกรรมหรือ การดำเนินงาน",
        ],
        targets=[
            "จัดกิจกรรม จำนวน ๑ ครั้ง",
            "เผยแพร่ข่าว กิจกรรมอย่างน้อย ๑ ช่องทาง",
        ],
        target_level=2,
        outcomes_quantitative=[
            (
                "มีการดำเนินการ หรือกิจกรรมที่ เสริมสร้างการขยาย ภาคีเครือข่าย "
                "การขับเคลื่อนงาน ด้านคุณธรรม จริยธรรม การป้องกันและ ปราบปราม การทุจริตและ "
                "ประพฤติมิชอบ จำนวน ๑ ครั้ง"
            ),
            "เผยแพร่ข่าว กิจกรรมผ่าน ช่องทางต่างๆ อย่างน้อย ๑ ช่องทาง",
        ],
        outcomes_qualitative=[
            (
                "องค์กรทราบ แนวทางและ สามารถเตรียม สภาพแวดล้อมที่ เหมาะสมใน "
                "การขับเคลื่อนงาน ด้านคุณธรรม จริยธรรม การป้องกันและ ปราบปราม การทุจริต"
            ),
        ],
        quarters=[2],
        budget_satang=None,
        responsible_unit="กรมอาเซียน (สำนักงาน เลขาธิการกรม)",
        unit_path=("กรมอาเซียน", "สำนักงานเลขานุการกรม"),
        levels=[
            LevelDoc(1, "จัดกิจกรรม จำนวน ๑ ครั้ง"),
            LevelDoc(2, "เผยแพร่ข่าว กิจกรรมอย่างน้อย ๑ ช่องทาง"),
        ],
        level_source="targets",
        line=22,
    ),
    ActivityDoc(
        code="2.2.1",
        code_as_printed="๒.๒.๑",
        title=('โครงการ "๑ จังหวัด ๑ โรงเรียน ๑ ห้องสมุดอาเซียน เพื่อประชาชนและ เยาวชนไทย" ปีงบประมาณ ๒๕๖๘'),
        objectives=[
            ("เพื่อส่งเสริมองค์ความรู้ และความเข้าใจเกี่ยวกับ อาเซียนให้กับนักเรียนและ ประชาชนทั่วไป"),
            ("เพื่อให้เยาวชนและ ประชาชนทั่วไปเข้าถึงข้อมูล เกี่ยวกับอาเซียนและนำ ประโยชน์ไปใช้ใน ชีวิตประจำวัน"),
        ],
        indicators=[
            "จำนวนการส่งมอบ ห้องสมุดอาเซียน",
        ],
        targets=[
            "ส่งมอบ ห้องสมุด อาเซียนให้ โรงเรียน จำนวน ๓ แห่ง",
        ],
        target_level=1,
        outcomes_quantitative=[
            "ส่งมอบห้องสมุด อาเซียนให้โรงเรียน จำนวน ๓ แห่ง",
        ],
        outcomes_qualitative=[
            (
                "นักเรียนและ ประชาชนมีความรู้ ความเข้าใจเกี่ยวกับ อาเซียนและ สามารถนำ "
                "ประโยชน์จาก การเป็นประชาคม อาเซียนไปใช้ใน ชีวิตประจำวันได้"
            ),
        ],
        quarters=[3, 4],
        budget_satang=250000000,
        responsible_unit="กรมอาเซียน (สำนักงาน เลขาธิการกรม)",
        unit_path=("กรมอาเซียน", "สำนักงานเลขานุการกรม"),
        levels=[
            LevelDoc(1, "ส่งมอบ ห้องสมุด อาเซียนให้ โรงเรียน จำนวน ๓ แห่ง"),
        ],
        level_source="targets",
        line=28,
    ),
    ActivityDoc(
        code="3.1.2",
        code_as_printed="๓.๑.๒",
        title="จัดกิจกรรม พัฒนาบุคลากร",
        objectives=[
            (
                "เพื่อเสริมสร้างทัศนคติ บุคลากรขององค์กรทางด้าน จริยธรรม และสร้าง "
                "สภาพแวดล้อมในการเป็น องค์กรที่มีคุณธรรม"
            ),
        ],
        indicators=[
            (
                "จำนวนครั้งของ การดำเนินการหรือ กิจกรรมที่เสริมสร้าง การพัฒนาจริยธรรม "
                "ของบุคลากร และ การเป็นองค์กรที่มี คุณธรรม"
            ),
            "จำนวนช่อง ทางการเผยแพร่ ข่าวกิจกรรมหรือ การดำเนินงาน",
        ],
        targets=[
            "จัดกิจกรรม จำนวน ๑ ครั้ง",
            "เผยแพร่ข่าว กิจกรรม อย่างน้อย ๑ ช่องทาง",
        ],
        target_level=2,
        outcomes_quantitative=[
            "มีการจัดกิจกรรม เพื่อส่งเสริมการ พัฒนาบุคลากรและ องค์กรจำนวน ๑ ครั้ง",
            "เผยแพร่ข่าว กิจกรรมผ่าน ช่องทางต่างๆ อย่างน้อย ๑ ช่องทาง",
        ],
        outcomes_qualitative=[
            "บุคลากรมี ทัศนคติที่ดี มีจริยธรรม และ คุณธรรมใน การปฏิบัติงาน ในองค์กร",
        ],
        quarters=[2, 3, 4],
        budget_satang=82800000,
        responsible_unit="กรมอาเซียน",
        unit_path=("กรมอาเซียน",),
        levels=[
            LevelDoc(1, "จัดกิจกรรม จำนวน ๑ ครั้ง"),
            LevelDoc(2, "เผยแพร่ข่าว กิจกรรม อย่างน้อย ๑ ช่องทาง"),
        ],
        level_source="targets",
        line=31,
    ),
    ActivityDoc(
        code="4.1.1",
        code_as_printed="๔.๑.๑",
        title="ประเมิน ความเสี่ยงการทุจริต",
        objectives=[
            "เพื่อลดความเสี่ยง ในการทุจริตและประพฤ ติมิชอบในการปฏิบัติงาน",
            "เพื่อสนับสนุนการประเมิน ITA",
        ],
        indicators=[
            "ระดับความสำเร็จ ของการดำเนิน กิจกรรม",
        ],
        targets=[
            "ระดับ ๕",
        ],
        target_level=5,
        outcomes_quantitative=[
            "กำหนดแนวทาง การประเมิน ความเสี่ยงการทุจริต",
            "จัดทำแผนบริหาร ความเสี่ยงการทุจริต",
            "กำกับติดตามและ รายงานผล การดำเนินการตามแผน บริหารความเสี่ยง",
            "เผยแพร่ การดำเนินการ ตามแผนบริหาร ความเสี่ยง",
        ],
        outcomes_qualitative=[
            "ความเสี่ง การทุจริตและ ประพฤติมิชอบ ในการปฏิบัติงาน ลดลง",
        ],
        quarters=[1, 2, 3, 4],
        budget_satang=None,
        responsible_unit="กรมอาเซียน (สำนักงาน เลขาธิการกรม)",
        unit_path=("กรมอาเซียน", "สำนักงานเลขานุการกรม"),
        levels=[
            LevelDoc(1, "กำหนดแนวทางการประเมินความเสี่ยงการทุจริตของกรม"),
            LevelDoc(2, "จัดทำแผนบริหารความเสี่ยงการทุจริต"),
            LevelDoc(3, "ดำเนินการตามแผนบริหารความเสี่ยงการทุจริต"),
            LevelDoc(4, "กำกับติดตามและรายงานผลการดำเนินการตามแผนบริหารความเสี่ยงการทุจริต"),
            LevelDoc(
                5, ("เผยแพร่การดำเนินการและผลการดำเนินการตามแผนบริหารความเสี่ยงการทุจริตบนเว็บไซต์ของหน่วยงาน")
            ),
        ],
        level_source="rubric",
        line=38,
    ),
    ActivityDoc(
        code="4.1.2",
        code_as_printed="๔.๑.๒",
        title=("ดำเนินการตามหลักเกณฑ์การประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ (ITA)"),
        objectives=[
            "เพื่อยกระดับคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ",
        ],
        indicators=[
            "ระดับความสำเร็จของการดำเนินกิจกรรม",
        ],
        targets=[
            "ระดับ ๔",
        ],
        target_level=4,
        outcomes_quantitative=[
            (
                "การประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ (ITA) "
                "ของหน่วยงานระดับกรม ได้คะแนนไม่ต่ำกว่าร้อยละ ๘๕"
            ),
        ],
        outcomes_qualitative=[
            ("กรมอาเซียนเป็นองค์กรที่มี การดำเนินงานและบริหารจัดการหน่วยงานอย่างโปร่งใส สามารถตรวจสอบได้"),
        ],
        quarters=[1, 2, 3, 4],
        budget_satang=None,
        responsible_unit="กรมอาเซียน (สำนักงานเลขานุการกรม)",
        unit_path=("กรมอาเซียน", "สำนักงานเลขานุการกรม"),
        levels=[
            LevelDoc(1, "หน่วยงานเข้าตอบ IIT"),
            LevelDoc(2, "หน่วยงานเข้าตอบ EIT"),
            LevelDoc(3, "หน่วยงานตอบแบบวัด OIT"),
            LevelDoc(4, "หน่วยงานมีผลการประเมิน ITA อยู่ในระดับ “ผ่าน” หรือ “ผ่านดี” (๘๕ คะแนนขึ้นไป)"),
            LevelDoc(
                5,
                (
                    "หน่วยงานมีผลการประเมิน ITA อยู่ในระดับ “ผ่านดีเยี่ยม” (๙๕ "
                    "คะแนนขึ้นไปในทั้ง ๓ เครื่องมือการประเมิน IIT EIT และ OIT)"
                ),
            ),
        ],
        level_source="rubric",
        line=48,
    ),
    ActivityDoc(
        code="4.2.1",
        code_as_printed="๔.๒.๑",
        title=(
            "ดำเนินการตาม กรอบแนวทาง การป้องกันการรับ สินบน และเผยแพร่ ความรู้ สื่อ "
            "ประชาสัมพันธ์ เกี่ยวกับการป้องกัน การทุจริตผ่านช่องทาง ต่าง ๆ"
        ),
        objectives=[
            (
                "เพื่อเสริมสร้างจิตสำนึก ในการปฏิบัติงานของ ข้าราชการและบุคลากร "
                "ให้ปฏิบัติงานอย่างมี คุณธรรม จริยธรรม รับผิดชอบต่อสังคม และ "
                "ปฏิบัติต่อผู้มีส่วนได้ส่วนเสีย อย่างเท่าเทียม ตามประกาศ นโยบาย No Gift "
                "Policy เพื่อหลีกเลี่ยงการกระทำ อันอาจนำไปสู่การเลือก ปฏิบัติหรือก่อให้เกิด "
                "ผลประโยชน์ทับซ้อน"
            ),
        ],
        indicators=[
            "ระดับความสำเร็จ ของการดำเนิน กิจกรรม",
        ],
        targets=[
            "ระดับ ๕",
        ],
        target_level=5,
        outcomes_quantitative=[
            (
                "จัดทำรายงาน การรับทรัพย์สินฯ รอบ ๖ เดือน (ตุลาคม ๒๕๖๗ – มีนาคม ๒๕๖๘ และ "
                "เมษายน - กันยายน ๒๕๖๘)"
            ),
            "จัดทำสื่อ ประชาสัมพันธ์และ เผยแพร่ ในกระดาน ประชาสัมพันธ์และ เว็บไซต์ ๑ ครั้ง",
        ],
        outcomes_qualitative=[
            "บุคลากร กรมอาเซียนมุ่งมั่น ที่จะปฏิบัติตาม นโยบาย No Gift Policy",
        ],
        quarters=[1, 2, 3, 4],
        budget_satang=None,
        responsible_unit="กรมอาเซียน",
        unit_path=("กรมอาเซียน",),
        levels=[
            LevelDoc(
                1,
                (
                    "แสดงนโยบายว่าผู้บริหาร เจ้าหน้าที่ "
                    "และบุคลากรทุกคนจะต้องไม่มีการรับของขวัญของกำนัลทุกชนิด "
                    "จากการปฏิบัติหน้าที่ พ.ศ. ๒๕๖๘"
                ),
            ),
            LevelDoc(
                2,
                (
                    "จัดทำสื่อประชาสัมพันธ์นโยบายการไม่รับของขวัญและของกำนัลทุกชนิดจากการปฏิบัติหน้าที่ "
                    "(No Gift Policy)"
                ),
            ),
            LevelDoc(3, "รายงานการรับทรัพย์สินหรือประโยชน์อื่นใดจากการปฏิบัติหน้าที่ รอบ ๖ เดือน แก่ สปท."),
            LevelDoc(4, ("การเผยแพร่ความรู้ สื่อประชาสัมพันธ์/เข้าร่วมกิจกรรมที่เกี่ยวข้องกับการป้องกันการทุจริต")),
            LevelDoc(5, "รายงานการรับทรัพย์สินหรือประโยชน์อื่นใดจากการปฏิบัติหน้าที่ รอบ ๑๒ เดือน แก่ สปท."),
        ],
        level_source="rubric",
        line=55,
    ),
]


@pytest.fixture(scope="module")
def seed_bytes() -> bytes:
    return SEED_PATH.read_bytes()


@pytest.fixture(scope="module")
def seed(seed_bytes: bytes) -> PlanDocument:
    return parse_plan_bytes(seed_bytes)


def _skeleton(document: PlanDocument) -> list[StrategyDoc]:
    """Strategies and tactics with the activities left out (they are compared one by one)."""
    return [
        dataclasses.replace(
            strategy,
            tactics=[dataclasses.replace(t, activities=[]) for t in strategy.tactics],
        )
        for strategy in document.strategies
    ]


def test_seed_file_is_as_shipped(seed_bytes: bytes) -> None:
    # The quirks below depend on the file as extracted: no final newline, opening blank lines.
    assert not seed_bytes.endswith(b"\n")
    assert seed_bytes.startswith(b"\n\n")
    assert seed_bytes.count(b"\n") == 60


def test_plan_header(seed: PlanDocument, seed_bytes: bytes) -> None:
    assert seed.title == SEED_TITLE
    assert seed.agency == "กรมอาเซียน"
    assert seed.ministry == "กระทรวงการต่างประเทศ"
    assert seed.fiscal_year == 2568
    assert seed.source_sha256 == hashlib.sha256(seed_bytes).hexdigest()
    assert seed.warnings == []


def test_strategies_and_tactics(seed: PlanDocument) -> None:
    assert _skeleton(seed) == SEED_STRATEGIES
    assert [[[a.code for a in t.activities] for t in s.tactics] for s in seed.strategies] == [
        [["1.1.1", "1.1.2"]],
        [["2.1.1"], ["2.2.1"]],
        [["3.1.2"]],
        [["4.1.1", "4.1.2"], ["4.2.1"]],
    ]


def test_activity_codes_in_order(seed: PlanDocument) -> None:
    assert [a.code for a in seed.activities()] == [
        "1.1.1",
        "1.1.2",
        "2.1.1",
        "2.2.1",
        "3.1.2",
        "4.1.1",
        "4.1.2",
        "4.2.1",
    ]


@pytest.mark.parametrize(
    "index", range(len(SEED_ACTIVITIES)), ids=lambda i: SEED_ACTIVITIES[i].code
)
def test_every_field_of_every_activity(seed: PlanDocument, index: int) -> None:
    actual = list(seed.activities())[index]
    expected = SEED_ACTIVITIES[index]
    for name in (f.name for f in dataclasses.fields(ActivityDoc)):
        assert getattr(actual, name) == getattr(expected, name), name
    assert actual == expected


def test_totals_and_counts(seed: PlanDocument) -> None:
    assert seed.total_budget_satang == 3_328_000 * 100
    assert seed.counts() == {
        "strategies": 4,
        "tactics": 6,
        "activities": 8,
        "levels": 5 * 4 + 2 + 2 + 1 + 2,
        "rubrics": 4,
        "warnings": 0,
    }


def test_five_level_rubrics_and_their_targets(seed: PlanDocument) -> None:
    by_code = {a.code: a for a in seed.activities()}
    rubric = {code: a.target_level for code, a in by_code.items() if a.level_source == "rubric"}
    assert rubric == {"1.1.1": 4, "4.1.1": 5, "4.1.2": 4, "4.2.1": 5}
    for code in rubric:
        assert [level.number for level in by_code[code].levels] == [1, 2, 3, 4, 5]
    # Without a rubric each target item is a level and all of them must be met.
    for code in ("1.1.2", "2.1.1", "2.2.1", "3.1.2"):
        activity = by_code[code]
        assert activity.level_source == "targets"
        assert [level.criterion for level in activity.levels] == activity.targets
        assert activity.target_level == len(activity.targets)


def test_continuations_across_pages(seed: PlanDocument) -> None:
    by_code = {a.code: a for a in seed.activities()}
    # ๒.๑.๑: the objectives cell ends on the next page ("ปราบปรามการทุจริต ขององค์กร").
    assert by_code["2.1.1"].objectives[-1].endswith("ป้องกันและ ปราบปรามการทุจริต ขององค์กร")
    # ๓.๑.๒: indicators and quantitative outcomes both continue after the page header.
    assert by_code["3.1.2"].indicators[-1] == "จำนวนช่อง ทางการเผยแพร่ ข่าวกิจกรรมหรือ การดำเนินงาน"
    assert by_code["3.1.2"].outcomes_quantitative[-1] == (
        "เผยแพร่ข่าว กิจกรรมผ่าน ช่องทางต่างๆ อย่างน้อย ๑ ช่องทาง"
    )


def test_range_in_brackets_is_not_a_bullet(seed: PlanDocument) -> None:
    activity = next(a for a in seed.activities() if a.code == "4.2.1")
    assert len(activity.outcomes_quantitative) == 2
    assert (
        "(ตุลาคม ๒๕๖๗ – มีนาคม ๒๕๖๘ และ เมษายน - กันยายน ๒๕๖๘)" in (activity.outcomes_quantitative[0])
    )


def test_unit_spellings_resolve_to_one_unit(seed: PlanDocument) -> None:
    by_code = {a.code: a for a in seed.activities()}
    assert "เลขาธิการ" in by_code["2.1.1"].responsible_unit  # kept as printed
    assert "เลขานุการ" in by_code["1.1.1"].responsible_unit
    secretariat = ("กรมอาเซียน", "สำนักงานเลขานุการกรม")
    assert {
        by_code[c].unit_path for c in ("1.1.1", "1.1.2", "2.1.1", "2.2.1", "4.1.1", "4.1.2")
    } == {secretariat}
    assert by_code["3.1.2"].unit_path == ("กรมอาเซียน",)
    assert by_code["4.2.1"].unit_path == ("กรมอาเซียน",)


def test_text_and_bytes_entry_points_agree(seed: PlanDocument, seed_bytes: bytes) -> None:
    from_text = parse_plan(seed_bytes.decode("utf-8"))
    assert from_text == seed  # same hash too: the text is the UTF-8 of the same bytes


def test_bom_and_crlf_are_accepted(seed: PlanDocument, seed_bytes: bytes) -> None:
    variant = b"\xef\xbb\xbf" + seed_bytes.replace(b"\n", b"\r\n")
    document = parse_plan_bytes(variant)
    assert document.source_sha256 == hashlib.sha256(variant).hexdigest()
    assert document.source_sha256 != seed.source_sha256
    assert dataclasses.replace(document, source_sha256=seed.source_sha256) == seed
