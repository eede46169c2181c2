"""One structured log line per request (and per workflow transition, from the engine).

Lines are JSON so that a ministry's log collector can index them: request id, user, method,
path, status and duration. The request id comes from `X-Request-ID` when a proxy sets one.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask_login import current_user

logger = logging.getLogger("workflow_app.requests")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id() -> str | None:
    return getattr(g, "request_id", None) if has_request_context() else None


def log_event(event: str, **fields: Any) -> None:
    """Emit one JSON line; `request_id` is added when inside a request."""
    record = {"event": event, "request_id": request_id(), **fields}
    logger.info(json.dumps(record, ensure_ascii=False, default=str, separators=(",", ":")))


def register(app: Flask) -> None:
    if not logger.handlers and not logging.getLogger().handlers:
        # Nobody configured logging (flask run, gunicorn): print our lines as they are. Where
        # the root logger has handlers (a deployment's config, pytest), records go there.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    @app.before_request
    def start_timer() -> None:
        supplied = request.headers.get("X-Request-ID", "")
        g.request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        started = getattr(g, "request_started", None)
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        user = current_user.get_id() if current_user and current_user.is_authenticated else None
        log_event(
            "request",
            method=request.method,
            path=request.path,
            status=response.status_code,
            duration_ms=duration_ms,
            user=user.split(":")[0] if user else None,
        )
        response.headers.setdefault("X-Request-ID", g.get("request_id", ""))
        return response
