"""The administration area: one blueprint, one gate (administrators only) for all its pages.

Each change is one operation that commits with its audit entry, and the success message names
that entry's sequence number. The pages live in `units`, `users`, `plan_import` and
`notifications`.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from state_machines import may_administer
from workflow_app.audit.append import AuditActor
from workflow_app.extensions import login_manager

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


@admin_bp.before_request
def _administrators_only() -> Response | None:
    """One gate for the whole blueprint, so no page can forget it."""
    if not current_user.is_authenticated:
        response: Response = login_manager.unauthorized()
        return response
    if not may_administer(current_user.as_actor()):
        abort(403)
    return None


def acting_admin() -> AuditActor:
    return AuditActor.of(current_user)


def done(message: str, seq: int) -> None:
    flash(_("%(message)s (audit entry no. %(seq)s)", message=message, seq=seq), "success")
