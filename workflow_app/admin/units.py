"""Administration: the unit tree (create, rename) and who holds roles where."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import (
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow_app.accounts import admin_operations as ops
from workflow_app.accounts.models import RoleAssignment, Unit
from workflow_app.accounts.operations import AccountError
from workflow_app.accounts.unit_tree import load_unit, load_units, sorted_by_name
from workflow_app.admin.blueprint import acting_admin as _actor
from workflow_app.admin.blueprint import admin_bp
from workflow_app.admin.blueprint import done as _done
from workflow_app.admin.forms import (
    UnitCreateForm,
    UnitRenameForm,
)
from workflow_app.extensions import db


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
