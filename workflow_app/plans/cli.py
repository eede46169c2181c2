"""`flask plan …`: import, list and show plans."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from workflow_app.cli_support import cli_actor
from workflow_app.extensions import db
from workflow_app.plans.document import PlanFormatError
from workflow_app.plans.importer import parse_plan_bytes
from workflow_app.plans.loader import find_plan_by_sha, load_plan
from workflow_app.plans.models import Activity, Plan
from workflow_app.plans.serialize import load_plan_tree, plan_dict

plan_cli = AppGroup("plan", help="Import and inspect action plans.")


def _summary(counts: dict[str, int], budget_satang: int) -> str:
    baht = f"{budget_satang / 100:,.2f}"
    return (
        f"{counts['strategies']} strategies, {counts['tactics']} tactics, "
        f"{counts['activities']} activities, {counts['levels']} levels, budget {baht} baht"
    )


@plan_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and summarise without writing.")
def import_command(path: Path, dry_run: bool) -> None:
    """Import the plan document at PATH (tab-separated text of the official table)."""
    data = path.read_bytes()
    try:
        document = parse_plan_bytes(data)
    except PlanFormatError as error:
        click.echo(f"{path}: cannot import, nothing was written:", err=True)
        for problem in error.errors:
            click.echo(f"  line {problem.line}: {problem.message}", err=True)
        raise SystemExit(1) from None
    for warning in document.warnings:
        click.echo(f"{path}: warning: line {warning.line}: {warning.message}", err=True)
    summary = _summary(document.counts(), document.total_budget_satang)
    header = f"{document.agency}, fiscal year {document.fiscal_year}"
    if dry_run:
        existing = find_plan_by_sha(db.session, document.source_sha256)
        note = f" (already imported as plan {existing.id})" if existing else ""
        click.echo(f"dry run: {header}: {summary}{note}; nothing written")
        return
    result = load_plan(
        db.session,
        document,
        source_text=data.decode("utf-8-sig"),
        source_name=path.name,
        actor=cli_actor(),
    )
    if not result.created:
        click.echo(f"plan {result.plan_id}: already imported (same document), nothing new created")
        return
    click.echo(f"plan {result.plan_id}: imported {header}: {summary}")
    for unit in result.units_created:
        click.echo(f"  new unit: {unit}")


@plan_cli.command("list")
def list_command() -> None:
    """List the plans with their activity counts."""
    rows = db.session.execute(
        select(Plan.id, Plan.fiscal_year, Plan.agency, func.count(Activity.id))
        .outerjoin(Activity, Activity.plan_id == Plan.id)
        .group_by(Plan.id)
        .order_by(Plan.fiscal_year.desc(), Plan.id)
    ).all()
    if not rows:
        click.echo("no plans yet: import one with `flask --app workflow_app plan import PATH`")
        return
    for plan_id, year, agency, activities in rows:
        click.echo(f"{plan_id}\tFY {year}\t{agency}\t{activities} activities")


@plan_cli.command("show")
@click.argument("plan_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the whole plan as JSON.")
def show_command(plan_id: int, as_json: bool) -> None:
    """Show one plan."""
    plan = load_plan_tree(db.session, plan_id)
    if plan is None:
        click.echo(f"no plan with id {plan_id}", err=True)
        raise SystemExit(1)
    if as_json:
        click.echo(json.dumps(plan_dict(plan), ensure_ascii=False, indent=2))
        return
    click.echo(f"{plan.title}\n{plan.agency} {plan.ministry} — FY {plan.fiscal_year}")
    for strategy in plan.strategies:
        click.echo(f"Strategy {strategy.number}: {strategy.title}")
        for tactic in strategy.tactics:
            click.echo(f"  Tactic {tactic.number}: {tactic.title}")
            for activity in tactic.activities:
                click.echo(
                    f"    {activity.code} {activity.title} "
                    f"[{activity.state}, level {activity.certified_level}/{activity.level_count},"
                    f" target {activity.target_level}]"
                )
