"""The OpenAPI 3.1 description of /api/v1, kept by hand next to the views.

A test compares its paths and methods with the routes Flask has registered, in both directions,
so an endpoint cannot be added or removed without this document following.
"""

from __future__ import annotations

import copy
from typing import Any

from state_machines import Action, Refusal, State
from workflow_app.db import MAX_ID

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/E{status}"} for status in statuses}


def _id_parameter(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {what}'s id.",
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    }


_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}
_BOOLEAN = {"type": "boolean"}
_TIME = {"type": "string", "format": "date-time"}
_STRINGS = {"type": "array", "items": _STRING}
_ACTIONS = [action.value for action in Action]
_STATES = [state.value for state in State]

_ERROR_TEXT = {
    400: "The request is malformed (e.g. the body is not JSON).",
    401: "No valid session or API token.",
    403: "The caller may not do this (role, scope, separation of duties, CSRF).",
    404: "No such resource, or none the caller may see.",
    405: "Method not allowed on this path.",
    409: "The activity's state or version changed, or it is busy.",
    413: "The request or a file is too large.",
    422: "A field is missing, of the wrong type, or refused by the workflow.",
}

_SCHEMAS: dict[str, Any] = {
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
        "properties": {"id": _INTEGER, "username": _STRING, "display_name": _STRING},
    },
    "Evidence": {
        "type": "object",
        "required": ["id", "kind"],
        "properties": {
            "id": _INTEGER,
            "kind": {"type": "string", "enum": ["file", "link"]},
            "filename": _nullable(_STRING),
            "size": _nullable(_INTEGER),
            "sha256": _nullable(_STRING),
            "media_type": _nullable(_STRING),
            "url": _nullable({"type": "string", "format": "uri"}),
            "download_url": _nullable(
                {"type": "string", "description": "GET it for the file (files only)."}
            ),
        },
    },
    "PlanSummary": {
        "type": "object",
        "properties": {
            "id": _INTEGER,
            "title": _STRING,
            "agency": _STRING,
            "ministry": _STRING,
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
            "id": _INTEGER,
            "code": _STRING,
            "title": _STRING,
            "objectives": _STRINGS,
            "indicators": _STRINGS,
            "targets": _STRINGS,
            "target_level": _INTEGER,
            "outcomes_quantitative": _STRINGS,
            "outcomes_qualitative": _STRINGS,
            "quarters": {"type": "array", "items": _INTEGER},
            "budget_baht": _nullable({"type": "number"}),
            "responsible_unit": _STRING,
            "levels": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"number": _INTEGER, "criterion": _STRING},
                },
            },
            "state": {"type": "string", "enum": _STATES},
            "certified_level": _INTEGER,
            "version": _INTEGER,
        },
    },
    "Plan": {
        "type": "object",
        "description": "The `plan show --json` shape; only activities the caller may view.",
        "properties": {
            "id": _INTEGER,
            "title": _STRING,
            "agency": _STRING,
            "ministry": _STRING,
            "fiscal_year": _INTEGER,
            "source_sha256": _STRING,
            "strategies": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "number": _INTEGER,
                        "title": _STRING,
                        "tactics": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "number": _INTEGER,
                                    "title": _STRING,
                                    "activities": {
                                        "type": "array",
                                        "items": _ref("ActivityFields"),
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
            "number": _INTEGER,
            "criterion": _STRING,
            "certified": _BOOLEAN,
            "certified_by": _ref("Person"),
            "certified_at": _TIME,
            "audit_seq": _INTEGER,
        },
    },
    "OpenSubmission": {
        "type": "object",
        "properties": {
            "id": _INTEGER,
            "level": _INTEGER,
            "status": {"type": "string", "enum": ["submitted", "forwarded", "returned"]},
            "narrative": _STRING,
            "submitted_by": _ref("Person"),
            "submitted_at": _TIME,
            "forwarded_by": _nullable(_ref("Person")),
            "evidence": {"type": "array", "items": _ref("Evidence")},
            "return_comment": _nullable(_STRING),
            "returned_by": _nullable(_ref("Person")),
            "returned_at": _nullable(_TIME),
        },
    },
    "AvailableAction": {
        "type": "object",
        "required": ["action", "allowed", "reason", "code"],
        "properties": {
            "action": {"type": "string", "enum": _ACTIONS},
            "allowed": _BOOLEAN,
            "reason": _nullable(_STRING),
            "code": _nullable({"type": "string", "enum": [r.value for r in Refusal]}),
        },
    },
    "ActivityDetail": {
        "allOf": [
            _ref("ActivityFields"),
            {
                "type": "object",
                "properties": {
                    "plan_id": _INTEGER,
                    "current_level": _nullable(
                        {"type": "integer", "description": "Null once completed."}
                    ),
                    "target_met": _BOOLEAN,
                    "level_count": _INTEGER,
                    "levels": {"type": "array", "items": _ref("Level")},
                    "open_submission": _nullable(_ref("OpenSubmission")),
                    "available_actions": {"type": "array", "items": _ref("AvailableAction")},
                },
            },
        ]
    },
    "Decision": {
        "type": "object",
        "properties": {
            "action": {"type": "string", "enum": _ACTIONS},
            "actor": _ref("Person"),
            "comment": _STRING,
            "at": _TIME,
            "audit_seq": _INTEGER,
            "from_state": _STRING,
            "to_state": _STRING,
        },
    },
    "TrailSubmission": {
        "type": "object",
        "properties": {
            "id": _INTEGER,
            "level": _INTEGER,
            "status": _STRING,
            "narrative": _STRING,
            "submitted_by": _ref("Person"),
            "submitted_at": _TIME,
            "publishable": _BOOLEAN,
            "evidence": {"type": "array", "items": _ref("Evidence")},
            "decisions": {"type": "array", "items": _ref("Decision")},
        },
    },
    "Trail": {
        "type": "object",
        "properties": {
            "activity_id": _INTEGER,
            "code": _STRING,
            "state": {"type": "string", "enum": _STATES},
            "certified_level": _INTEGER,
            "level_count": _INTEGER,
            "version": _INTEGER,
            "levels": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "level": _INTEGER,
                        "criterion": _STRING,
                        "certified": _BOOLEAN,
                        "submissions": {"type": "array", "items": _ref("TrailSubmission")},
                        "other_decisions": {"type": "array", "items": _ref("Decision")},
                    },
                },
            },
        },
    },
    "ActionOutcome": {
        "type": "object",
        "properties": {
            "activity_id": _INTEGER,
            "action": {"type": "string", "enum": _ACTIONS},
            "from_state": {"type": "string", "enum": _STATES},
            "state": {"type": "string", "enum": _STATES},
            "version": _INTEGER,
            "certified_level": _INTEGER,
            "submission_id": _nullable(_INTEGER),
            "audit_seq": _INTEGER,
        },
    },
    "SubmitForm": {
        "type": "object",
        "required": ["narrative"],
        "properties": {
            "narrative": _STRING,
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
            "comment": _STRING,
            "reason": _STRING,
            "expected_version": {
                "type": "integer",
                "description": "The version you saw; a different current version answers 409.",
            },
            "publishable": {"type": "boolean", "default": False},
        },
        "additionalProperties": False,
    },
}

