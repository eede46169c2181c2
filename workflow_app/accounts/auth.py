"""Who is making this request: the session's user (tokens: accounts.tokens)."""

from __future__ import annotations

from workflow_app.accounts.models import User
from workflow_app.extensions import db


def load_user(session_id: str) -> User | None:
    """The session's user, unless disabled or the session predates a password change."""
    user_id, _sep, epoch = session_id.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_enabled or user.session_epoch != int(epoch):
        return None
    return user
