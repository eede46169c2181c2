"""The OpenAPI 3.1 description of /api/v1, kept by hand next to the views (its components:
`openapi_schemas`).

A test compares its paths and methods with the routes Flask has registered, in both directions,
so an endpoint cannot be added or removed without this document following.
"""

from __future__ import annotations

import copy
from typing import Any

from workflow_app.api.openapi_schemas import (
    ACTIONS,
    ERROR_TEXT,
    JSON,
    SCHEMAS,
    STRING,
    errors,
    id_parameter,
    json_response,
    ref,
)
from workflow_app.auditors.paging import MAX_LIMIT, MAX_SEQ
from workflow_app.db import MAX_ID


def _integer_in(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


_ACTIVITY_ID = id_parameter("activity_id", "activity")
_AUTHENTICATED = errors(401, 403, 404)

_PATHS: dict[str, Any] = {
    "/api/v1/plans": {
        "get": {
            "operationId": "listPlans",
            "summary": "Plans in which the caller may view at least one activity.",
            "responses": {
                "200": json_response(
                    {
                        "type": "object",
                        "properties": {"plans": {"type": "array", "items": ref("PlanSummary")}},
                    },
                    "The plans, newest fiscal year first.",
                ),
                **errors(401),
            },
        }
    },
    "/api/v1/plans/{plan_id}": {
        "get": {
            "operationId": "getPlan",
            "summary": "One plan with the activities the caller may view.",
            "description": "404 when the plan does not exist or the caller may view none of it.",
            "parameters": [id_parameter("plan_id", "plan")],
            "responses": {"200": json_response(ref("Plan"), "The plan."), **errors(401, 404)},
        }
    },
    "/api/v1/activities/{activity_id}": {
        "get": {
            "operationId": "getActivity",
            "summary": "An activity, its levels, its open submission and the caller's actions.",
            "parameters": [_ACTIVITY_ID],
            "responses": {
                "200": json_response(ref("ActivityDetail"), "The activity."),
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
                    "schema": {"type": "string", "enum": ACTIONS},
                    "description": "Unknown actions answer 404.",
                },
                {
                    "name": "X-CSRFToken",
                    "in": "header",
                    "required": False,
                    "schema": STRING,
                    "description": "Required when authenticated by the session cookie.",
                },
            ],
            "requestBody": {
                "required": False,
                "content": {
                    "multipart/form-data": {
                        "schema": ref("SubmitForm"),
                        "encoding": {"files": {"contentType": "*/*"}},
                    },
                    JSON: {"schema": ref("DecisionBody")},
                },
            },
            "responses": {
                "200": json_response(ref("ActionOutcome"), "Done (every action but submit)."),
                "201": json_response(ref("ActionOutcome"), "Submitted."),
                **errors(400, 401, 403, 404, 409, 413, 422),
            },
        }
    },
    "/api/v1/activities/{activity_id}/trail": {
        "get": {
            "operationId": "getTrail",
            "summary": "Every level's attempts, evidence and decisions, oldest first.",
            "parameters": [_ACTIVITY_ID],
            "responses": {"200": json_response(ref("Trail"), "The trail."), **_AUTHENTICATED},
        }
    },
    "/api/v1/evidence/{item_id}": {
        "get": {
            "operationId": "downloadEvidence",
            "summary": "Download a stored evidence file (links have none: 404).",
            "parameters": [id_parameter("item_id", "evidence item")],
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
            "description": (
                "Auditors and administrators only. Unknown or repeated parameters, dates that "
                "cannot be read, and after_seq with before_seq: 422 naming each parameter."
            ),
            "parameters": [
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "schema": schema,
                    "description": text,
                }
                for name, schema, text in (
                    ("activity", STRING, "activity id, or code (with plan when several share it)"),
                    ("plan", _integer_in(0, MAX_ID), "plan id"),
                    ("level", _integer_in(0, 1000), "level number"),
                    ("actor", {"type": "string", "maxLength": 120}, "username or user id"),
                    (
                        "action",
                        {"type": "string", "maxLength": 60, "pattern": r"^[\w.:*-]+$"},
                        "exact action, or a prefix ending in '.' or '*'",
                    ),
                    ("from", STRING, "start time (ISO, or day/month/B.E. year; Bangkok)"),
                    ("to", STRING, "end time (inclusive)"),
                    (
                        "after_seq",
                        _integer_in(0, MAX_SEQ),
                        "newer than this seq",
                    ),
                    (
                        "before_seq",
                        _integer_in(0, MAX_SEQ),
                        "older than this seq",
                    ),
                    ("limit", _integer_in(1, MAX_LIMIT), "page size"),
                    ("order", {"type": "string", "enum": ["desc", "asc"]}, "desc (default) or asc"),
                )
            ],
            "responses": {
                "200": json_response(
                    {"type": "object"}, "Entries with decoded bodies and cursors."
                ),
                **errors(401, 403, 422),
            },
        }
    },
    "/api/v1/audit/head": {
        "get": {
            "operationId": "getAuditHead",
            "summary": "The chain head (seq, hash) and the last checkpoint.",
            "responses": {
                "200": json_response({"type": "object"}, "The head."),
                **errors(401, 403),
            },
        }
    },
    "/api/v1/audit/verify": {
        "get": {
            "operationId": "verifyAuditLog",
            "summary": "Re-hash the whole log and check its checkpoints.",
            "responses": {
                "200": json_response({"type": "object"}, "The verification report."),
                **errors(401, 403),
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document.",
            "security": [],
            "responses": {"200": json_response({"type": "object"}, "The OpenAPI document.")},
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
        "schemas": SCHEMAS,
        "responses": {
            f"E{status}": json_response(ref("Error"), text) for status, text in ERROR_TEXT.items()
        },
    },
}


def openapi_document() -> dict[str, Any]:
    """A fresh copy, so a caller that decorates it cannot change the next answer."""
    return copy.deepcopy(_DOCUMENT)
