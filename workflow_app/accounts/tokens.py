"""API bearer tokens: created and revoked with an audit entry, looked up by their SHA-256.

A token is shown once, when it is created; only its SHA-256 is stored, so neither a database
copy nor the audit log can be replayed as a credential.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Request
from flask import request as flask_request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from workflow_app.accounts.auth import load_user
from workflow_app.accounts.models import ApiToken, User
from workflow_app.accounts.operations import AccountError
from workflow_app.audit.append import AuditActor, append_entry
from workflow_app.db import write_transaction
from workflow_app.extensions import db
from workflow_app.models_base import utcnow

TOKEN_PREFIX = "wfa_"
# token_urlsafe(32) gives 43 characters; anything much longer is not one of ours.
_MAX_TOKEN_CHARS = 128
# Tokens authenticate the JSON API only: a leaked token must not open the HTML pages too.
API_PATH_PREFIX = "/api/"
# Every API request runs this, so it is built once; the user and their grants come with it.
_TOKEN_WITH_USER = (
    select(ApiToken)
    .where(ApiToken.token_sha256 == bindparam("digest"))
    .options(joinedload(ApiToken.user).joinedload(User.role_assignments))
)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, *, actor: AuditActor, label: str = "") -> str:
    """A new token for `user`; the caller shows it once, it cannot be recovered later."""
    label = label.strip()
    if len(label) > 120:
        raise AccountError("the label must be at most 120 characters")
    if not user.is_enabled:
        raise AccountError(f"user {user.username!r} is disabled")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_transaction(session):
        row = ApiToken(user_id=user.id, token_sha256=token_sha256(token), label=label)
        session.add(row)
        session.flush()
        append_entry(
            session,
            actor=actor,
            action="token.create",
            subject={"user_id": user.id},
            # The hash stays out of the log: auditors need to know a token exists, not match it.
            payload={"token_id": row.id, "label": label},
        )
    return token


def revoke_token(session: Session, token_id: int, *, actor: AuditActor) -> ApiToken:
    """Revoke one token by its id; revoking an already revoked token is refused."""
    with write_transaction(session):
        row = session.get(ApiToken, token_id)
        if row is None:
            raise AccountError(f"no API token {token_id}")
        if row.revoked_at is not None:
            raise AccountError(f"API token {token_id} is already revoked")
        row.revoked_at = utcnow()
        append_entry(
            session,
            actor=actor,
            action="token.revoke",
            subject={"user_id": row.user_id},
            payload={"token_id": row.id, "label": row.label},
        )
    return row


def user_for_token(session: Session, token: str) -> User | None:
    """The enabled user holding this unrevoked token, else None.

    The lookup is by the token's SHA-256, so timing can reveal at most something about a hash
    of a secret the caller already has; the final compare_digest keeps the check constant-time
    anyway, whatever the database's index comparison does.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_CHARS:
        return None
    digest = token_sha256(token)
    row = session.execute(_TOKEN_WITH_USER, {"digest": digest}).unique().scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        return None
    if row.revoked_at is not None or not row.user.is_enabled:
        return None
    return row.user


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header on an API path, else None."""
    if not request.path.startswith(API_PATH_PREFIX):
        return None
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user_loader: the signed-in session's user, unless a bearer token is shown.

    A request presenting a token is that token's user only. Flask-Login asks the session first,
    so without this a cookie riding along would win over the token, and the request would act
    as the cookie's user while being treated as token-authenticated (no CSRF check).
    """
    if bearer_token(flask_request) is not None:
        return None
    return load_user(session_id)


def load_user_from_request(request: Request) -> User | None:
    """Flask-Login's request_loader: the bearer token's user, for this request only.

    Flask-Login does not write a request-loaded user into the session, so no cookie is issued.
    """
    token = bearer_token(request)
    if not token:
        return None
    return user_for_token(db.session, token)
