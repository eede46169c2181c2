"""`flask workflow …`: the machine as a diagram."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from state_machines import mermaid

workflow_cli = AppGroup("workflow", help="The workflow definition.")


@workflow_cli.command("diagram")
def diagram_command() -> None:
    """Print the level workflow as a Mermaid state diagram, generated from its definition."""
    click.echo(mermaid(), nl=False)
