"""Administration: importing a plan, with a preview to confirm and line-numbered errors."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path, PurePosixPath

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.accounts.models import Unit
from workflow_app.admin.blueprint import acting_admin as _actor
from workflow_app.admin.blueprint import admin_bp
from workflow_app.admin.blueprint import done as _done
from workflow_app.admin.forms import (
    PlanConfirmForm,
    PlanUploadForm,
)
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db
from workflow_app.plans.document import LineMessage, PlanDocument, PlanFormatError
from workflow_app.plans.importer import parse_plan_bytes
from workflow_app.plans.loader import find_plan_by_sha, load_plan

DEFAULT_MAX_PLAN_BYTES = 2 * 1024 * 1024
# Uploads waiting for confirmation are dropped after a day: a preview is not a storage service.
PENDING_UPLOAD_SECONDS = 24 * 3600
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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
