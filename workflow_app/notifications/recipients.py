"""Who is told of what. The who-may questions are asked of `state_machines`, nowhere else:
a reviewer hears of a submission only if the workflow would let them forward it (in scope and
not their own), a division head of a forwarded one only if they may approve it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from state_machines import Action, ActivitySnapshot, Role, check
from workflow_app.accounts.models import RoleAssignment, User
from workflow_app.plans.models import Activity
from workflow_app.workflow.models import Submission
from workflow_app.workflow.queries import open_submission, snapshot_of

# The action that makes someone the next one to act, per workflow action just taken.
_NEXT_ACTOR = {
    Action.SUBMIT: (Role.REVIEWER, Action.FORWARD),
    Action.FORWARD: (Role.DIVISION_HEAD, Action.APPROVE),
}
# Actions whose news goes back to the officer who submitted.
_TO_SUBMITTER = (Action.RETURN, Action.APPROVE)


def users_with_email(session: Session, role: Role | None = None) -> list[User]:
    query = (
        select(User)
        .where(User.is_enabled.is_(True), User.email.is_not(None), User.email != "")
        .options(selectinload(User.role_assignments))
        .order_by(User.id)
    )
    if role is not None:
        query = query.where(
            User.id.in_(select(RoleAssignment.user_id).where(RoleAssignment.role == role.value))
        )
    return list(session.scalars(query))


def may_act(users: Iterable[User], snapshot: ActivitySnapshot, action: Action) -> list[User]:
    return [user for user in users if check(user.as_actor(), snapshot, action).allowed]


def transition_recipients(
    session: Session,
    activity: Activity,
    action: Action,
    submission: Submission | None,
    actor_id: int,
) -> list[User]:
    """Who to tell that `action` was just taken on `activity` (the acting user never)."""
    recipients: list[User] = []
    if action in _NEXT_ACTOR:
        role, next_action = _NEXT_ACTOR[action]
        snapshot = snapshot_of(activity, open_submission(session, activity))
        recipients = may_act(users_with_email(session, role), snapshot, next_action)
    elif action in _TO_SUBMITTER and submission is not None:
        officer = session.get(User, submission.submitted_by_id)
        if officer is not None and officer.is_enabled and officer.email:
            recipients = [officer]
    return [user for user in recipients if user.id != actor_id]
