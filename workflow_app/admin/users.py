"""Administration: accounts, their unit-scoped roles, passwords and display names."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from state_machines import Role
from workflow_app.accounts import admin_operations as ops
from workflow_app.accounts.models import RoleAssignment, User
from workflow_app.accounts.operations import AccountError
from workflow_app.admin.blueprint import acting_admin as _actor
from workflow_app.admin.blueprint import admin_bp
from workflow_app.admin.blueprint import done as _done
from workflow_app.admin.forms import (
    ActionForm,
    CreateUserForm,
    DisplayNameForm,
    GrantForm,
    PasswordResetForm,
)
from workflow_app.admin.units import unit_paths
from workflow_app.extensions import db

_SEARCH_LIMIT = 500


def _users_query(search: str) -> Any:
    query = select(User).options(
        selectinload(User.role_assignments).selectinload(RoleAssignment.unit)
    )
    if search:
        # Escaped so that % and _ typed by the administrator match themselves.
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", search.lower()) + "%"
        query = query.where(
            or_(
                User.username.ilike(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
            )
        )
    return query.order_by(User.username).limit(_SEARCH_LIMIT)


def _users_page(form: CreateUserForm | None = None, status: int = 200) -> tuple[str, int]:
    search = (request.args.get("q") or "").strip()[:200]
    if form is None:
        form = CreateUserForm(formdata=None)
    paths = unit_paths(db.session)
    form.unit.choices = paths
    users_found = db.session.scalars(_users_query(search)).all()
    page = render_template(
        "admin/users.html",
        users=users_found,
        search=search,
        form=form,
        unit_path=dict(paths),
        limit=_SEARCH_LIMIT,
    )
    return page, status


@admin_bp.route("/users")
def users() -> tuple[str, int]:
    return _users_page()


@admin_bp.route("/users", methods=["POST"])
def user_create() -> Response | tuple[str, int]:
    form = CreateUserForm()
    form.unit.choices = unit_paths(db.session)
    if form.validate_on_submit():
        try:
            change = ops.create_account(
                db.session,
                username=form.username.data or "",
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                role=Role(form.role.data),
                unit_id=form.unit.data,
                actor=_actor(),
            )
        except AccountError as error:
            form.username.errors = [*form.username.errors, str(error)]
        else:
            _done(_("Account created."), change.seq)
            return redirect(url_for("admin.user_detail", user_id=change.id))
    return _users_page(form, 422)


def _load_user(user_id: int) -> User:
    return db.session.scalar(
        select(User)
        .where(User.id == user_id)
        .options(selectinload(User.role_assignments).selectinload(RoleAssignment.unit))
    ) or abort(404)


def _user_page(user_id: int, status: int = 200, **bound: Any) -> tuple[str, int]:
    """The user page; forms not being resubmitted start empty (formdata=None), so a failed
    grant does not spill its values into the other forms."""
    user = _load_user(user_id)  # loaded after any failed write (which rolled back)
    paths = unit_paths(db.session)
    name_form = bound.get("name_form") or DisplayNameForm(
        formdata=None, data={"display_name": user.display_name}
    )
    grant_form = bound.get("grant_form") or GrantForm(formdata=None)
    grant_form.unit.choices = paths
    password_form = bound.get("password_form") or PasswordResetForm(formdata=None)
    page = render_template(
        "admin/user.html",
        user=user,
        name_form=name_form,
        grant_form=grant_form,
        password_form=password_form,
        action_form=ActionForm(formdata=None),
        unit_path=dict(paths),
        is_self=user.id == current_user.id,
    )
    return page, status


@admin_bp.route("/users/<id:user_id>")
def user_detail(user_id: int) -> tuple[str, int]:
    return _user_page(user_id)


@admin_bp.route("/users/<id:user_id>/name", methods=["POST"])
def user_rename(user_id: int) -> Response | tuple[str, int]:
    _load_user(user_id)
    form = DisplayNameForm()
    if form.validate_on_submit():
        try:
            change = ops.update_display_name(
                db.session, user_id, form.display_name.data or "", actor=_actor()
            )
        except AccountError as error:
            form.display_name.errors = [*form.display_name.errors, str(error)]
        else:
            _done(_("Display name changed."), change.seq)
            return redirect(url_for("admin.user_detail", user_id=user_id))
    return _user_page(user_id, 422, name_form=form)


@admin_bp.route("/users/<id:user_id>/grants", methods=["POST"])
def user_grant(user_id: int) -> Response | tuple[str, int]:
    _load_user(user_id)
    form = GrantForm()
    form.unit.choices = unit_paths(db.session)
    if form.validate_on_submit():
        try:
            change = ops.grant_role(
                db.session, user_id, Role(form.role.data), form.unit.data, actor=_actor()
            )
        except AccountError as error:
            form.unit.errors = [*form.unit.errors, str(error)]
        else:
            _done(_("Role granted."), change.seq)
            return redirect(url_for("admin.user_detail", user_id=user_id))
    return _user_page(user_id, 422, grant_form=form)


def _button_action(user_id: int, action: Any, success: str) -> Response:
    """Disable, enable, revoke: a button whose refusal is a message on the same page."""
    _load_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        change = action()
    except AccountError as error:
        flash(_("Not done: %(reason)s", reason=str(error)), "danger")
    else:
        _done(success, change.seq)
    return redirect(url_for("admin.user_detail", user_id=user_id))


@admin_bp.route("/users/<id:user_id>/grants/<id:grant_id>/revoke", methods=["POST"])
def user_revoke(user_id: int, grant_id: int) -> Response:
    grant = db.session.get(RoleAssignment, grant_id)
    if grant is None or grant.user_id != user_id:
        abort(404)
    return _button_action(
        user_id,
        lambda: ops.revoke_grant(db.session, user_id, grant_id, actor=_actor()),
        _("Role revoked."),
    )


@admin_bp.route("/users/<id:user_id>/disable", methods=["POST"])
def user_disable(user_id: int) -> Response:
    return _button_action(
        user_id,
        lambda: ops.disable_user(db.session, user_id, actor=_actor()),
        _("Account disabled; its sessions and API tokens no longer work."),
    )


@admin_bp.route("/users/<id:user_id>/enable", methods=["POST"])
def user_enable(user_id: int) -> Response:
    return _button_action(
        user_id,
        lambda: ops.enable_user(db.session, user_id, actor=_actor()),
        _("Account enabled."),
    )


@admin_bp.route("/users/<id:user_id>/password", methods=["POST"])
def user_password_reset(user_id: int) -> Response | tuple[str, int]:
    _load_user(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            change = ops.reset_password(
                db.session, user_id, form.temporary_password.data or "", actor=_actor()
            )
        except AccountError as error:
            form.temporary_password.errors = [*form.temporary_password.errors, str(error)]
        else:
            _done(
                _("Temporary password set; give it to the user in person. Their sessions ended."),
                change.seq,
            )
            return redirect(url_for("admin.user_detail", user_id=user_id))
    return _user_page(user_id, 422, password_form=form)
