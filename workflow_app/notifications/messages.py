"""The Thai text of each notification (subjects and bodies)."""

from __future__ import annotations

from state_machines import Action
from workflow_app.plans.models import Activity

APP_NAME = "ระบบติดตามแผนปฏิบัติการส่งเสริมคุณธรรมฯ"

_SUBJECTS = {
    Action.SUBMIT: "มีหลักฐานส่งมาให้ตรวจสอบ",
    Action.FORWARD: "มีผลงานเสนอให้รับรอง",
    Action.RETURN: "ผลงานถูกส่งกลับให้แก้ไข",
    Action.APPROVE: "ผลงานได้รับการรับรองแล้ว",
}

_LEADS = {
    Action.SUBMIT: "เจ้าหน้าที่ได้ส่งหลักฐานของระดับที่ {level} เพื่อให้ท่านตรวจสอบ",
    Action.FORWARD: "ผู้ตรวจสอบได้เสนอระดับที่ {level} เพื่อให้ท่านพิจารณารับรอง",
    Action.RETURN: "ระดับที่ {level} ถูกส่งกลับให้แก้ไข",
    Action.APPROVE: "ระดับที่ {level} ได้รับการรับรองแล้ว",
}


def transition_message(
    action: Action, activity: Activity, level: int, comment: str
) -> tuple[str, str]:
    subject = f"[{APP_NAME}] {_SUBJECTS[action]}: กิจกรรม {activity.code}"
    lines = [
        _LEADS[action].format(level=level),
        "",
        f"แผน: {activity.plan.title} (ปีงบประมาณ {activity.plan.fiscal_year})",
        f"กิจกรรม: {activity.code} {activity.title}",
        f"ระดับที่รับรองแล้ว: {activity.certified_level} จากเป้าหมายระดับ {activity.target_level}",
    ]
    if comment:
        lines += ["", f"ความเห็น: {comment}"]
    lines += ["", "โปรดเข้าสู่ระบบเพื่อดูรายละเอียด", "", f"— {APP_NAME} (อีเมลอัตโนมัติ)"]
    return subject, "\n".join(lines)
