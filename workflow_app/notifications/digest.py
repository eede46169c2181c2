"""The daily digest: each user with an address hears what waits for them, or nothing at all.

- reviewer: submitted levels the workflow would let them forward (in scope, not their own);
- division head: forwarded levels they may approve;
- officer: activities they may submit for that were returned, or are open and due soon or
  overdue (by `plans.fiscal.deadline_status`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from state_machines import Role, State
from workflow_app.accounts.models import User
from workflow_app.formatting import format_date
from workflow_app.notifications.messages import APP_NAME
from workflow_app.notifications.recipients import users_with_email
from workflow_app.workflow.worklist import WorkActivity, WorkItem, load_worklists

OFFICER_ALERT_STATUSES = ("overdue", "due_soon")
_STATUS_TH = {"overdue": "เลยกำหนด", "due_soon": "ใกล้ถึงกำหนด"}


@dataclass
class Digest:
    user: User
    to_review: list[WorkActivity] = field(default_factory=list)
    to_approve: list[WorkActivity] = field(default_factory=list)
    to_submit: list[tuple[WorkActivity, str]] = field(default_factory=list)  # (activity, why)

    @property
    def empty(self) -> bool:
        return not (self.to_review or self.to_approve or self.to_submit)


def _why_submit(item: WorkItem) -> str | None:
    """Why an officer hears of an activity they may submit for, or None to stay quiet."""
    if item.activity.state == State.RETURNED.value:
        return "ถูกส่งกลับให้แก้ไข"
    if item.deadline.status in OFFICER_ALERT_STATUSES:
        due = item.deadline.due_date
        return _STATUS_TH[item.deadline.status] + (f" (กำหนด {format_date(due)})" if due else "")
    return None


def build_digests(session: Session, today: date) -> list[Digest]:
    """The worklist of every user with an address, in a constant number of queries."""
    users = users_with_email(session)
    lists = load_worklists(session, [user.as_actor() for user in users], today)
    digests = []
    for user in users:
        digest = Digest(user)
        for item in sorted(
            lists[user.id], key=lambda item: (item.activity.plan_id, item.activity.id)
        ):
            if item.queue.role is Role.REVIEWER:
                digest.to_review.append(item.activity)
            elif item.queue.role is Role.DIVISION_HEAD:
                digest.to_approve.append(item.activity)
            elif (why := _why_submit(item)) is not None:
                digest.to_submit.append((item.activity, why))
        if not digest.empty:
            digests.append(digest)
    return digests


def _line(activity: WorkActivity, extra: str = "") -> str:
    text = f"- {activity.code} {activity.title} (ระดับที่ {activity.level})"
    return f"{text}: {extra}" if extra else text


def digest_message(digest: Digest, today: date) -> tuple[str, str]:
    subject = f"[{APP_NAME}] งานที่รอท่านดำเนินการ ประจำวันที่ {format_date(today)}"
    lines = [f"เรียน {digest.user.display_name or digest.user.username}", ""]
    if digest.to_review:
        lines.append(f"รอท่านตรวจสอบ {len(digest.to_review)} รายการ")
        lines += [_line(a) for a in digest.to_review] + [""]
    if digest.to_approve:
        lines.append(f"รอท่านพิจารณารับรอง {len(digest.to_approve)} รายการ")
        lines += [_line(a) for a in digest.to_approve] + [""]
    if digest.to_submit:
        lines.append(f"รอท่านส่งหลักฐาน {len(digest.to_submit)} รายการ")
        lines += [_line(a, why) for a, why in digest.to_submit] + [""]
    lines += ["โปรดเข้าสู่ระบบเพื่อดำเนินการ", "", f"— {APP_NAME} (อีเมลอัตโนมัติ)"]
    return subject, "\n".join(lines)
