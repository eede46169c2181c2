"""The auditors' pages: one blueprint, one guard (signed in, allowed to read the audit log)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort
from flask_login import current_user, login_required

from state_machines import may_read_audit_log

audit_bp = Blueprint("audit", __name__, url_prefix="/audit")

View = TypeVar("View", bound=Callable[..., Any])


def auditors_only(view: View) -> View:
    """Signed in (else to the login page) and allowed to read the audit log (else 403)."""

    @wraps(view)
    @login_required
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not may_read_audit_log(current_user.as_actor()):
            abort(403)
        return view(*args, **kwargs)

    return cast(View, guarded)
