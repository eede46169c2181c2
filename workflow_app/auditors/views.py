"""Internal auditors' pages: the log explorer, the chain's status with on-demand verification,
and the export for offline verification (the certification trail: `trail_page`).

Every page is for signed-in users whom `state_machines.may_read_audit_log` lets read the log
(auditors and administrators); anyone else gets 403. Nothing here writes to the database.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from flask import (
    Response,
    abort,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from state_machines import may_verify_audit_log
from tools.verify_audit import Checkpoint, EntryRecord, write_export
from workflow_app.accounts.models import User
from workflow_app.audit.canonical import format_time
from workflow_app.audit.checkpoints import stored_checkpoints
from workflow_app.audit.models import AuditKey
from workflow_app.audit.verification import stored_public_keys, stream_entries, verify_log
from workflow_app.auditors.blueprint import audit_bp, auditors_only
from workflow_app.auditors.chain import head
from workflow_app.auditors.paging import action_choices
from workflow_app.auditors.parameters import (
    FILTER_PARAMETERS,
    InvalidParameters,
    filter_params,
    parse_page_request,
)
from workflow_app.extensions import db
from workflow_app.formatting import to_bangkok
from workflow_app.models_base import utcnow
from workflow_app.plans.models import Plan

VERIFY_RESULT_KEY = "audit_last_verification"
# Entries per chunk of the streamed export: small enough to start the download at once, large
# enough that the per-chunk overhead does not matter.
EXPORT_BATCH = 2_000
# The explorer's own parameter: show the page that starts at this seq, with it opened.
AT_PARAMETER = "at"


# --- explorer ---------------------------------------------------------------------------------


# The filter form's choices, built once (building a statement costs more than running it).
_PLAN_CHOICES = select(Plan.id, Plan.fiscal_year, Plan.agency).order_by(
    Plan.fiscal_year.desc(), Plan.id
)
_USERNAMES = select(User.username).order_by(User.username)


@audit_bp.get("")
@auditors_only
def explorer() -> tuple[str, int]:
    args = {name: request.args.get(name, "") for name in request.args}
    highlight = _seq_parameter(args.get(AT_PARAMETER, ""))
    if highlight is not None and not (args.get("after_seq") or args.get("before_seq")):
        # "At seq N" is the page of older entries that begins with N.
        args["before_seq"] = str(highlight + 1)
    errors: dict[str, Any] = {}
    page = None
    try:
        page_request = parse_page_request(db.session, args)
    except InvalidParameters as invalid:
        errors = invalid.errors
    else:
        page = page_request.load_page(db.session)
    kept = filter_params(args, (*FILTER_PARAMETERS, "limit", "order"))
    newer_url = older_url = None
    if page is not None and page.has_newer:
        newer_url = url_for("audit.explorer", **kept, after_seq=page.newer_after_seq)
    if page is not None and page.has_older:
        older_url = url_for("audit.explorer", **kept, before_seq=page.older_before_seq)
    html = render_template(
        "audit/explorer.html",
        values=args,
        errors=errors,
        page=page,
        highlight=highlight,
        newer_url=newer_url,
        older_url=older_url,
        newest_url=url_for("audit.explorer", **kept),
        filter_args=kept,
        filtered=bool(filter_params(args, FILTER_PARAMETERS)),
        plans=db.session.execute(_PLAN_CHOICES).all(),
        actions=action_choices(db.session),
        usernames=db.session.scalars(_USERNAMES).all(),
    )
    return html, 422 if errors else 200


def _seq_parameter(value: str) -> int | None:
    value = value.strip()
    if value.isascii() and value.isdigit() and 0 < int(value) < 2**63 - 1:
        return int(value)
    return None


# --- chain status and verification ------------------------------------------------------------


@audit_bp.route("/chain", methods=["GET", "POST"])
@auditors_only
def status() -> Any:
    if request.method == "POST":
        # CSRF is checked by CSRFProtect before we get here.
        if not may_verify_audit_log(current_user.as_actor()):
            abort(403)
        report = verify_log(db.session)
        # Post/redirect/get: reloading the page must not re-run a verification of the whole log.
        session[VERIFY_RESULT_KEY] = {**report.as_dict(), "verified_at": format_time(utcnow())}
        return redirect(url_for("audit.status"))
    result = session.get(VERIFY_RESULT_KEY)
    return render_template(
        "audit/status.html",
        head=head(db.session),
        keys=db.session.scalars(select(AuditKey).order_by(AuditKey.first_used_at)).all(),
        result=result,
        verified_at=_body_time(result.get("verified_at")) if result else None,
        may_verify=may_verify_audit_log(current_user.as_actor()),
    )


def _body_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


# --- export -----------------------------------------------------------------------------------


@audit_bp.get("/export")
@auditors_only
def export() -> str:
    return render_template(
        "audit/export.html",
        head=head(db.session),
        keys=db.session.scalars(select(AuditKey).order_by(AuditKey.first_used_at)).all(),
        filename=_export_filename(),
    )


@audit_bp.get("/export/download")
@auditors_only
def export_file() -> Response:
    response = Response(
        stream_with_context(_export_lines(db.session)),
        mimetype="application/x-ndjson",
    )
    response.headers["Content-Disposition"] = f"attachment; filename={_export_filename()}"
    response.headers["Cache-Control"] = "no-store"
    return response


def _export_filename() -> str:
    # Gregorian ISO date (Bangkok): file names sort by date and tools read them.
    return f"audit-export-{to_bangkok(utcnow()).date().isoformat()}.jsonl"


def _export_lines(session: Session) -> Iterator[str]:
    """The `flask audit export` file, streamed in constant memory.

    `write_export` writes a whole file in one call; it is called once per batch and every part
    after the first drops the header line, so the format stays defined in one place
    (tools/verify_audit.py). Checkpoints and keys are read before the entries: a checkpoint
    signed while the download runs would otherwise point past the exported entries and make an
    intact log look truncated.
    """
    keys = stored_public_keys(session)
    checkpoints = stored_checkpoints(session)
    exported_at = format_time(utcnow())

    def part(entries: Iterable[EntryRecord], signed: Iterable[Checkpoint], *, first: bool) -> str:
        buffer = io.StringIO()
        write_export(
            buffer,
            entries=entries,
            checkpoints=signed,
            public_keys=keys,
            exported_at=exported_at,
        )
        text = buffer.getvalue()
        return text if first else text.split("\n", 1)[1]

    yield part((), (), first=True)
    records = stream_entries(session)
    while batch := list(islice(records, EXPORT_BATCH)):
        yield part(batch, (), first=False)
    yield part((), checkpoints, first=False)
