"""Who is told of what. "Who acts next" is the worklist's answer (`workflow.worklist`), the
who-may questions inside it `state_machines`': a reviewer hears of a submission only if it is on
their worklist (in scope, not their own), a division head of a forwarded one only if they may
approve it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from state_machines import Action, Role
from workflow_app.accounts.models import RoleAssignment, User
from workflow_app.clock import today
from workflow_app.workflow.worklist import QUEUE_BY_ROLE, load_worklists

# The role whose queue an activity joins after each workflow action.
NEXT_ROLE = {Action.SUBMIT: Role.REVIEWER, Action.FORWARD: Role.DIVISION_HEAD}
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


def transition_recipients(
    session: Session,
    activity_id: int,
    action: Action,
    submitted_by: int | None,
    actor_id: int,
) -> list[User]:
    """Who to tell that `action` was just taken on the activity (the acting user never)."""
    recipients: list[User] = []
    if action in NEXT_ROLE:
        queue = QUEUE_BY_ROLE[NEXT_ROLE[action]]
        candidates = users_with_email(session, queue.role)
        lists = load_worklists(
            session, [user.as_actor() for user in candidates], today(), activity_ids=[activity_id]
        )
        recipients = [
            user for user in candidates if any(item.queue is queue for item in lists[user.id])
        ]
    elif action in _TO_SUBMITTER and submitted_by is not None:
        officer = session.get(User, submitted_by)
        if officer is not None and officer.is_enabled and officer.email:
            recipients = [officer]
    return [user for user in recipients if user.id != actor_id]
