"""What an administrator changes: names, role grants, account status, passwords and units.

Each operation commits together with its audit entry, or not at all, and returns the entry's
sequence number so the interface can name the record it made. Operations refuse changes that
would leave nobody able to administer the system.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from state_machines import Role
from workflow_app.accounts.models import UNIT_KINDS, RoleAssignment, Unit, User
from workflow_app.accounts.operations import AccountError, create_user
from workflow_app.accounts.passwords import hash_password, password_problem
from workflow_app.accounts.unit_tree import load_unit, unit_path
from workflow_app.audit.append import AuditActor, append_entry
from workflow_app.audit.models import AuditChainHead, AuditEntry
from workflow_app.db import write_transaction
from workflow_app.models_base import utcnow

MAX_DISPLAY_NAME = 200
MAX_UNIT_NAME = 255
_WHITESPACE_RE = re.compile(r"\s+")
# Control characters would make names look alike in lists and corrupt exported text.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_RECENT_CREATIONS = 20  # recent `user.create` entries searched for a new account's own entry


@dataclass(frozen=True)
class AdminChange:
    """The row acted on (user, grant or unit id) and the audit entry recording the change."""

    id: int
    seq: int


def _clean_name(text: str, *, what: str, limit: int) -> str:
    name = _WHITESPACE_RE.sub(" ", text).strip()
    if not name:
        raise AccountError(f"the {what} must not be empty")
    if len(name) > limit:
        raise AccountError(f"the {what} must be at most {limit} characters")
    if _CONTROL_RE.search(name):
        raise AccountError(f"the {what} must not contain control characters")
    return name


def _lock_for_checks(session: Session) -> None:
    """Take the audit chain head lock now, before checking invariants that span rows.

    Every audited change takes this lock anyway (in append_entry); taking it first makes two
    concurrent changes check one after the other, so two administrators revoking each other's
    grants cannot both see the other one still there. (SQLite: BEGIN IMMEDIATE already did.)
    """
    session.execute(select(AuditChainHead.id).where(AuditChainHead.id == 1).with_for_update())


def _enabled_admin_ids(session: Session) -> set[int]:
    return set(
        session.scalars(
            select(User.id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role == Role.ADMIN.value, User.is_enabled.is_(True))
        )
    )


def _full_name(session: Session, unit_id: int) -> str:
    info = load_unit(session, unit_id)
    assert info is not None, "the unit was loaded in this transaction"
    return info.full_name


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AccountError(f"no user {user_id}")
    return user


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise AccountError(f"no unit {unit_id}")
    return unit


def create_account(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    unit_id: int,
    actor: AuditActor,
) -> AdminChange:
    """`create_user` with one grant, chosen by unit id, reporting the entry it wrote."""
    name = ""  # empty: create_user shows the username instead
    if display_name.strip():
        name = _clean_name(display_name, what="display name", limit=MAX_DISPLAY_NAME)
    unit = _unit(session, unit_id)
    user = create_user(
        session,
        username=username,
        password=password,
        grants=[(role, unit)],
        actor=actor,
        display_name=name,
    )
    return AdminChange(user.id, _creation_seq(session, user.id, actor))


def _creation_seq(session: Session, user_id: int, actor: AuditActor) -> int:
    # create_user commits without handing back its entry; the entry has no indexed user column,
    # so read the actor's latest `user.create` entries and match the subject in the body.
    query = select(AuditEntry.seq, AuditEntry.body).where(AuditEntry.action == "user.create")
    if actor.id is not None:
        query = query.where(AuditEntry.actor_id == actor.id)
    for seq, body in session.execute(
        query.order_by(AuditEntry.seq.desc()).limit(_RECENT_CREATIONS)
    ):
        if json.loads(body)["subject"].get("user_id") == user_id:
            return int(seq)
    raise LookupError(f"no user.create entry for user {user_id}")  # cannot happen: same commit


def update_display_name(
    session: Session, user_id: int, display_name: str, *, actor: AuditActor
) -> AdminChange:
    name = _clean_name(display_name, what="display name", limit=MAX_DISPLAY_NAME)
    with write_transaction(session):
        user = _user(session, user_id)
        if user.display_name == name:
            raise AccountError("the display name is unchanged")
        previous = user.display_name
        user.display_name = name
        entry = append_entry(
            session,
            actor=actor,
            action="user.update",
            subject={"user_id": user.id},
            payload={"display_name": {"from": previous, "to": name}},
        )
        return AdminChange(user.id, entry.seq)


def grant_role(
    session: Session, user_id: int, role: Role, unit_id: int, *, actor: AuditActor
) -> AdminChange:
    """Grant `role` at a unit (and so at all of its sub-units)."""
    role = Role(role)
    with write_transaction(session):
        _lock_for_checks(session)
        user = _user(session, user_id)
        unit = _unit(session, unit_id)
        duplicate = session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.user_id == user.id,
                RoleAssignment.role == role.value,
                RoleAssignment.unit_id == unit.id,
            )
        )
        if duplicate is not None:
            raise AccountError(
                f"{user.username} already holds {role.value} at {_full_name(session, unit.id)}"
            )
        assignment = RoleAssignment(user=user, role=role.value, unit=unit)
        session.add(assignment)
        session.flush()
        entry = append_entry(
            session,
            actor=actor,
            action="role.grant",
            subject={"user_id": user.id},
            payload={
                "grant_id": assignment.id,
                "role": role.value,
                "unit_id": unit.id,
                "unit": _full_name(session, unit.id),
            },
        )
        return AdminChange(assignment.id, entry.seq)


def revoke_grant(
    session: Session, user_id: int, grant_id: int, *, actor: AuditActor
) -> AdminChange:
    """Remove one grant; never the last grant of a user, nor the last administrator's."""
    with write_transaction(session):
        _lock_for_checks(session)
        assignment = session.get(RoleAssignment, grant_id)
        if assignment is None or assignment.user_id != user_id:
            raise AccountError(f"no grant {grant_id} for user {user_id}")
        user = assignment.user
        others = [a for a in user.role_assignments if a.id != assignment.id]
        if not others:
            # create_user requires a role; an account without any is one to disable instead.
            raise AccountError("a user needs at least one role: disable the account instead")
        loses_admin = assignment.role == Role.ADMIN.value and not any(
            a.role == Role.ADMIN.value for a in others
        )
        if loses_admin and user.id == actor.id:
            raise AccountError(
                "you cannot remove your own administrator role: ask another administrator"
            )
        if loses_admin and user.is_enabled and not (_enabled_admin_ids(session) - {user.id}):
            raise AccountError("this is the last administrator: grant the role to someone first")
        unit = assignment.unit
        payload = {
            "grant_id": assignment.id,
            "role": assignment.role,
            "unit_id": unit.id,
            "unit": _full_name(session, unit.id),
        }
        user.role_assignments.remove(assignment)  # delete-orphan deletes the row
        entry = append_entry(
            session,
            actor=actor,
            action="role.revoke",
            subject={"user_id": user.id},
            payload=payload,
        )
        return AdminChange(grant_id, entry.seq)


