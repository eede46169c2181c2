"""Auditor pages."""

from __future__ import annotations

from flask import Blueprint

audit_bp = Blueprint("audit", __name__, url_prefix="/audit")
