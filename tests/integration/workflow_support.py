"""Helpers to fire workflow actions in tests, through the real engine."""

from __future__ import annotations

import io

from state_machines import Action
from tests.integration.conftest import People
from workflow_app.evidence.app_store import evidence_store
from workflow_app.extensions import db
from workflow_app.plans.models import Activity
from workflow_app.workflow.operations import (
    ActionOutcome,
    ActionRequest,
    FileUpload,
    perform_action,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "รายงานผล.pdf", extra: bytes = b"") -> FileUpload:
    return FileUpload(io.BytesIO(PDF_BYTES + extra), name)


def act(
    people: People,
    username: str,
    code: str,
    action: Action | str,
    **fields: object,
) -> ActionOutcome:
    """Fire `action` as `username` on the activity `code`; submit gets a narrative and a PDF
    unless told otherwise; return and revoke get a comment unless told otherwise."""
    action = Action(action)
    if action is Action.SUBMIT:
        fields.setdefault("narrative", "ดำเนินการตามแผนแล้ว")
        fields.setdefault("files", [pdf()])
    if action in (Action.RETURN, Action.REVOKE):
        fields.setdefault("comment", "โปรดแนบหลักฐานเพิ่มเติม")
    return perform_action(
        db.session,
        user=people.user(username),
        activity_id=people.activities[code],
        request=ActionRequest(action=action, **fields),  # type: ignore[arg-type]
        store=evidence_store(),
    )


def activity(people: People, code: str) -> Activity:
    row = db.session.get(Activity, people.activities[code], populate_existing=True)
    assert row is not None
    return row
