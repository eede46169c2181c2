"""An activity's certification trail for auditors: every step with the audit entry that recorded
it, and where the workflow tables and that entry disagree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.audit.models import AuditEntry
from workflow_app.auditors.blueprint import audit_bp, auditors_only
from workflow_app.auditors.entries import EntryView, decode_entry
from workflow_app.extensions import db
from workflow_app.plans.models import Activity
from workflow_app.workflow.activity_record import load_activity_record
from workflow_app.workflow.trail import DecisionRecord, LevelTrail, SubmissionRecord, load_trail


@dataclass(frozen=True)
class LogCheck:
    """The audit entry a workflow record names, and where the two disagree: the workflow tables
    can be edited by a database owner without breaking the chain, the entry cannot."""

    entry: EntryView | None
    differences: list[str]


@audit_bp.get("/activities/<id:activity_id>")
@auditors_only
def trail(activity_id: int) -> str:
    record = load_activity_record(db.session, activity_id)
    if record is None:
        abort(404)
    activity = record.activity
    history = load_trail(db.session, activity)
    steps = list(history.steps())
    entries = _entries_by_seq(db.session, [decision.audit_seq for _l, _s, decision in steps])
    checks = {
        decision.audit_seq: _check(decision, entries.get(decision.audit_seq), activity, level, sub)
        for level, sub, decision in steps
    }
    return render_template(
        "audit/trail.html",
        activity=activity,
        unit_name=record.unit.full_name,
        levels=history.levels,
        checks=checks,
    )


def _entries_by_seq(session: Session, seqs: Iterable[int]) -> dict[int, EntryView]:
    wanted = sorted(set(seqs))
    if not wanted:
        return {}
    rows = session.scalars(select(AuditEntry).where(AuditEntry.seq.in_(wanted)))
    return {row.seq: decode_entry(row) for row in rows}


def _check(
    decision: DecisionRecord,
    entry: EntryView | None,
    activity: Activity,
    level: LevelTrail,
    submission: SubmissionRecord | None,
) -> LogCheck:
    if entry is None:
        return LogCheck(None, ["no audit entry with this seq"])
    if entry.document is None:
        return LogCheck(entry, ["the audit entry cannot be read"])
    action = decision.action
    checks: dict[str, tuple[Any, Any]] = {
        "action": (entry.action, f"workflow.{action}"),
        "actor": (entry.actor_id, decision.actor.id if decision.actor else None),
        "activity": (entry.activity_id, activity.id),
        "level": (entry.level, level.level),
        "from_state": (entry.from_state, decision.from_state),
        "to_state": (entry.to_state, decision.to_state),
    }
    if action == "submit" and submission is not None:
        checks["narrative"] = (entry.payload.get("narrative"), submission.narrative)
        checks["evidence"] = (
            [(ref.kind, ref.sha256, ref.url) for ref in entry.evidence],
            [(item.kind, item.sha256, item.url) for item in submission.evidence],
        )
    elif action == "revoke":
        checks["reason"] = (entry.payload.get("reason", ""), decision.comment)
    else:
        checks["comment"] = (entry.payload.get("comment", ""), decision.comment)
    if submission is not None:
        checks["submission"] = (entry.subject.get("submission_id"), submission.id)
    return LogCheck(entry, [name for name, (logged, stored) in checks.items() if logged != stored])
