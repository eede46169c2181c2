"""Read access and administration rules."""

from __future__ import annotations

import pytest

from state_machines import (
    Actor,
    Grant,
    Role,
    may_administer,
    may_read_audit_log,
    may_view_activity,
)

DEPARTMENT, DIVISION, OTHER_DIVISION = 1, 2, 3
DIVISION_PATH = (DIVISION, DEPARTMENT)
OTHER_PATH = (OTHER_DIVISION, DEPARTMENT)


def actor(*grants: tuple[Role, int], active: bool = True) -> Actor:
    return Actor(7, frozenset(Grant(role, unit) for role, unit in grants), active)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.REVIEWER, Role.DIVISION_HEAD])
def test_workflow_roles_see_their_units_only(role: Role) -> None:
    person = actor((role, DIVISION))
    assert may_view_activity(person, DIVISION_PATH)
    assert not may_view_activity(person, OTHER_PATH)


def test_department_grant_sees_every_division() -> None:
    person = actor((Role.OFFICER, DEPARTMENT))
    assert may_view_activity(person, DIVISION_PATH) and may_view_activity(person, OTHER_PATH)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_auditors_and_admins_see_everything(role: Role) -> None:
    person = actor((role, OTHER_DIVISION))
    assert may_view_activity(person, DIVISION_PATH)
    assert may_read_audit_log(person)


def test_disabled_accounts_see_nothing() -> None:
    person = actor((Role.AUDITOR, DEPARTMENT), (Role.ADMIN, DEPARTMENT), active=False)
    assert not may_view_activity(person, DIVISION_PATH)
    assert not may_read_audit_log(person)
    assert not may_administer(person)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.REVIEWER, Role.DIVISION_HEAD])
def test_workflow_roles_neither_read_the_log_nor_administer(role: Role) -> None:
    person = actor((role, DEPARTMENT))
    assert not may_read_audit_log(person)
    assert not may_administer(person)


def test_only_admins_administer() -> None:
    assert may_administer(actor((Role.ADMIN, DEPARTMENT)))
    assert not may_administer(actor((Role.AUDITOR, DEPARTMENT)))
