"""`flask report PLAN_ID --format xlsx|pdf|csv [--quarter N] --out FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from workflow_app.extensions import db
from workflow_app.formatting import BANGKOK
from workflow_app.reports.formats import FORMATS
from workflow_app.reports.model import REPORT_FORMATS, build_report


@click.command("report")
@click.argument("plan_id", type=int)
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), required=True)
@click.option(
    "--quarter",
    type=click.IntRange(1, 4),
    help="As at the end of this quarter of the plan's fiscal year (default: now).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def report_command(plan_id: int, fmt: str, quarter: int | None, out: Path) -> None:
    """Write the progress report on plan PLAN_ID to OUT.

    The command line serves the operator on the server, who can read the whole database anyway:
    the report covers every activity of the plan."""
    report = build_report(db.session, plan_id, quarter=quarter)
    if report is None:
        raise click.ClickException(f"no plan with id {plan_id}")
    out.write_bytes(FORMATS[fmt].render(report))
    as_at = report.as_at.astimezone(BANGKOK).isoformat(timespec="minutes")
    click.echo(
        f"{out}: {fmt} report on plan {plan_id}, {report.activity_count} activities, "
        f"as at {as_at}, audit head {report.audit_head.seq} {report.audit_head.entry_hash}"
    )
