"""The dashboard page: one plan's progress, due and overdue work, and budget, for what the
user may view (`/dashboard?plan=ID`, default the latest plan they can see)."""

from __future__ import annotations

from functools import lru_cache
from itertools import groupby

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from jinja2 import Environment
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from workflow_app.clock import today
from workflow_app.dashboard import charts
from workflow_app.dashboard.queries import (
    Dashboard,
    PlanChoice,
    load_dashboard,
    plan_choice,
    scope_for,
    visible_plans,
)
from workflow_app.extensions import db
from workflow_app.formatting import format_code
from workflow_app.thai_text import to_thai_digits
from workflow_app.web.context import thai_digits_on
from workflow_app.workflow.labels import state_label

dashboard_bp = Blueprint("dashboard", __name__)

DEADLINE_LABELS = {
    "overdue": _l("Overdue"),
    "due_soon": _l("Due soon"),
    "on_track": _l("On track"),
    "not_started": _l("Not started yet"),
    "met": _l("Target met"),
}
DEADLINE_BADGES = {
    "overdue": "text-bg-danger",
    "due_soon": "text-bg-warning",
    "on_track": "bg-primary-subtle text-primary-emphasis",
    "not_started": "bg-secondary-subtle text-secondary-emphasis",
    "met": "text-bg-success",
}
# Bar colours close to the state badges of app.css, dark enough to read as bars.
STATE_FILLS = {
    "open": "#5b7a99",
    "submitted": "#d4a017",
    "forwarded": "#b07d00",
    "returned": "#c0392b",
    "completed": "#1e7b45",
}


def _digits(value: object) -> str:
    text = str(value)
    return to_thai_digits(text) if thai_digits_on() else text


def _requested_plan_id() -> int | None:
    raw = request.args.get("plan", "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit():
        abort(404)
    return int(raw)


def _plan_groups(choices: list[PlanChoice]) -> list[tuple[int, list[PlanChoice]]]:
    """Choices grouped by fiscal year for the switcher's <optgroup>s, latest year first."""
    ordered = sorted(choices, key=lambda c: (-c.fiscal_year, -c.id))
    return [(year, list(group)) for year, group in groupby(ordered, key=lambda c: c.fiscal_year)]


def _plan_switcher(choices: list[PlanChoice], plan: PlanChoice | None) -> Markup:
    """The switcher's <optgroup>s and <option>s, the selected plan marked."""
    return _switcher_options(
        tuple(choices),
        None if plan is None else plan.id,
        _("Fiscal year"),
        thai_digits_on(),
        current_app.jinja_env,
    )


@lru_cache(maxsize=64)
def _switcher_options(
    choices: tuple[PlanChoice, ...],
    selected_id: int | None,
    fiscal_year: str,
    thai_digits: bool,
    environment: Environment,
) -> Markup:
    """Built here rather than by a template loop, and remembered: a department sees every plan
    it ever imported (two hundred in the benchmark), each page shows the same list, and
    building it made a sixth of the page's time. A pure function of its arguments, so a plan
    imported or renamed is a new key, never a stale entry."""
    label = escape(fiscal_year)
    parts = []
    for year, group in _plan_groups(list(choices)):
        year_text = escape(to_thai_digits(str(year)) if thai_digits else str(year))
        parts.append(f'\n        <optgroup label="{label} {year_text}">')
        for choice in group:
            selected = " selected" if choice.id == selected_id else ""
            title = escape(do_truncate(environment, choice.title, 70))
            parts.append(
                f'\n          <option value="{choice.id}"{selected}>'
                f"{year_text} · {escape(choice.agency)} · {title}</option>"
            )
        parts.append("\n        </optgroup>")
    return Markup("".join(parts))


def _charts(dashboard: Dashboard) -> dict[str, Markup]:
    thai = thai_digits_on()
    progress_rows = [
        charts.ProgressRow(
            label=f"{format_code(row.activity.code, thai_digits=thai)} {row.activity.title}",
            certified=row.activity.certified_level,
            target=row.activity.target_level,
            levels=row.activity.level_count,
            value_text=_digits(f"{row.activity.certified_level} / {row.activity.target_level}"),
        )
        for row in dashboard.rows
    ]
    states = dashboard.states
    state_rows = [
        charts.BarRow(
            label=state_label(state),
            value=count,
            value_text=_digits(count),
            fill=STATE_FILLS.get(state, charts.PROGRESS_FILL),
        )
        for state, count in states.counts.items()
    ]
    return {
        "progress": charts.progress_chart(
            progress_rows,
            chart_id="chart-progress",
            title=_("Certified level against target, by activity"),
            description=_(
                "%(met)s of %(total)s activities have met their target.",
                met=_digits(states.met),
                total=_digits(states.total),
            ),
            certified_label=_("Certified levels"),
            target_label=_("Target level"),
            number=_digits,
        ),
        "states": charts.bar_chart(
            state_rows,
            chart_id="chart-states",
            title=_("Activities by workflow state"),
            description=", ".join(f"{row.label}: {row.value_text}" for row in state_rows),
        ),
    }


@dashboard_bp.route("/dashboard")
@login_required
def index() -> str:
    scope = scope_for(db.session, current_user.as_actor())
    choices = visible_plans(db.session, scope)
    plan_id = _requested_plan_id()
    if plan_id is None:
        plan_id = choices[0].id if choices else None
    plan = next((choice for choice in choices if choice.id == plan_id), None)
    if plan is None and plan_id is not None:
        plan = plan_choice(db.session, plan_id) or abort(404)
        # A plan asked for by id in which the user sees nothing: keep the switcher truthful.
        choices.append(plan)
    if plan is None:
        # Nothing to show: no plan holds an activity this user may view.
        return render_template("dashboard/index.html", plan=None, plan_switcher=None, today=today())
    dashboard = load_dashboard(db.session, plan, scope, today())
    return render_template(
        "dashboard/index.html",
        plan=plan,
        plan_switcher=_plan_switcher(choices, plan),
        today=dashboard.today,
        dashboard=dashboard,
        charts=_charts(dashboard) if dashboard.rows else {},
        deadline_labels=DEADLINE_LABELS,
        deadline_badges=DEADLINE_BADGES,
    )
