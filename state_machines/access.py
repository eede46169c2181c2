"""Who may see what, and who may administer: the read-side companions of `permissions`.

Kept beside the workflow rules so that every "may this person…" question has one answer.
"""

from __future__ import annotations

from collections.abc import Collection

from state_machines.roles import Actor, Role

# Auditors and administrators work across the whole organisation: their read access is not
# limited by the unit their grant names.
_SEES_EVERYTHING = (Role.AUDITOR, Role.ADMIN)


def may_view_activity(actor: Actor, unit_path: Collection[int]) -> bool:
    """An activity (its fields, submissions, evidence and trail) is visible to active users
    holding any role over its unit, and to auditors and administrators."""
    if not actor.active:
        return False
    if any(actor.has_role(role) for role in _SEES_EVERYTHING):
        return True
    return any(grant.unit_id in unit_path for grant in actor.grants)


def may_read_audit_log(actor: Actor) -> bool:
    return actor.active and any(actor.has_role(role) for role in _SEES_EVERYTHING)


def may_verify_audit_log(actor: Actor) -> bool:
    return may_read_audit_log(actor)


def may_administer(actor: Actor) -> bool:
    """Users, roles, units and plan imports."""
    return actor.active and actor.has_role(Role.ADMIN)


def sees_whole_plan_in_reports(actor: Actor) -> bool:
    """Progress reports on every activity: auditors and administrators."""
    return may_read_audit_log(actor)


def may_report_on(actor: Actor, unit_path: Collection[int]) -> bool:
    """Whether an activity of this unit belongs in the actor's progress report: a report
    certifies results upwards, which is a division head's act (for the units their grant covers)
    or an auditor's; officers and reviewers see the same facts on the activity pages."""
    if sees_whole_plan_in_reports(actor):
        return True
    return actor.covers(Role.DIVISION_HEAD, unit_path) and may_view_activity(actor, unit_path)
