"""Plan pages: the list of plans, a plan laid out like the document, an activity."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from workflow_app.extensions import db
from workflow_app.plans.models import Activity, Plan
from workflow_app.plans.serialize import load_plan_tree

plans_bp = Blueprint("plans", __name__)


@plans_bp.route("/")
@login_required
def index() -> Response:
    latest = db.session.scalar(select(Plan.id).order_by(Plan.fiscal_year.desc(), Plan.id.desc()))
    if latest is None:
        return redirect(url_for("plans.plan_list"))
    return redirect(url_for("plans.plan_view", plan_id=latest))


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


@plans_bp.route("/plans/<int:plan_id>")
@login_required
def plan_view(plan_id: int) -> str:
    plan = load_plan_tree(db.session, plan_id) or abort(404)
    return render_template("plans/plan.html", plan=plan)


@plans_bp.route("/activities/<int(max=2147483647):activity_id>")
@login_required
def activity_view(activity_id: int) -> tuple[str, int]:
    """The activity page; it belongs to the workflow (its permissions, actions and trail), which
    renders it. The endpoint stays here so that links to `plans.activity_view` keep working."""
    from workflow_app.workflow.views import activity_page

    activity = db.session.scalar(
        select(Activity)
        .where(Activity.id == activity_id)
        .options(selectinload(Activity.levels), selectinload(Activity.unit))
    ) or abort(404)
    return activity_page(activity)
