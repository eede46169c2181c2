"""`flask user …`: create and list accounts."""

from __future__ import annotations

import re
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from state_machines import Role
from workflow_app.accounts.models import (
    ApiToken,
    Unit,
    User,
)
from workflow_app.accounts.operations import AccountError, create_user
from workflow_app.accounts.tokens import create_token, revoke_token, token_sha256
from workflow_app.accounts.unit_tree import SEPARATOR, load_units
from workflow_app.cli_support import cli_actor
from workflow_app.extensions import db

# One address, no spaces or line breaks (it ends up in a mail header), at most 254 characters.
EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}")

user_cli = AppGroup("user", help="Manage user accounts.")


def resolve_unit(name: str) -> Unit:
    """A unit by its name, or by its full path ("กรมอาเซียน / สำนักงานเลขานุการกรม")."""
    parts = [part.strip() for part in name.split("/") if part.strip()]
    units = load_units(db.session)
    matches = [
        unit
        for unit in units.values()
        if parts and unit.full_name.split(SEPARATOR)[-len(parts) :] == parts
    ]
    if not matches:
        raise click.BadParameter(
            f"no unit named {name!r} (see `flask unit list`)", param_hint="--unit"
        )
    if len(matches) > 1:
        names = "; ".join(unit.full_name for unit in sorted(matches, key=lambda u: u.id))
        raise click.BadParameter(
            f"{name!r} is ambiguous, give the full path: {names}", param_hint="--unit"
        )
    found = db.session.get(Unit, matches[0].id)
    assert found is not None
    return found


@user_cli.command("create")
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="A role to grant (repeatable).",
)
@click.option("--unit", "unit_name", required=True, help="The unit the roles are scoped to.")
@click.option("--display-name", default="", help="Name shown in the interface.")
@click.option("--email", default=None, help="Address for notifications and the daily digest.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
def create_command(
    username: str,
    roles: tuple[str, ...],
    unit_name: str,
    display_name: str,
    email: str | None,
    password_stdin: bool,
) -> None:
    """Create USERNAME with roles scoped to a unit (and its sub-units)."""
    if email is not None and not EMAIL_PATTERN.fullmatch(email):
        raise click.BadParameter(f"{email!r} is not an e-mail address", param_hint="--email")
    unit = resolve_unit(unit_name)
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(
            db.session,
            username=username,
            password=password,
            grants=[(Role(role), unit) for role in roles],
            display_name=display_name,
            actor=cli_actor(),
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    if email:
        user.email = email
        db.session.commit()
    full_name = load_units(db.session)[unit.id].full_name
    click.echo(f"user {user.id}: {username} ({', '.join(roles)} at {full_name})")


@user_cli.command("list")
def list_command() -> None:
    """List accounts with their roles and units."""
    users = db.session.scalars(
        select(User).options(selectinload(User.role_assignments)).order_by(User.username)
    ).all()
    units = load_units(db.session)
    for user in users:
        grants = ", ".join(f"{a.role}@{units[a.unit_id].full_name}" for a in user.role_assignments)
        status = "" if user.is_enabled else " [disabled]"
        click.echo(f"{user.id}\t{user.username}{status}\t{grants}")


@user_cli.command("token")
@click.argument("username")
@click.option("--label", default="", help="What the token is for (shown in the audit log).")
def token_command(username: str, label: str) -> None:
    """Create an API token for USERNAME and print it (once: only its hash is kept)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    try:
        token = create_token(db.session, user, actor=cli_actor(), label=label)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    digest = token_sha256(token)
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.token_sha256 == digest))
    # The token alone on stdout, so `TOKEN=$(flask … user token NAME)` captures just it.
    click.echo(token)
    click.echo(
        f"API token {token_id} for {username} created. Store it now: it cannot be shown again "
        "(only its SHA-256 is kept).",
        err=True,
    )


@user_cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token_command(token_id: int) -> None:
    """Revoke the API token TOKEN_ID (printed when it was created; also in the audit log)."""
    try:
        row = revoke_token(db.session, token_id, actor=cli_actor())
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"API token {row.id} revoked")


unit_cli = AppGroup("unit", help="Organisation units.")


@unit_cli.command("list")
def list_units() -> None:
    """List units as a tree path each."""
    units = load_units(db.session)
    for unit in db.session.scalars(select(Unit).order_by(Unit.id)):
        click.echo(f"{unit.id}\t{unit.kind}\t{units[unit.id].full_name}")
