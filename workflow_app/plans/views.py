"""Plan pages: the list of plans, a plan laid out like the document, an activity."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from state_machines import may_report_on, may_view_activity, sees_whole_plan_in_reports
from workflow_app.accounts.unit_tree import load_units
from workflow_app.extensions import db
from workflow_app.plans.models import Activity, Plan
from workflow_app.plans.serialize import load_plan_tree
from workflow_app.workflow.routes import show_activity

plans_bp = Blueprint("plans", __name__)


@plans_bp.route("/")
@login_required
def index() -> Response:
    if db.session.scalar(select(Plan.id).limit(1)) is None:
        return redirect(url_for("plans.plan_list"))
    return redirect(url_for("dashboard.index"))


@plans_bp.route("/plans")
@login_required
def plan_list() -> str:
    rows = db.session.execute(
        select(Plan, func.count(Activity.id), func.sum(Activity.budget_satang))
        .outerjoin(Activity, Activity.plan_id == Plan.id)
        .group_by(Plan.id)
        .order_by(Plan.fiscal_year.desc(), Plan.id)
    ).all()
    return render_template("plans/list.html", rows=rows)


@plans_bp.route("/plans/<id:plan_id>")
@login_required
def plan_view(plan_id: int) -> str:
    """The plan laid out like the document. Its structure is public; the activities (with their
    workflow state) are listed only where the user may view them."""
    plan = load_plan_tree(db.session, plan_id) or abort(404)
    actor = current_user.as_actor()
    units = load_units(db.session)
    visible_units = {uid for uid, info in units.items() if may_view_activity(actor, info.path)}
    may_download_report = sees_whole_plan_in_reports(actor) or any(
        may_report_on(actor, info.path) for info in units.values()
    )
    return render_template(
        "plans/plan.html",
        plan=plan,
        visible_units=visible_units,
        may_download_report=may_download_report,
    )


@plans_bp.route("/activities/<id:activity_id>")
@login_required
def activity_view(activity_id: int) -> tuple[str, int]:
    """The activity page; it belongs to the workflow (its permissions, actions and trail), which
    renders it. The endpoint stays here so that links to `plans.activity_view` keep working."""
    return show_activity(activity_id)
