"""Error responses: a page in the site's look (Thai or English), or a JSON body under /api/.

`Failure` (workflow_app.failure) is the application's own error: its code and message go into
the JSON body as they are; a page shows the translated words for its status."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from workflow_app.failure import Failure

ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}

# What a person reads on an error page; the API keeps the exception's own description.
PAGE_TEXT = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Not allowed"), _l("Your account may not open this page or take this action.")),
    404: (_l("Not found"), _l("There is nothing at this address.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (
        _l("Someone else changed this first"),
        _l("The activity changed while you were looking at it. Reload the page and try again."),
    ),
    413: (_l("File too large"), _l("The upload is larger than the limit.")),
    422: (_l("Cannot accept this"), _l("Some of what was sent is not valid.")),
    429: (_l("Too many attempts"), _l("Please wait a minute before trying again.")),
    500: (_l("Something went wrong"), _l("Something went wrong on our side. Nothing was saved.")),
}
CSRF_TEXT = (
    _l("The form expired"),
    _l("The page was open too long or came from elsewhere. Go back, reload and send it again."),
)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    @app.errorhandler(Failure)
    def failure(error: Failure):  # type: ignore[no-untyped-def]
        if _wants_json():
            return jsonify(error.as_json()), error.status
        title, message = PAGE_TEXT.get(error.status, PAGE_TEXT[400])
        page = render_template("errors/error.html", code=error.status, title=title, message=message)
        return page, error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        code = error.code or 500
        # Keep the error's own headers (Allow on 405, Retry-After on 429).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            body = {"error": ERROR_CODES.get(code, "error"), "message": error.description}
            return jsonify(body), code, headers
        title, message = (
            CSRF_TEXT if isinstance(error, CSRFError) else PAGE_TEXT.get(code, PAGE_TEXT[400])
        )
        page = render_template("errors/error.html", code=code, title=title, message=message)
        return page, code, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return http_error(
            InternalServerError("Something went wrong on our side. Nothing was saved.")
        )
