"""Report pages: the formats and periods available for a plan, and the downloads.

Who may download what is decided in `state_machines.access` (`may_report_on`): auditors
and administrators get the whole plan, division heads the activities their grant covers, anyone
else a 403. The same answer governs the page listing the downloads.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import cast

from flask import Blueprint, Response, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from state_machines import Actor, Role, may_report_on, sees_whole_plan_in_reports
from workflow_app.accounts.models import User
from workflow_app.accounts.unit_tree import load_units
from workflow_app.clock import today
from workflow_app.extensions import db, limiter
from workflow_app.plans import fiscal
from workflow_app.plans.models import Activity, Plan
from workflow_app.reports.formats import FORMATS
from workflow_app.reports.model import QUARTERS, build_report, report_filename

reports_bp = Blueprint("reports", __name__)


Include = Callable[[Activity], bool]


@dataclass(frozen=True)
class Period:
    quarter: int | None
    first_day: date | None
    last_day: date | None
    in_progress: bool


@dataclass(frozen=True)
class Reader:
    """What the signed-in user may have in a report on one plan."""

    include: Include | None  # None: every activity
    scope: str | None  # the report's statement of whose part of the plan it covers
    units: tuple[str, ...]  # for the page: the units a division head's report covers


def _actor() -> tuple[User, Actor]:
    user = cast(User, current_user._get_current_object())  # type: ignore[attr-defined]
    return user, user.as_actor()


def _plan(plan_id: int) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        abort(404)
    return plan


def _reader(plan: Plan) -> Reader:
    """The caller's part of `plan`, or 403 when they may have no report on it."""
    user, actor = _actor()
    if sees_whole_plan_in_reports(actor):
        return Reader(include=None, scope=None, units=())
    # The unit tree in one query; who may report on what is state_machines' answer alone.
    units = load_units(db.session)
    unit_ids = set(db.session.scalars(select(Activity.unit_id).where(Activity.plan_id == plan.id)))
    allowed = {uid for uid in unit_ids if may_report_on(actor, units[uid].path)}
    if not allowed:
        abort(403)
    if allowed == unit_ids:  # a head of the whole department: the report is the whole plan
        return Reader(include=None, scope=None, units=())
    covered = sorted(
        units[a.unit_id].full_name
        for a in user.role_assignments
        if a.role == Role.DIVISION_HEAD.value and a.unit_id in units
    )

    def include(activity: Activity) -> bool:
        return may_report_on(actor, units[activity.unit_id].path)

    scope = "เฉพาะกิจกรรมของ " + ", ".join(covered)
    return Reader(include=include, scope=scope, units=tuple(covered))


def _periods(plan: Plan) -> list[Period]:
    """The moment of download, then each quarter that has begun, most recent first."""
    day = today()
    periods = [Period(None, None, None, False)]
    for quarter in reversed(QUARTERS):
        first, last = fiscal.quarter_bounds(plan.fiscal_year, quarter)
        if first <= day:
            periods.append(Period(quarter, first, last, day <= last))
    return periods


def _quarter_argument() -> int | None:
    raw = request.args.get("quarter", "").strip()
    if raw in ("", "now"):
        return None
    if not raw.isdigit() or int(raw) not in QUARTERS:
        abort(400, description=_("The quarter must be 1, 2, 3 or 4."))
    return int(raw)


@reports_bp.route("/plans/<id:plan_id>/reports")
@login_required
def report_index(plan_id: int) -> str:
    plan = _plan(plan_id)
    reader = _reader(plan)
    return render_template(
        "reports/index.html",
        plan=plan,
        reader=reader,
        periods=_periods(plan),
        formats=list(FORMATS),
    )


def _user_key() -> str:
    return f"reports:{current_user.get_id()}"


@reports_bp.route("/plans/<id:plan_id>/reports/<string:fmt>")
@login_required
# A PDF takes a few seconds of CPU: a generous per-account limit keeps one reader (or a stuck
# script) from occupying the workers.
@limiter.limit("20 per minute", key_func=_user_key)
def report_download(plan_id: int, fmt: str) -> Response:
    renderer = FORMATS.get(fmt)
    if renderer is None:
        abort(404)
    plan = _plan(plan_id)
    reader = _reader(plan)
    quarter = _quarter_argument()
    report = build_report(
        db.session, plan.id, quarter=quarter, include=reader.include, scope=reader.scope
    )
    if report is None:
        abort(404)
    response = send_file(
        io.BytesIO(renderer.render(report)),
        mimetype=renderer.media_type,
        as_attachment=True,
        download_name=report_filename(report, fmt),
        max_age=0,
    )
    # The report carries people's names and work: keep it out of shared caches.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Report-Audit-Seq"] = str(report.audit_head.seq)
    return response
