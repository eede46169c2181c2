"""The OpenAPI document's components: the shapes of the API's answers and bodies, and the
helpers both halves of the document use."""

from __future__ import annotations

from typing import Any

from state_machines import Action, Refusal, State
from workflow_app.db import MAX_ID

JSON = "application/json"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/E{status}"} for status in statuses}


def id_parameter(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {what}'s id.",
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
STRINGS = {"type": "array", "items": STRING}
ACTIONS = [action.value for action in Action]
STATES = [state.value for state in State]

ERROR_TEXT = {
    400: "The request is malformed (e.g. the body is not JSON).",
    401: "No valid session or API token.",
    403: "The caller may not do this (role, scope, separation of duties, CSRF).",
    404: "No such resource, or none the caller may see.",
    405: "Method not allowed on this path.",
    409: "The activity's state or version changed, or it is busy.",
    413: "The request or a file is too large.",
    422: "A field is missing, of the wrong type, or refused by the workflow.",
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {
                "type": "string",
                "description": (
                    "A stable code: a workflow refusal ("
                    + ", ".join(refusal.value for refusal in Refusal)
                    + "), stale_version, busy, evidence codes (too_large, empty_file, "
                    "refused_type, bad_filename, bad_link, bad_kept_file, kept_file_missing), "
                    "invalid_field, invalid_body, bad_json, "
                    "multipart_required, csrf_failed, invalid_token, unknown_action, not_a_file, "
                    "file_missing, or an HTTP one (unauthenticated, forbidden, not_found, "
                    "method_not_allowed, too_large)."
                ),
            },
            "message": {"type": "string", "description": "English, for people."},
        },
    },
    "Person": {
        "type": "object",
        "required": ["id", "username", "display_name"],
        "properties": {"id": INTEGER, "username": STRING, "display_name": STRING},
    },
    "Evidence": {
        "type": "object",
        "required": ["id", "kind"],
        "properties": {
            "id": INTEGER,
            "kind": {"type": "string", "enum": ["file", "link"]},
            "filename": nullable(STRING),
            "size": nullable(INTEGER),
            "sha256": nullable(STRING),
            "media_type": nullable(STRING),
            "url": nullable({"type": "string", "format": "uri"}),
            "download_url": nullable(
                {"type": "string", "description": "GET it for the file (files only)."}
            ),
        },
    },
    "PlanSummary": {
        "type": "object",
        "properties": {
            "id": INTEGER,
            "title": STRING,
            "agency": STRING,
            "ministry": STRING,
            "fiscal_year": {"type": "integer", "description": "Buddhist era, e.g. 2568."},
            "activity_count": {
                "type": "integer",
                "description": "Activities of the plan the caller may view.",
            },
        },
    },
    "ActivityFields": {
        "type": "object",
        "description": "An activity as in `plan show --json`, with its workflow state.",
        "properties": {
            "id": INTEGER,
            "code": STRING,
            "title": STRING,
            "objectives": STRINGS,
            "indicators": STRINGS,
            "targets": STRINGS,
            "target_level": INTEGER,
            "outcomes_quantitative": STRINGS,
            "outcomes_qualitative": STRINGS,
            "quarters": {"type": "array", "items": INTEGER},
            "budget_baht": nullable({"type": "number"}),
            "responsible_unit": STRING,
            "levels": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"number": INTEGER, "criterion": STRING},
                },
            },
            "state": {"type": "string", "enum": STATES},
            "certified_level": INTEGER,
            "version": INTEGER,
        },
    },
    "Plan": {
        "type": "object",
        "description": "The `plan show --json` shape; only activities the caller may view.",
        "properties": {
            "id": INTEGER,
            "title": STRING,
            "agency": STRING,
            "ministry": STRING,
            "fiscal_year": INTEGER,
            "source_sha256": STRING,
            "strategies": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "number": INTEGER,
                        "title": STRING,
                        "tactics": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "number": INTEGER,
                                    "title": STRING,
                                    "activities": {
                                        "type": "array",
                                        "items": ref("ActivityFields"),
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "Level": {
        "type": "object",
        "required": ["number", "criterion", "certified"],
        "properties": {
            "number": INTEGER,
            "criterion": STRING,
            "certified": BOOLEAN,
            "certified_by": ref("Person"),
            "certified_at": TIME,
            "audit_seq": INTEGER,
        },
    },
    "OpenSubmission": {
        "type": "object",
        "properties": {
            "id": INTEGER,
            "level": INTEGER,
            "status": {"type": "string", "enum": ["submitted", "forwarded", "returned"]},
            "narrative": STRING,
            "submitted_by": ref("Person"),
            "submitted_at": TIME,
            "forwarded_by": nullable(ref("Person")),
            "evidence": {"type": "array", "items": ref("Evidence")},
            "return_comment": nullable(STRING),
            "returned_by": nullable(ref("Person")),
            "returned_at": nullable(TIME),
        },
    },
    "AvailableAction": {
        "type": "object",
        "required": ["action", "allowed", "reason", "code"],
        "properties": {
            "action": {"type": "string", "enum": ACTIONS},
            "allowed": BOOLEAN,
            "reason": nullable(STRING),
            "code": nullable({"type": "string", "enum": [r.value for r in Refusal]}),
        },
    },
    "ActivityDetail": {
        "allOf": [
            ref("ActivityFields"),
            {
                "type": "object",
                "properties": {
                    "plan_id": INTEGER,
                    "current_level": nullable(
                        {"type": "integer", "description": "Null once completed."}
                    ),
                    "target_met": BOOLEAN,
                    "level_count": INTEGER,
                    "levels": {"type": "array", "items": ref("Level")},
                    "open_submission": nullable(ref("OpenSubmission")),
                    "available_actions": {"type": "array", "items": ref("AvailableAction")},
                },
            },
        ]
    },
    "Decision": {
        "type": "object",
        "properties": {
            "action": {"type": "string", "enum": ACTIONS},
            "actor": ref("Person"),
            "comment": STRING,
            "at": TIME,
            "audit_seq": INTEGER,
            "from_state": STRING,
            "to_state": STRING,
        },
    },
    "TrailSubmission": {
        "type": "object",
        "properties": {
            "id": INTEGER,
            "level": INTEGER,
            "status": STRING,
            "narrative": STRING,
            "submitted_by": ref("Person"),
            "submitted_at": TIME,
            "publishable": BOOLEAN,
            "evidence": {"type": "array", "items": ref("Evidence")},
            "decisions": {"type": "array", "items": ref("Decision")},
        },
    },
    "Trail": {
        "type": "object",
        "properties": {
            "activity_id": INTEGER,
            "code": STRING,
            "state": {"type": "string", "enum": STATES},
            "certified_level": INTEGER,
            "level_count": INTEGER,
            "version": INTEGER,
            "levels": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "level": INTEGER,
                        "criterion": STRING,
                        "certified": BOOLEAN,
                        "submissions": {"type": "array", "items": ref("TrailSubmission")},
                        "other_decisions": {"type": "array", "items": ref("Decision")},
                    },
                },
            },
        },
    },
    "ActionOutcome": {
        "type": "object",
        "properties": {
            "activity_id": INTEGER,
            "action": {"type": "string", "enum": ACTIONS},
            "from_state": {"type": "string", "enum": STATES},
            "state": {"type": "string", "enum": STATES},
            "version": INTEGER,
            "certified_level": INTEGER,
            "submission_id": nullable(INTEGER),
            "audit_seq": INTEGER,
        },
    },
    "SubmitForm": {
        "type": "object",
        "required": ["narrative"],
        "properties": {
            "narrative": STRING,
            "files": {"type": "array", "items": {"type": "string", "contentMediaType": "*/*"}},
            "links": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "keep_files": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "description": (
                    "When answering a returned submission: ids of its file evidence items to "
                    "submit again (see open_submission.evidence). Any other id is refused with "
                    "422 bad_kept_file; a kept file missing from the store answers 409 "
                    "kept_file_missing."
                ),
            },
            "expected_version": {"type": "integer"},
        },
        "additionalProperties": False,
    },
    "DecisionBody": {
        "type": "object",
        "description": (
            "withdraw/forward: comment (optional note). return: comment (required). "
            "approve: comment (optional note), publishable. revoke: reason (or comment), "
            "required. Fields an action does not take are refused with 422."
        ),
        "properties": {
            "comment": STRING,
            "reason": STRING,
            "expected_version": {
                "type": "integer",
                "description": "The version you saw; a different current version answers 409.",
            },
            "publishable": {"type": "boolean", "default": False},
        },
        "additionalProperties": False,
    },
}
