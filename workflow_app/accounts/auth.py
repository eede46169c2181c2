"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from workflow_app.accounts.forms import LoginForm
from workflow_app.accounts.models import User
from workflow_app.accounts.operations import authenticate
from workflow_app.extensions import db

auth_bp = Blueprint("auth", __name__)


def load_user(session_id: str) -> User | None:
    """The session's user, unless disabled or the session predates a password change."""
    user_id, _, epoch = session_id.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_enabled or user.session_epoch != int(epoch):
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login is a phishing aid."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("plans.index")


@auth_bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(
            db.session,
            form.username.data or "",
            form.password.data or "",
            remote_addr=request.remote_addr or "",
        )
        if user is not None:
            # A fresh session at sign-in: nothing planted before login survives it.
            session.clear()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong username or password, or the account is disabled."), "danger")
    return render_template("auth/login.html", form=form)


@auth_bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
