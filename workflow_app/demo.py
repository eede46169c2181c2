"""`flask demo`: the sample plan plus one demo account per role, for a first look."""

from __future__ import annotations

import json
import os
import secrets
from importlib import resources
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from state_machines import Role
from workflow_app.accounts.models import Unit, User
from workflow_app.accounts.operations import create_user
from workflow_app.cli_support import cli_actor
from workflow_app.extensions import db
from workflow_app.plans.importer import parse_plan_bytes
from workflow_app.plans.loader import load_plan

SAMPLE_PLAN = "asean_fy2568.txt"

# username → (role, display name). All are scoped to the department, so every activity is
# reachable; separation of duties still keeps each person to their part.
DEMO_ACCOUNTS: dict[str, tuple[Role, str]] = {
    "officer": (Role.OFFICER, "เจ้าหน้าที่ผู้รับผิดชอบ (ทดลอง)"),
    "reviewer": (Role.REVIEWER, "ผู้ตรวจสอบ (ทดลอง)"),
    "head": (Role.DIVISION_HEAD, "ผู้อำนวยการกอง (ทดลอง)"),
    "auditor": (Role.AUDITOR, "ผู้ตรวจสอบภายใน (ทดลอง)"),
    "admin": (Role.ADMIN, "ผู้ดูแลระบบ (ทดลอง)"),
}


def sample_plan_bytes() -> bytes:
    return resources.files("workflow_app.sample_data").joinpath(SAMPLE_PLAN).read_bytes()


def _logins_file() -> Path:
    return Path(current_app.instance_path) / "demo_logins.json"


def _demo_passwords() -> dict[str, str]:
    """Random per installation, kept in instance/ (mode 0600) so `make run` can print them again:
    no password is ever written in the repository."""
    path = _logins_file()
    if path.exists():
        return json.loads(path.read_text())
    passwords = {name: secrets.token_urlsafe(9) for name in DEMO_ACCOUNTS}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(passwords, handle)
    return passwords


def load_demo() -> list[str]:
    """Import the sample plan and create the demo accounts, each only if missing."""
    messages: list[str] = []
    data = sample_plan_bytes()
    result = load_plan(
        db.session,
        parse_plan_bytes(data),
        source_text=data.decode("utf-8"),
        source_name=SAMPLE_PLAN,
        actor=cli_actor(),
    )
    state = "imported as" if result.created else "already present,"
    messages.append(f"sample plan: {state} plan {result.plan_id}")
    department = db.session.scalar(
        select(Unit).where(Unit.name == "กรมอาเซียน", Unit.parent_id.is_(None))
    )
    assert department is not None, "the sample plan creates its department"
    passwords = _demo_passwords()
    for username, (role, display_name) in DEMO_ACCOUNTS.items():
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            create_user(
                db.session,
                username=username,
                password=passwords[username],
                grants=[(role, department)],
                display_name=display_name,
                actor=cli_actor(),
            )
    return messages


def demo_logins() -> list[tuple[str, str, str]]:
    passwords = _demo_passwords()
    return [(name, role.value, passwords[name]) for name, (role, _) in DEMO_ACCOUNTS.items()]


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the sample plan and one demo account per role (idempotent); print the logins."""
    for message in load_demo():
        click.echo(message)
    click.echo("demo logins (username / role / password):")
    for username, role, password in demo_logins():
        click.echo(f"  {username:<9} {role:<14} {password}")
