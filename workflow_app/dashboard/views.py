"""Dashboard pages."""

from __future__ import annotations

from flask import Blueprint

dashboard_bp = Blueprint("dashboard", __name__)
