"""Administration pages: users and their unit-scoped roles, the unit tree, plan imports.

Every page is for administrators only (`may_administer`); each change is one operation that
commits with its audit entry, and the success message names that entry's sequence number.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from state_machines import Role, may_administer
from workflow_app.accounts import admin_operations as ops
from workflow_app.accounts.models import RoleAssignment, Unit, User
from workflow_app.accounts.operations import AccountError
from workflow_app.accounts.unit_tree import load_unit, load_units, sorted_by_name
from workflow_app.admin.forms import (
    ActionForm,
    CreateUserForm,
    DisplayNameForm,
    GrantForm,
    PasswordResetForm,
    PlanConfirmForm,
    PlanUploadForm,
    UnitCreateForm,
    UnitRenameForm,
)
from workflow_app.audit.append import AuditActor
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db, login_manager
from workflow_app.plans.document import LineMessage, PlanDocument, PlanFormatError
from workflow_app.plans.importer import parse_plan_bytes
from workflow_app.plans.loader import find_plan_by_sha, load_plan

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

DEFAULT_MAX_PLAN_BYTES = 2 * 1024 * 1024
# Uploads waiting for confirmation are dropped after a day: a preview is not a storage service.
PENDING_UPLOAD_SECONDS = 24 * 3600
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SEARCH_LIMIT = 500


@admin_bp.before_request
def _administrators_only() -> Response | None:
    """One gate for the whole blueprint, so no page can forget it."""
    if not current_user.is_authenticated:
        response: Response = login_manager.unauthorized()
        return response
    if not may_administer(current_user.as_actor()):
        abort(403)
    return None


def _actor() -> AuditActor:
    return AuditActor.of(current_user)


def _done(message: str, seq: int) -> None:
    flash(_("%(message)s (audit entry no. %(seq)s)", message=message, seq=seq), "success")


# ---------------------------------------------------------------------------------- units


def unit_paths(session: Session) -> list[tuple[int, str]]:
    """Every unit as (id, full path), sorted by path, for lists and choices."""
    return [(unit.id, unit.full_name) for unit in sorted_by_name(load_units(session))]


@dataclass
class UnitNode:
    unit: Unit
    children: list[UnitNode] = field(default_factory=list)


def unit_tree(session: Session) -> list[UnitNode]:
    nodes = {unit.id: UnitNode(unit) for unit in session.scalars(select(Unit).order_by(Unit.name))}
    roots: list[UnitNode] = []
    for node in nodes.values():
        parent_id = node.unit.parent_id
        (nodes[parent_id].children if parent_id is not None else roots).append(node)
    return roots


def _unit_page(create_form: UnitCreateForm | None = None, status: int = 200) -> tuple[str, int]:
    paths = unit_paths(db.session)
    if create_form is None:
        create_form = UnitCreateForm(formdata=None)
    create_form.parent.choices = [(0, _("— none: a new department —")), *paths]
    page = render_template("admin/units.html", tree=unit_tree(db.session), create_form=create_form)
    return page, status


@admin_bp.route("/units")
def units() -> tuple[str, int]:
    return _unit_page()


@admin_bp.route("/units", methods=["POST"])
def unit_create() -> Response | tuple[str, int]:
    form = UnitCreateForm()
    form.parent.choices = [(0, ""), *unit_paths(db.session)]
    if form.validate_on_submit():
        try:
            change = ops.create_unit(
                db.session, form.name.data or "", form.parent.data or None, actor=_actor()
            )
        except AccountError as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            _done(_("Unit created."), change.seq)
            return redirect(url_for("admin.units"))
    return _unit_page(form, 422)


@admin_bp.route("/units/<id:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int) -> Response | tuple[str, int]:
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = UnitRenameForm(data={"new_name": unit.name} if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            change = ops.rename_unit(db.session, unit.id, form.new_name.data or "", actor=_actor())
        except AccountError as error:
            form.new_name.errors = [*form.new_name.errors, str(error)]
        else:
            _done(_("Unit renamed."), change.seq)
            return redirect(url_for("admin.units"))
    if request.method == "POST":
        status = 422
    unit = db.session.get(Unit, unit_id) or abort(404)  # reloaded: a failed write rolled back
    holders = db.session.scalars(
        select(RoleAssignment)
        .where(RoleAssignment.unit_id == unit.id)
        .options(selectinload(RoleAssignment.user))
        .order_by(RoleAssignment.id)
    ).all()
    info = load_unit(db.session, unit.id)
    assert info is not None
    page = render_template(
        "admin/unit.html", unit=unit, unit_name=info.full_name, form=form, holders=holders
    )
    return page, status


# ---------------------------------------------------------------------------------- users


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


# ---------------------------------------------------------------------------- plan import


def _pending_dir() -> Path:
    folder = Path(current_app.instance_path) / "plan_uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pending_paths(sha256: str) -> tuple[Path, Path]:
    # The hash is checked before it becomes a file name: nothing else reaches the path.
    if not _SHA256_RE.fullmatch(sha256):
        raise ValueError("not a SHA-256 hex digest")
    folder = _pending_dir()
    return folder / f"{sha256}.txt", folder / f"{sha256}.json"


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _forget_old_uploads() -> None:
    cutoff = time.time() - PENDING_UPLOAD_SECONDS
    for path in _pending_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:  # another worker removed it first
            pass


def _keep_upload(data: bytes, sha256: str, source_name: str) -> None:
    text_path, meta_path = _pending_paths(sha256)
    _write_atomically(text_path, data)
    _write_atomically(meta_path, json.dumps({"source_name": source_name}).encode())


def _read_upload(sha256: str) -> tuple[bytes, str] | None:
    """The kept document, if it is still there and still hashes to its name."""
    text_path, meta_path = _pending_paths(sha256)
    try:
        data = text_path.read_bytes()
        meta = json.loads(meta_path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data, str(meta.get("source_name", ""))


def _drop_upload(sha256: str) -> None:
    for path in _pending_paths(sha256):
        path.unlink(missing_ok=True)


def _source_name(filename: str) -> str:
    """The uploaded file's own name, without any client-side folders (Thai names kept)."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    return _CONTROL_RE.sub("", name)[:255]


