"""The daily digest: each user with an address hears what waits for them, or nothing at all.

- reviewer: submitted levels the workflow would let them forward (in scope, not their own);
- division head: forwarded levels they may approve;
- officer: activities they may submit for that were returned, or are open and due soon or
  overdue (by `plans.fiscal.deadline_status`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from state_machines import Action, ActivitySnapshot, State, check
from workflow_app.accounts.models import Unit, User
from workflow_app.formatting import format_date
from workflow_app.notifications.messages import APP_NAME
from workflow_app.notifications.recipients import users_with_email
from workflow_app.plans.fiscal import deadline_status, due_date
from workflow_app.plans.models import Activity
from workflow_app.workflow.queries import open_submission, snapshot_of

OFFICER_ALERT_STATUSES = ("overdue", "due_soon")
_STATUS_TH = {"overdue": "เลยกำหนด", "due_soon": "ใกล้ถึงกำหนด"}


@dataclass
class Digest:
    user: User
    to_review: list[Activity] = field(default_factory=list)
    to_approve: list[Activity] = field(default_factory=list)
    to_submit: list[tuple[Activity, str]] = field(default_factory=list)  # (activity, why)

    @property
    def empty(self) -> bool:
        return not (self.to_review or self.to_approve or self.to_submit)


def _activities(session: Session) -> list[tuple[Activity, ActivitySnapshot]]:
    activities = session.scalars(
        select(Activity)
        .where(Activity.state != State.COMPLETED.value)
        .options(selectinload(Activity.plan), selectinload(Activity.unit).selectinload(Unit.parent))
        .order_by(Activity.plan_id, Activity.position)
    ).all()
    return [(a, snapshot_of(a, open_submission(session, a))) for a in activities]


def build_digests(session: Session, today: date) -> list[Digest]:
    activities = _activities(session)
    digests = []
    for user in users_with_email(session):
        actor = user.as_actor()
        digest = Digest(user)
        for activity, snapshot in activities:
            state = State(activity.state)
            if state is State.SUBMITTED and check(actor, snapshot, Action.FORWARD).allowed:
                digest.to_review.append(activity)
            elif state is State.FORWARDED and check(actor, snapshot, Action.APPROVE).allowed:
                digest.to_approve.append(activity)
            elif state in (State.OPEN, State.RETURNED) and (
                check(actor, snapshot, Action.SUBMIT).allowed
            ):
                status = deadline_status(
                    activity.plan.fiscal_year,
                    activity.quarters,
                    activity.certified_level,
                    activity.target_level,
                    today,
                )
                if state is State.RETURNED:
                    digest.to_submit.append((activity, "ถูกส่งกลับให้แก้ไข"))
                elif status in OFFICER_ALERT_STATUSES:
                    due = due_date(activity.plan.fiscal_year, activity.quarters)
                    why = _STATUS_TH[status] + (f" (กำหนด {format_date(due)})" if due else "")
                    digest.to_submit.append((activity, why))
        if not digest.empty:
            digests.append(digest)
    return digests


def _line(activity: Activity, extra: str = "") -> str:
    text = f"- {activity.code} {activity.title} (ระดับที่ {activity.certified_level + 1})"
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
