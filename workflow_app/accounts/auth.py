"""Who is making this request: the session's user (tokens: accounts.tokens)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from workflow_app.accounts.models import User
from workflow_app.extensions import db

# Every request runs this, so it is built once. The grants come in the same query: every page
# asks what the user may do (the menu at least).
_USER_WITH_GRANTS = (
    select(User).where(User.id == bindparam("user_id")).options(joinedload(User.role_assignments))
)


def load_user(session_id: str) -> User | None:
    """The session's user, unless disabled or the session predates a password change."""
    user_id, _sep, epoch = session_id.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    user = (
        db.session.execute(_USER_WITH_GRANTS, {"user_id": int(user_id)})
        .unique()
        .scalar_one_or_none()
    )
    if user is None or not user.is_enabled or user.session_epoch != int(epoch):
        return None
    return user