_ACTIVITY_ID = _id_parameter("activity_id", "activity")
_AUTHENTICATED = _errors(401, 403, 404)

_PATHS: dict[str, Any] = {
    "/api/v1/plans": {
        "get": {
            "operationId": "listPlans",
            "summary": "Plans in which the caller may view at least one activity.",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {"plans": {"type": "array", "items": _ref("PlanSummary")}},
                    },
                    "The plans, newest fiscal year first.",
                ),
                **_errors(401),
            },
        }
    },
    "/api/v1/plans/{plan_id}": {
        "get": {
            "operationId": "getPlan",
            "summary": "One plan with the activities the caller may view.",
            "description": "404 when the plan does not exist or the caller may view none of it.",
            "parameters": [_id_parameter("plan_id", "plan")],
            "responses": {"200": _json(_ref("Plan"), "The plan."), **_errors(401, 404)},
        }
    },
    "/api/v1/activities/{activity_id}": {
        "get": {
            "operationId": "getActivity",
            "summary": "An activity, its levels, its open submission and the caller's actions.",
            "parameters": [_ACTIVITY_ID],
            "responses": {
                "200": _json(_ref("ActivityDetail"), "The activity."),
                **_AUTHENTICATED,
            },
        }
    },
    "/api/v1/activities/{activity_id}/actions/{action}": {
        "post": {
            "operationId": "takeAction",
            "summary": "Carry out a workflow action.",
            "description": (
                "submit takes multipart/form-data (narrative, repeated files, repeated links, "
                "repeated keep_files, expected_version) and answers 201; the other actions "
                "take a JSON object (or no body) and answer 200. With a session cookie "
                "instead of a token, the X-CSRFToken header is required."
            ),
            "parameters": [
                _ACTIVITY_ID,
                {
                    "name": "action",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": _ACTIONS},
                    "description": "Unknown actions answer 404.",
                },
                {
                    "name": "X-CSRFToken",
                    "in": "header",
                    "required": False,
                    "schema": _STRING,
                    "description": "Required when authenticated by the session cookie.",
                },
            ],
            "requestBody": {
                "required": False,
                "content": {
                    "multipart/form-data": {
                        "schema": _ref("SubmitForm"),
                        "encoding": {"files": {"contentType": "*/*"}},
                    },
                    JSON: {"schema": _ref("DecisionBody")},
                },
            },
            "responses": {
                "200": _json(_ref("ActionOutcome"), "Done (every action but submit)."),
                "201": _json(_ref("ActionOutcome"), "Submitted."),
                **_errors(400, 401, 403, 404, 409, 413, 422),
            },
        }
    },
    "/api/v1/activities/{activity_id}/trail": {
        "get": {
            "operationId": "getTrail",
            "summary": "Every level's attempts, evidence and decisions, oldest first.",
            "parameters": [_ACTIVITY_ID],
            "responses": {"200": _json(_ref("Trail"), "The trail."), **_AUTHENTICATED},
        }
    },
    "/api/v1/evidence/{item_id}": {
        "get": {
            "operationId": "downloadEvidence",
            "summary": "Download a stored evidence file (links have none: 404).",
            "parameters": [_id_parameter("item_id", "evidence item")],
            "responses": {
                "200": {
                    "description": (
                        "The file, with its stored media type and Content-Disposition: "
                        "attachment (ASCII filename and RFC 5987 filename*)."
                    ),
                    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
                },
                **_AUTHENTICATED,
            },
        }
    },
    "/api/v1/audit": {
        "get": {
            "operationId": "listAuditEntries",
            "summary": "Audit entries, newest first, with filters and keyset pagination.",
            "description": "Auditors and administrators only. Unknown or repeated parameters: 422.",
            "parameters": [
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "schema": {"type": kind},
                    "description": text,
                }
                for name, kind, text in (
                    ("activity", "integer", "activity id"),
                    ("plan", "integer", "plan id"),
                    ("level", "integer", "level number"),
                    ("actor", "string", "username or user id"),
                    ("action", "string", "exact action, or a prefix ending in '.' or '*'"),
                    ("from", "string", "start time (ISO, or day/month/B.E. year; Bangkok)"),
                    ("to", "string", "end time (inclusive)"),
                    ("after_seq", "integer", "newer than this seq"),
                    ("before_seq", "integer", "older than this seq"),
                    ("limit", "integer", "page size, at most 500"),
                    ("order", "string", "desc (default) or asc"),
                )
            ],
            "responses": {
                "200": _json({"type": "object"}, "Entries with decoded bodies and cursors."),
                **_errors(401, 403, 422),
            },
        }
    },
    "/api/v1/audit/head": {
        "get": {
            "operationId": "getAuditHead",
            "summary": "The chain head (seq, hash) and the last checkpoint.",
            "responses": {"200": _json({"type": "object"}, "The head."), **_errors(401, 403)},
        }
    },
    "/api/v1/audit/verify": {
        "get": {
            "operationId": "verifyAuditLog",
            "summary": "Re-hash the whole log and check its checkpoints.",
            "responses": {
                "200": _json({"type": "object"}, "The verification report."),
                **_errors(401, 403),
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document.",
            "security": [],
            "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
        }
    },
}

_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Integrity-plan workflow API",
        "version": "1.0.0",
        "description": (
            "Plans, activities and their level workflow. Authenticate with "
            "`Authorization: Bearer <token>` (`flask --app workflow_app user token USERNAME`) "
            "or a browser session plus X-CSRFToken for changes. Errors are "
            '`{"error": CODE, "message": TEXT}`.'
        ),
    },
    "servers": [{"url": "/"}],
    "security": [{"bearerToken": []}, {"sessionCookie": []}],
    "paths": _PATHS,
    "components": {
        "securitySchemes": {
            "bearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "wfa_…"},
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
        },
        "schemas": _SCHEMAS,
        "responses": {
            f"E{status}": _json(_ref("Error"), text) for status, text in _ERROR_TEXT.items()
        },
    },
}


def openapi_document() -> dict[str, Any]:
    """A fresh copy, so a caller that decorates it cannot change the next answer."""
    return copy.deepcopy(_DOCUMENT)