def disable_user(session: Session, user_id: int, *, actor: AuditActor) -> AdminChange:
    """Disable an account and end its sessions at once (API tokens stop with `is_enabled`)."""
    if user_id == actor.id:
        raise AccountError("you cannot disable your own account")
    with write_transaction(session):
        _lock_for_checks(session)
        user = _user(session, user_id)
        if not user.is_enabled:
            raise AccountError(f"{user.username} is already disabled")
        if _enabled_admin_ids(session) == {user.id}:
            raise AccountError("this is the last administrator: grant the role to someone first")
        user.is_enabled = False
        # The session id carries the epoch: every cookie issued before now stops loading.
        user.session_epoch += 1
        entry = append_entry(
            session,
            actor=actor,
            action="user.disable",
            subject={"user_id": user.id},
            payload={"username": user.username},
        )
        return AdminChange(user.id, entry.seq)


def enable_user(session: Session, user_id: int, *, actor: AuditActor) -> AdminChange:
    with write_transaction(session):
        user = _user(session, user_id)
        if user.is_enabled:
            raise AccountError(f"{user.username} is already enabled")
        user.is_enabled = True
        entry = append_entry(
            session,
            actor=actor,
            action="user.enable",
            subject={"user_id": user.id},
            payload={"username": user.username},
        )
        return AdminChange(user.id, entry.seq)


