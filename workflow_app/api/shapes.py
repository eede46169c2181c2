"""The API's JSON shapes of the workflow's read models: the one place records become JSON.

Times are ISO 8601 with their UTC offset; a file's `download_url` is the API's own download
route (which applies the same view check as every other read).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from state_machines import Action
from workflow_app.accounts.people import Person
from workflow_app.workflow.trail import DecisionRecord, EvidenceRecord, SubmissionRecord, Trail


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def person_json(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.id, "username": person.username, "display_name": person.display_name}


def evidence_json(item: EvidenceRecord) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "filename": item.filename,
        "size": item.size,
        "sha256": item.sha256,
        "media_type": item.media_type,
        "url": item.url,
        "download_url": url_for("api.download_evidence", item_id=item.id) if item.is_file else None,
    }


def decision_json(decision: DecisionRecord) -> dict[str, Any]:
    return {
        "action": decision.action,
        "actor": person_json(decision.actor),
        "comment": decision.comment,
        "at": iso(decision.at),
        "audit_seq": decision.audit_seq,
        "from_state": decision.from_state,
        "to_state": decision.to_state,
    }


def _submission_head(submission: SubmissionRecord) -> dict[str, Any]:
    """What every shape of a submission starts with."""
    return {
        "id": submission.id,
        "level": submission.level,
        "status": submission.status,
        "narrative": submission.narrative,
        "submitted_by": person_json(submission.submitted_by),
        "submitted_at": iso(submission.submitted_at),
    }


def submission_json(submission: SubmissionRecord) -> dict[str, Any]:
    """A submission as the trail lists it."""
    return {
        **_submission_head(submission),
        "publishable": submission.publishable,
        "evidence": [evidence_json(item) for item in submission.evidence],
        "decisions": [decision_json(decision) for decision in submission.decisions],
    }


def open_submission_json(submission: SubmissionRecord | None) -> dict[str, Any] | None:
    """The activity's open submission, with who returned it and why when it was returned."""
    if submission is None:
        return None
    returned = submission.last(Action.RETURN) if submission.status == "returned" else None
    return {
        **_submission_head(submission),
        "forwarded_by": person_json(submission.forwarded_by),
        "evidence": [evidence_json(item) for item in submission.evidence],
        "return_comment": returned.comment if returned else None,
        "returned_by": person_json(returned.actor) if returned else None,
        "returned_at": iso(returned.at) if returned else None,
    }


def trail_json(trail: Trail) -> list[dict[str, Any]]:
    return [
        {
            "level": level.level,
            "criterion": level.criterion,
            "certified": level.certified,
            "submissions": [submission_json(s) for s in level.submissions],
            "other_decisions": [decision_json(d) for d in level.other_decisions],
        }
        for level in trail.levels
    ]
