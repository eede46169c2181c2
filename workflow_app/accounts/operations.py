"""Account changes. Each one commits together with its audit entry."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from state_machines import Role
from workflow_app.accounts.models import RoleAssignment, Unit, User
from workflow_app.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from workflow_app.audit.append import AuditActor, append_entry
from workflow_app.db import write_transaction
from workflow_app.models_base import utcnow

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]{3,80}$")


class AccountError(ValueError):
    """A request about an account that cannot be carried out, with the reason."""


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    grants: Iterable[tuple[Role, Unit]],
    actor: AuditActor,
    display_name: str = "",
) -> User:
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            "username must be 3–80 characters of letters, digits, dot, dash or underscore"
        )
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    grants = list(grants)
    if not grants:
        raise AccountError("a user needs at least one role")
    with write_transaction(session):
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise AccountError(f"user {username!r} already exists")
        user = User(
            username=username,
            display_name=display_name or username,
            password_hash=hash_password(password),
            role_assignments=[RoleAssignment(role=role.value, unit=unit) for role, unit in grants],
        )
        session.add(user)
        session.flush()
        append_entry(
            session,
            actor=actor,
            action="user.create",
            subject={"user_id": user.id},
            payload={
                "username": username,
                "grants": sorted(f"{role.value}@{unit.id}" for role, unit in grants),
            },
        )
    return user


def authenticate(
    session: Session, username: str, password: str, *, remote_addr: str
) -> User | None:
    """Check a login and record it (success or failure) in the audit log."""
    user = session.scalar(select(User).where(User.username == username))
    valid = verify_password(user.password_hash if user else None, password)
    with write_transaction(session):
        if valid and user is not None and user.is_enabled:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            append_entry(
                session,
                actor=AuditActor.of(user),
                action="auth.login",
                subject={"user_id": user.id},
                payload={"remote_addr": remote_addr},
            )
            return user
        reason = "disabled" if valid and user is not None else "bad_credentials"
        append_entry(
            session,
            actor=AuditActor(id=None, username="anonymous"),
            action="auth.login_failed",
            subject={},
            # The attempted name is kept (truncated) so repeated guessing is visible to auditors.
            payload={"username": username[:80], "reason": reason, "remote_addr": remote_addr},
        )
    return None


def change_password(
    session: Session, user: User, *, current: str, new: str, actor: AuditActor
) -> None:
    """Replace the password after checking the current one; ends every other session."""
    if not verify_password(user.password_hash, current):
        raise AccountError("the current password is wrong")
    problem = password_problem(new)
    if problem:
        raise AccountError(problem)
    new_hash = hash_password(new)
    with write_transaction(session):
        session.add(user)
        user.password_hash = new_hash
        user.password_changed_at = utcnow()
        user.session_epoch += 1
        append_entry(
            session, actor=actor, action="user.password_change", subject={"user_id": user.id}
        )


def set_locale(session: Session, user: User, locale: str) -> None:
    if user.locale == locale:
        return
    with write_transaction(session):
        session.add(user)
        previous = user.locale
        user.locale = locale
        append_entry(
            session,
            actor=AuditActor.of(user),
            action="user.settings",
            subject={"user_id": user.id},
            payload={"locale": {"from": previous, "to": locale}},
        )