def reset_password(
    session: Session, user_id: int, temporary_password: str, *, actor: AuditActor
) -> AdminChange:
    """Set a temporary password chosen by an administrator and end the user's sessions."""
    if user_id == actor.id:
        # Changing one's own password needs the current one (account settings), not this.
        raise AccountError("change your own password on your account page")
    problem = password_problem(temporary_password)
    if problem:
        raise AccountError(problem)
    new_hash = hash_password(temporary_password)
    with write_transaction(session):
        user = _user(session, user_id)
        user.password_hash = new_hash
        user.password_changed_at = utcnow()
        user.session_epoch += 1
        # The password never enters the log, not even hashed: auditors need the fact only.
        entry = append_entry(
            session,
            actor=actor,
            action="user.password_reset",
            subject={"user_id": user.id},
            payload={"username": user.username},
        )
        return AdminChange(user.id, entry.seq)


def _check_unit_name(session: Session, name: str, parent_id: int | None, own_id: int | None) -> str:
    name = _clean_name(name, what="unit name", limit=MAX_UNIT_NAME)
    if "/" in name:
        # " / " separates the levels of a unit path (CLI `--unit`, the full names shown).
        raise AccountError("a unit name must not contain '/'")
    # `== None` compiles to IS NULL: the unique constraint does not cover top-level units.
    query = select(func.count(Unit.id)).where(Unit.parent_id == parent_id, Unit.name == name)
    if own_id is not None:
        query = query.where(Unit.id != own_id)
    if session.scalar(query):
        raise AccountError(f"a unit named {name!r} already exists there")
    return name


def create_unit(
    session: Session, name: str, parent_id: int | None, *, actor: AuditActor
) -> AdminChange:
    """A new unit under `parent_id` (None: a new department). Its kind follows its depth."""
    try:
        with write_transaction(session):
            _lock_for_checks(session)
            parent = _unit(session, parent_id) if parent_id is not None else None
            clean = _check_unit_name(session, name, parent_id, None)
            depth = len(unit_path(session, parent.id)) if parent is not None else 0
            unit = Unit(name=clean, kind=UNIT_KINDS[min(depth, 2)], parent=parent)
            session.add(unit)
            session.flush()
            entry = append_entry(
                session,
                actor=actor,
                action="unit.create",
                subject={"unit_id": unit.id},
                payload={
                    "name": clean,
                    "parent_id": parent_id,
                    "path": _full_name(session, unit.id),
                },
            )
            return AdminChange(unit.id, entry.seq)
    except IntegrityError:
        raise AccountError("a unit with that name already exists there") from None


def rename_unit(session: Session, unit_id: int, name: str, *, actor: AuditActor) -> AdminChange:
    try:
        with write_transaction(session):
            _lock_for_checks(session)
            unit = _unit(session, unit_id)
            clean = _check_unit_name(session, name, unit.parent_id, unit.id)
            if clean == unit.name:
                raise AccountError("the unit name is unchanged")
            previous = _full_name(session, unit.id)
            unit.name = clean
            session.flush()
            entry = append_entry(
                session,
                actor=actor,
                action="unit.rename",
                subject={"unit_id": unit.id},
                payload={"from": previous, "to": _full_name(session, unit.id)},
            )
            return AdminChange(unit.id, entry.seq)
    except IntegrityError:
        raise AccountError("a unit with that name already exists there") from None
