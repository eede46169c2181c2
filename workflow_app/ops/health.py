"""`/healthz` and `/readyz` for load balancers and orchestration: no sign-in, no secrets."""

from __future__ import annotations

from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from workflow_app.audit.head import read_head
from workflow_app.extensions import db

health_bp = Blueprint("health", __name__)

_script_heads: set[str] | None = None


def _expected_heads() -> set[str]:
    """The migration heads shipped with this code (read once: they cannot change at run time)."""
    global _script_heads
    if _script_heads is None:
        migrate = current_app.extensions["migrate"]
        _script_heads = set(ScriptDirectory.from_config(migrate.migrate.get_config()).get_heads())
    return _script_heads


def _database_checks() -> dict[str, Any]:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        current = set(MigrationContext.configure(conn).get_current_heads())
    expected = _expected_heads()
    return {
        "database": "ok",
        "migrations": "current" if current == expected else "outdated",
        "schema_revision": sorted(current),
    }


def _probe(include_audit: bool) -> tuple[Response, int]:
    try:
        checks = _database_checks()
        if include_audit:
            head = read_head(db.session)
            checks["audit_head"] = {"seq": head.seq, "hash": head.entry_hash}
        db.session.rollback()
    except Exception as error:  # any failure to reach the database is "not healthy"
        current_app.logger.warning("health probe failed: %s", error)
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    healthy = checks["migrations"] == "current"
    checks["status"] = "ok" if healthy else "unavailable"
    return jsonify(checks), 200 if healthy else 503


@health_bp.route("/livez")
def livez() -> tuple[Response, int]:
    """The process answers at all (no database): a liveness probe, and the framework's floor."""
    return jsonify({"status": "ok"}), 200


@health_bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    return _probe(include_audit=True)


@health_bp.route("/readyz")
def readyz() -> tuple[Response, int]:
    return _probe(include_audit=False)