def _units_to_create(session: Session, document: PlanDocument) -> list[str]:
    """The unit paths the loader will create: it follows the same names from the top down."""
    paths = [(document.agency,), *(activity.unit_path for activity in document.activities())]
    known: dict[tuple[str, ...], int | None] = {(): None}
    missing: list[str] = []
    for unit_path in paths:
        for depth in range(1, len(unit_path) + 1):
            prefix = unit_path[:depth]
            if prefix in known:
                continue
            parent_id = known[prefix[:-1]]
            unit_id = None
            if parent_id is not None or depth == 1:
                unit_id = session.scalar(
                    select(Unit.id).where(Unit.name == prefix[-1], Unit.parent_id == parent_id)
                )
            known[prefix] = unit_id
            if unit_id is None:
                missing.append(" / ".join(prefix))
    return missing


def _import_page(
    form: PlanUploadForm | None = None,
    *,
    errors: Iterable[LineMessage] = (),
    problem: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "admin/plan_import.html",
        form=form or PlanUploadForm(formdata=None),
        errors=list(errors),
        problem=problem,
        limit_mb=_max_plan_bytes() / (1024 * 1024),
    )
    return page, status


def _satang_to_baht(satang: int) -> Decimal:
    return Decimal(satang) / 100  # exact: a float would misprint large budgets


def _max_plan_bytes() -> int:
    return int(current_app.config.get("WORKFLOW_MAX_PLAN_BYTES", DEFAULT_MAX_PLAN_BYTES))


@admin_bp.route("/plans/import")
def plan_import() -> tuple[str, int]:
    return _import_page()


@admin_bp.route("/plans/import", methods=["POST"])
def plan_preview() -> Response | tuple[str, int]:
    form = PlanUploadForm()
    if not form.validate_on_submit():
        return _import_page(form, status=422)
    upload = form.document.data
    source_name = _source_name(upload.filename or "")
    if not source_name.lower().endswith(".txt"):
        return _import_page(
            form,
            problem=_("Upload the plan as a .txt file (the table's text, tab-separated)."),
            status=422,
        )
    limit = _max_plan_bytes()
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        problem = _("The file is larger than %(mb)s MB.", mb=f"{limit / (1024 * 1024):g}")
        return _import_page(form, problem=problem, status=413)
    if not data.strip():
        return _import_page(form, problem=_("The file is empty."), status=422)
    try:
        document = parse_plan_bytes(data)
    except PlanFormatError as error:
        problem = _("The document cannot be imported; nothing was written. Fix these lines:")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            problem = _(
                "The file is not UTF-8 text (Thai files are often saved as TIS-620 or "
                "Windows-874). Save it as UTF-8 and upload it again. Lines affected:"
            )
        return _import_page(form, errors=error.errors, problem=problem, status=422)
    existing = find_plan_by_sha(db.session, document.source_sha256)
    if existing is None:
        _forget_old_uploads()
        _keep_upload(data, document.source_sha256, source_name)
    confirm_form = PlanConfirmForm(formdata=None, data={"sha256": document.source_sha256})
    page = render_template(
        "admin/plan_preview.html",
        document=document,
        counts=document.counts(),
        total_baht=_satang_to_baht(document.total_budget_satang),
        satang_to_baht=_satang_to_baht,
        units_to_create=_units_to_create(db.session, document) if existing is None else [],
        source_name=source_name,
        existing=existing,
        confirm_form=confirm_form,
    )
    return page, 200


@admin_bp.route("/plans/import/confirm", methods=["POST"])
def plan_confirm() -> Response:
    form = PlanConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    sha256 = form.sha256.data or ""
    kept = _read_upload(sha256)
    if kept is None:
        existing = find_plan_by_sha(db.session, sha256)
        if existing is not None:
            flash(_("This document is already imported."), "info")
            return redirect(url_for("plans.plan_view", plan_id=existing.id))
        flash(_("The uploaded document is no longer here; upload it again."), "warning")
        return redirect(url_for("admin.plan_import"))
    data, source_name = kept
    document = parse_plan_bytes(data)  # it parsed at preview; pure, so it parses again
    result = load_plan(
        db.session,
        document,
        source_text=data.decode("utf-8-sig"),
        source_name=source_name,
        actor=_actor(),
    )
    _drop_upload(sha256)
    if not result.created:
        flash(_("This document is already imported."), "info")
    else:
        seq = db.session.scalar(
            select(AuditEntry.seq).where(
                AuditEntry.action == "plan.import", AuditEntry.plan_id == result.plan_id
            )
        )
        _done(_("Plan imported."), int(seq or 0))
    return redirect(url_for("plans.plan_view", plan_id=result.plan_id))
