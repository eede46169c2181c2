"""JSON API for internal auditors under /api/v1/audit: the log's entries, its head, and a full
verification. Read-only: every endpoint is GET.

Authentication: a bearer token (`Authorization: Bearer wfa_…`) or the browser session; both
resolve to `flask_login.current_user`. Anonymous → 401, not allowed to read the log
(`state_machines.may_read_audit_log`) → 403. Errors are `{"error": code, "message": text}`.

`GET /api/v1/audit` takes the explorer's filters (see `auditors.parameters.parse_page_request`):
`activity, plan, level, actor, action, from, to` and the keyset cursors `after_seq` /
`before_seq` with `limit` (1–500, default 50) and `order` (`desc`, newest first, by default;
`asc`). The answer carries `next_after_seq` (pass it as `after_seq` for the newer entries) and
`next_before_seq` (as `before_seq` for the older ones); each is null when there are no more.
To follow the log as it grows: `order=asc&after_seq=<last seq seen>` and repeat.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Response, jsonify, request, url_for
from flask_babel import force_locale
from flask_login import current_user

from state_machines import Actor, may_read_audit_log, may_verify_audit_log
from workflow_app.accounts.models import User
from workflow_app.accounts.tokens import bearer_token
from workflow_app.audit.verification import verify_log
from workflow_app.auditors.chain import head
from workflow_app.auditors.parameters import (
    FILTER_PARAMETERS,
    PAGE_PARAMETERS,
    InvalidParameters,
    filter_params,
    parse_page_request,
)
from workflow_app.extensions import db
from workflow_app.failure import Failure
from workflow_app.web.security import api_response_headers

audit_api_bp = Blueprint("audit_api", __name__, url_prefix="/api/v1/audit")

_KNOWN_PARAMETERS = frozenset((*FILTER_PARAMETERS, *PAGE_PARAMETERS))


@audit_api_bp.before_request
def _authenticate() -> None:
    if not current_user.is_authenticated:
        if bearer_token(request) is not None:
            raise Failure(
                401,
                "invalid_token",
                "The API token is unknown or revoked, or its account is disabled.",
            )
        raise Failure(
            401, "unauthenticated", "Sign in, or send 'Authorization: Bearer <API token>'."
        )
    if not may_read_audit_log(_actor()):
        raise Failure(
            403, "forbidden", "Only internal auditors and administrators may read the audit log."
        )


audit_api_bp.after_request(api_response_headers)


def _actor() -> Actor:
    return cast(User, current_user._get_current_object()).as_actor()  # type: ignore[attr-defined]


@audit_api_bp.get("")
def list_entries() -> Response:
    """A keyset page of entries, each with its decoded body and both hashes."""
    unknown = sorted(set(request.args) - _KNOWN_PARAMETERS)
    if unknown:
        # A misspelt filter must not silently widen the answer to the whole log.
        raise Failure(
            422,
            "invalid_parameter",
            f"{unknown[0]}: unknown parameter; known are {', '.join(sorted(_KNOWN_PARAMETERS))}",
            parameters={name: "unknown parameter" for name in unknown},
        )
    repeated = sorted(name for name in request.args if len(request.args.getlist(name)) > 1)
    if repeated:
        raise Failure(
            422,
            "invalid_parameter",
            f"{repeated[0]}: given more than once",
            parameters={name: "given more than once" for name in repeated},
        )
    args = request.args.to_dict()
    try:
        page_request = parse_page_request(db.session, args)
    except InvalidParameters as invalid:
        with force_locale("en"):  # API messages are English, whatever the account's language
            messages = {name: str(message) for name, message in invalid.errors.items()}
        first = next(iter(messages))
        raise Failure(
            422, "invalid_parameter", f"{first}: {messages[first]}", parameters=messages
        ) from None
    page = page_request.load_page(db.session)
    kept = filter_params(args, (*FILTER_PARAMETERS, "limit", "order"))
    return jsonify(
        {
            "entries": [entry.as_json() for entry in page.entries],
            "order": "asc" if page.oldest_first else "desc",
            "limit": page.limit,
            "next_after_seq": page.newer_after_seq,
            "next_before_seq": page.older_before_seq,
            "links": {
                "newer": url_for("audit_api.list_entries", **kept, after_seq=page.newer_after_seq)
                if page.has_newer
                else None,
                "older": url_for("audit_api.list_entries", **kept, before_seq=page.older_before_seq)
                if page.has_older
                else None,
            },
        }
    )


@audit_api_bp.get("/head")
def get_head() -> Response:
    """The last seq and hash, when it was recorded, and the last signed checkpoint."""
    return jsonify(head(db.session).as_json())


@audit_api_bp.get("/verify")
def verify() -> Response:
    """Re-hash the whole log and check every stored checkpoint (as `flask audit verify`)."""
    if not may_verify_audit_log(_actor()):
        raise Failure(403, "forbidden", "You may not verify the audit log.")
    return jsonify(verify_log(db.session).as_dict())
