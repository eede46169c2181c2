"""Signing in and out, the user's own settings: password, language, digits."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from workflow_app.accounts.forms import LoginForm, PasswordChangeForm
from workflow_app.accounts.operations import (
    AccountError,
    authenticate,
    change_password,
    set_locale,
)
from workflow_app.accounts.unit_tree import load_units
from workflow_app.audit.append import AuditActor
from workflow_app.extensions import db, limiter
from workflow_app.web.i18n import SUPPORTED_LOCALES

account_bp = Blueprint("account", __name__)


def safe_next(target: str | None, default: str | None = None) -> str:
    """Only same-site paths: an open redirect after login is a phishing aid."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return default or url_for("plans.index")


def _login_username() -> str:
    return "login-account:" + (request.form.get("username") or "").strip().lower()[:80]


def _failed_login(response: Response) -> bool:
    # Successful sign-ins redirect; only failures count towards the limits.
    return response.status_code != 302


@account_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    "10 per minute", methods=["POST"], deduct_when=_failed_login, error_message="too many attempts"
)
@limiter.limit(
    "5 per minute",
    key_func=_login_username,
    methods=["POST"],
    deduct_when=_failed_login,
    error_message="too many attempts",
)
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
            keep = {key: session[key] for key in ("thai_digits",) if key in session}
            session.clear()
            session.update(keep)
            login_user(user)
            # The new session's CSRF secret now, in the cookie set with the sign-in: otherwise
            # the first page makes one and sets the cookie again, and a client that keeps the
            # sign-in cookie (scripts, load generators) pays for that on every page. The login
            # form's token, kept on `g`, belonged to the old session.
            g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
            generate_csrf()
            return redirect(safe_next(request.args.get("next")))
        flash(_("Wrong username or password, or the account is disabled."), "danger")
    return render_template("account/login.html", form=form)


@account_bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("account.login"))


@account_bp.route("/account", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_password(
                db.session,
                current_user._get_current_object(),
                current=form.current_password.data or "",
                new=form.new_password.data or "",
                actor=AuditActor.of(current_user),
            )
        except AccountError as error:
            form.current_password.errors = [*form.current_password.errors, str(error)]
        else:
            # The password change ended every session, this one included: start a fresh one.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other sessions were signed out."), "success")
            return redirect(url_for("account.settings"))
    return render_template("account/settings.html", form=form, units=load_units(db.session))


@account_bp.route("/language", methods=["POST"])
def language() -> Response:
    """Switch language (remembered on the account when signed in) or Thai-digit display."""
    locale = request.form.get("locale")
    if locale in SUPPORTED_LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            set_locale(db.session, current_user._get_current_object(), locale)
    digits = request.form.get("thai_digits")
    if digits in ("0", "1"):
        session["thai_digits"] = digits == "1"
    return redirect(safe_next(request.form.get("next")))
