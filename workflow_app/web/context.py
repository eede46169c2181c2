"""Template helpers: the navigation a user may see, and labels for states and roles."""

from __future__ import annotations

from flask import Flask, current_app, g, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from state_machines import may_administer, may_read_audit_log
from workflow_app.workflow.labels import state_label

ROLE_LABELS = {
    "officer": _l("Officer"),
    "reviewer": _l("Reviewer"),
    "division_head": _l("Division head"),
    "auditor": _l("Internal auditor"),
    "admin": _l("Administrator"),
}
_THAI_DIGITS = "wf_thai_digits"  # the per-request answer of `thai_digits_on`, on `g`


def nav_links() -> list[tuple[str, str]]:
    """Menu entries for the signed-in user, only for pages that exist and they may open."""
    if not current_user.is_authenticated:
        return []
    actor = current_user.as_actor()
    links = [
        ("dashboard.index", _l("Dashboard")),
        ("workflow.inbox", _l("My work")),
        ("plans.plan_list", _l("Plans")),
    ]
    if may_read_audit_log(actor):
        links.append(("audit.explorer", _l("Audit log")))
    if may_administer(actor):
        links.append(("admin.users", _l("Administration")))
    return [
        (endpoint, str(label))
        for endpoint, label in links
        if endpoint in current_app.view_functions
    ]


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def thai_digits_on() -> bool:
    """Whether numbers show in Thai digits, read from the session once per request: the number
    filters ask hundreds of times a page, and each trip through the session proxy costs more
    than the formatting. (The only writer, the language switch, redirects before any page.)"""
    namespace = g._get_current_object()
    flag = getattr(namespace, _THAI_DIGITS, None)
    if flag is None:
        flag = bool(session.get("thai_digits", False))
        setattr(namespace, _THAI_DIGITS, flag)
    return flag


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        nav_links=nav_links,
        state_label=state_label,
        role_label=role_label,
        thai_digits_on=thai_digits_on,
    )
