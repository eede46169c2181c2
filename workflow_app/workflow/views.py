"""Workflow pages."""

from __future__ import annotations

from flask import Blueprint

workflow_bp = Blueprint("workflow", __name__)
