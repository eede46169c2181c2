"""`Failure`: a request that cannot be carried out, and why. The one error type carried to HTTP.

Operations and API views raise it with the HTTP status, a stable code (safe to test and to
translate by) and an English message; nothing has been written when it is raised. The error
handlers (`web.errors`) answer it as `{"error": code, "message": …}` under /api/ and as an error
page elsewhere; a page that can show the message beside its form catches it first.
"""

from __future__ import annotations

from typing import Any


class Failure(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra  # more JSON members, e.g. each bad parameter by name

    def as_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}
