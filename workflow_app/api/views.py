"""JSON API v1: thin views over the serializers, queries and `perform_action`.

Who may see or do what is asked of `state_machines` (and, for actions, decided inside
`perform_action`); these views only translate HTTP to those calls and their answers to JSON.

Authentication: a bearer token (`Authorization: Bearer wfa_…`) or the browser session. A state
change authenticated by the session cookie also needs the `X-CSRFToken` header, so a cookie alone
never changes anything; token requests carry no ambient credential and need no CSRF token.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from typing import Any, NoReturn, cast
from urllib.parse import quote

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import bindparam, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.wsgi import wrap_file
from wtforms.validators import ValidationError

from state_machines import Action, Actor, available_actions, may_view_activity
from workflow_app.accounts.models import User
from workflow_app.accounts.tokens import bearer_token
from workflow_app.accounts.unit_tree import load_units, unit_path
from workflow_app.api.openapi import openapi_document
from workflow_app.api.shapes import iso, open_submission_json, person_json, trail_json
from workflow_app.db import MAX_ID
from workflow_app.evidence.app_store import evidence_store
from workflow_app.extensions import db
from workflow_app.failure import Failure
from workflow_app.plans.models import Activity, Plan
from workflow_app.plans.serialize import activity_dict, load_plan_tree, plan_dict
from workflow_app.web.security import api_response_headers
from workflow_app.workflow.activity_record import ActivityRecord, load_activity_record
from workflow_app.workflow.models import EvidenceItem, Submission
from workflow_app.workflow.operations import (
    ActionOutcome,
    ActionRequest,
    FileUpload,
    perform_action,
)
from workflow_app.workflow.trail import load_submission, load_trail

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})

# The JSON fields each decision accepts; anything else is refused so a typo is not ignored.
_DECISION_FIELDS: dict[Action, frozenset[str]] = {
    Action.WITHDRAW: frozenset({"comment", "expected_version"}),
    Action.FORWARD: frozenset({"comment", "expected_version"}),
    Action.RETURN: frozenset({"comment", "expected_version"}),
    Action.APPROVE: frozenset({"comment", "expected_version", "publishable"}),
    Action.REVOKE: frozenset({"reason", "comment", "expected_version"}),
}
_SUBMIT_FORM_FIELDS = frozenset({"narrative", "links", "keep_files", "expected_version"})
_SUBMIT_FILE_FIELDS = frozenset({"files"})
_VERSION_TEXT = re.compile(r"-?[0-9]{1,12}")


def _invalid(field: str, message: str) -> NoReturn:
    raise Failure(422, "invalid_field", f"{field}: {message}")


# --- Authentication and CSRF ------------------------------------------------------------------


@api_bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = bearer_token(request)
    if not current_user.is_authenticated:
        if token is not None:
            raise Failure(
                401,
                "invalid_token",
                "The API token is unknown or revoked, or its account is disabled.",
            )
        # Not Flask-Login's unauthorized(): that would also answer 401 JSON here (the API has
        # no login view), but with Werkzeug's generic text instead of saying what to send.
        raise Failure(
            401, "unauthenticated", "Sign in, or send 'Authorization: Bearer <API token>'."
        )
    if request.method in SAFE_METHODS or token is not None:
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    headers = current_app.config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
    presented = next((request.headers[name] for name in headers if name in request.headers), None)
    try:
        validate_csrf(presented)
    except ValidationError as error:
        raise Failure(
            403,
            "csrf_failed",
            f"{error.args[0]} A change made with the session cookie needs the X-CSRFToken "
            "header; scripts should use an API token instead.",
        ) from None


api_bp.after_request(api_response_headers)


def _user() -> User:
    return cast(User, current_user._get_current_object())


def _actor() -> Actor:
    return _user().as_actor()


# --- Reading ----------------------------------------------------------------------------------


def _unit_paths() -> dict[int, tuple[int, ...]]:
    return {unit_id: unit.path for unit_id, unit in load_units(db.session).items()}


def _viewable_record(activity_id: int) -> ActivityRecord:
    """The activity, if it exists (404) and the caller may view it (403)."""
    record = load_activity_record(db.session, activity_id)
    if record is None:
        raise Failure(404, "not_found", "activity not found")
    _ensure_may_view(record.unit.path)
    return record


def _ensure_may_view(unit_path: tuple[int, ...]) -> None:
    if not may_view_activity(_actor(), unit_path):
        raise Failure(403, "forbidden", "You may not view this activity.")


@api_bp.get("/plans")
def list_plans() -> Response:
    """Plans in which the caller may view at least one activity, with that count."""
    actor = _actor()
    paths = _unit_paths()
    visible: Counter[int] = Counter()
    rows = db.session.execute(
        select(Activity.plan_id, Activity.unit_id, func.count(Activity.id)).group_by(
            Activity.plan_id, Activity.unit_id
        )
    ).all()
    for plan_id, unit_id, count in rows:
        if may_view_activity(actor, paths.get(unit_id, (unit_id,))):
            visible[plan_id] += count
    plans = db.session.scalars(
        select(Plan).where(Plan.id.in_(list(visible))).order_by(Plan.fiscal_year.desc(), Plan.id)
    ).all()
    return jsonify(
        {
            "plans": [
                {
                    "id": plan.id,
                    "title": plan.title,
                    "agency": plan.agency,
                    "ministry": plan.ministry,
                    "fiscal_year": plan.fiscal_year,
                    "activity_count": visible[plan.id],
                }
                for plan in plans
            ]
        }
    )


@api_bp.get("/plans/<id:plan_id>")
def get_plan(plan_id: int) -> Response:
    """The `plan show --json` shape with states, limited to the activities the caller may view;
    a plan of which the caller may view nothing is 404, as if it did not exist."""
    plan = load_plan_tree(db.session, plan_id)
    if plan is None:
        raise Failure(404, "not_found", "plan not found")
    actor = _actor()
    paths = _unit_paths()
    visible = {
        activity.id
        for strategy in plan.strategies
        for tactic in strategy.tactics
        for activity in tactic.activities
        if may_view_activity(actor, paths.get(activity.unit_id, (activity.unit_id,)))
    }
    if not visible:
        raise Failure(404, "not_found", "plan not found")
    data = plan_dict(plan, with_state=True)
    for strategy in data["strategies"]:
        for tactic in strategy["tactics"]:
            tactic["activities"] = [a for a in tactic["activities"] if a["id"] in visible]
    return jsonify(data)


@api_bp.get("/activities/<id:activity_id>")
def get_activity(activity_id: int) -> Response:
    record = _viewable_record(activity_id)
    activity = record.activity
    open_submission = None
    if activity.open_submission_id is not None:
        open_submission = load_submission(db.session, activity.open_submission_id)
    data = activity_dict(activity, with_state=True)
    for level in data["levels"]:
        level["certified"] = level["number"] <= activity.certified_level
        if level["certified"]:
            certification = record.certifications.get(level["number"])
            level["certified_by"] = person_json(
                certification.approved_by if certification else None
            )
            level["certified_at"] = iso(certification.approved_at if certification else None)
            level["audit_seq"] = certification.audit_seq if certification else None
    data.update(
        {
            "plan_id": activity.plan_id,
            "current_level": record.current_level,
            "target_met": activity.target_met,
            "level_count": activity.level_count,
            "levels": data["levels"],
            "open_submission": open_submission_json(open_submission),
            "available_actions": [
                {
                    "action": permission.action.value,
                    "allowed": permission.allowed,
                    "reason": permission.reason,
                    "code": permission.refusal.value if permission.refusal else None,
                }
                for permission in available_actions(_actor(), record.snapshot())
            ],
        }
    )
    return jsonify(data)


@api_bp.get("/activities/<id:activity_id>/trail")
def get_trail(activity_id: int) -> Response:
    record = _viewable_record(activity_id)
    activity = record.activity
    return jsonify(
        {
            "activity_id": activity.id,
            "code": activity.code,
            "state": activity.state,
            "certified_level": activity.certified_level,
            "level_count": activity.level_count,
            "version": activity.version,
            "levels": trail_json(load_trail(db.session, activity)),
        }
    )


def _content_disposition(filename: str | None, item_id: int) -> str:
    """`attachment` with an ASCII fallback and the exact name in RFC 5987 `filename*`."""
    name = filename or f"evidence-{item_id}"
    stem, extension = os.path.splitext(name)
    if not (extension[1:].isascii() and extension[1:].isalnum()):
        stem, extension = name, ""
    # Accents may go ("café" → "cafe"); a name in another script would lose its words and keep
    # only stray digits or nothing, so it gets a neutral name instead.
    bare = "".join(c for c in unicodedata.normalize("NFKD", stem) if not unicodedata.combining(c))
    ascii_stem = re.sub(r"[^A-Za-z0-9 ._()-]+", "_", bare).strip(" ._") if bare.isascii() else ""
    if not any(char.isalnum() for char in ascii_stem):
        ascii_stem = f"evidence-{item_id}"
    quoted = quote(name, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{ascii_stem}{extension}\"; filename*=UTF-8''{quoted}"


# The item with its activity's unit: whether the caller may see it is whether they may view the
# activity it was submitted for.
_EVIDENCE_WITH_UNIT = (
    select(EvidenceItem, Activity.unit_id)
    .join(Submission, Submission.id == EvidenceItem.submission_id)
    .join(Activity, Activity.id == Submission.activity_id)
    .where(EvidenceItem.id == bindparam("item_id"))
)


@api_bp.get("/evidence/<id:item_id>")
def download_evidence(item_id: int) -> Response:
    found = db.session.execute(_EVIDENCE_WITH_UNIT, {"item_id": item_id}).first()
    if found is None:
        raise Failure(404, "not_found", "evidence not found")
    item, unit_id = found
    _ensure_may_view(unit_path(db.session, unit_id))
    if item.kind != "file" or item.sha256 is None:
        raise Failure(404, "not_a_file", "This evidence is a link; there is no file to download.")
    try:
        handle = evidence_store().open(item.sha256)
    except FileNotFoundError:
        current_app.logger.error("evidence file %s (item %s) is missing", item.sha256, item.id)
        raise Failure(404, "file_missing", "The stored file is missing.") from None
    # Streamed in blocks (wsgi.file_wrapper when the server has one); the length comes from the
    # stored file itself so clients see progress. No ranges: evidence files are small.
    response = Response(
        wrap_file(request.environ, handle),
        mimetype=item.media_type or "application/octet-stream",
        direct_passthrough=True,
    )
    response.content_length = os.fstat(handle.fileno()).st_size
    response.set_etag(item.sha256)
    response.headers["Content-Disposition"] = _content_disposition(item.filename, item.id)
    # Evidence is uploaded content: never let a browser run it in this origin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@api_bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


# --- Actions ----------------------------------------------------------------------------------


def _check_text(field: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        _invalid(field, "must be a string")
    # Both would fail in the database (PostgreSQL refuses NUL, UTF-8 refuses lone surrogates).
    if "\x00" in value:
        _invalid(field, "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        _invalid(field, "is not valid Unicode text")
    return value


def _check_version(value: object) -> int | None:
    if value is None:
        return None
    # bool is an int subclass in Python; `true` is not a version.
    if isinstance(value, bool) or not isinstance(value, int):
        _invalid("expected_version", "must be an integer")
    return value


def _json_body() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise Failure(400, "bad_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise Failure(422, "invalid_body", "body: must be a JSON object")
    return body


def _decision_request(action: Action) -> ActionRequest:
    body = _json_body()
    unknown = sorted(set(body) - _DECISION_FIELDS[action])
    if unknown:
        _invalid(unknown[0], f"is not accepted by '{action.value}'")
    comment = _check_text("comment", body.get("comment"))
    if action is Action.REVOKE:
        reason = _check_text("reason", body.get("reason"))
        if reason is not None and comment is not None and reason != comment:
            _invalid("reason", "give the reason once, as 'reason' or as 'comment'")
        comment = reason if reason is not None else comment
    if action in (Action.RETURN, Action.REVOKE) and comment is None:
        # Absent is blank: the workflow then refuses with its own "required" reason.
        comment = ""
    publishable = body.get("publishable", False)
    if publishable is None:
        publishable = False
    if not isinstance(publishable, bool):
        _invalid("publishable", "must be true or false")
    return ActionRequest(
        action=action,
        expected_version=_check_version(body.get("expected_version")),
        comment=comment,
        publishable=publishable,
    )


def _single(field: str) -> str | None:
    values = request.form.getlist(field)
    if len(values) > 1:
        _invalid(field, "give it once")
    return _check_text(field, values[0]) if values else None


def _submit_request() -> ActionRequest:
    if request.mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise Failure(
            422, "multipart_required", "body: submit takes multipart/form-data (files, links)"
        )
    unknown = sorted(
        (set(request.form) - _SUBMIT_FORM_FIELDS) | (set(request.files) - _SUBMIT_FILE_FIELDS)
    )
    if unknown:
        _invalid(
            unknown[0], "is not accepted by 'submit' (use narrative, files, links, keep_files)"
        )
    version_text = _single("expected_version")
    expected_version = None
    if version_text is not None:
        if not _VERSION_TEXT.fullmatch(version_text.strip()):
            _invalid("expected_version", "must be an integer")
        expected_version = int(version_text)
    links = [_check_text("links", link) or "" for link in request.form.getlist("links")]
    keep_files = [_id_field("keep_files", value) for value in request.form.getlist("keep_files")]
    files: list[FileStorage] = [
        storage for storage in request.files.getlist("files") if storage.filename
    ]
    return ActionRequest(
        action=Action.SUBMIT,
        expected_version=expected_version,
        narrative=_single("narrative"),
        files=[FileUpload(storage.stream, storage.filename or "") for storage in files],
        links=links,
        keep_files=keep_files,
    )


def _id_field(field: str, value: str) -> int:
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        _invalid(field, "must be evidence item ids (whole numbers)")
    return int(text)


def _outcome_dict(outcome: ActionOutcome) -> dict[str, Any]:
    return {
        "activity_id": outcome.activity_id,
        "action": outcome.action.value,
        "from_state": outcome.from_state,
        "state": outcome.to_state,
        "version": outcome.version,
        "certified_level": outcome.certified_level,
        "submission_id": outcome.submission_id,
        "audit_seq": outcome.audit_seq,
    }


@api_bp.post("/activities/<id:activity_id>/actions/<action>")
def take_action(activity_id: int, action: str) -> tuple[Response, int]:
    try:
        chosen = Action(action)
    except ValueError:
        raise Failure(404, "unknown_action", f"There is no action {action[:40]!r}.") from None
    action_request = _submit_request() if chosen is Action.SUBMIT else _decision_request(chosen)
    outcome = perform_action(
        db.session,
        user=_user(),
        activity_id=activity_id,
        request=action_request,
        store=evidence_store(),
    )
    return jsonify(_outcome_dict(outcome)), 201 if chosen is Action.SUBMIT else 200
