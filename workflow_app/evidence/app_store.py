"""The application's evidence store, configured from WORKFLOW_UPLOAD_DIR and the size limit."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from workflow_app.evidence.store import EvidenceStore


def evidence_store() -> EvidenceStore:
    config = current_app.config
    return EvidenceStore(Path(config["WORKFLOW_UPLOAD_DIR"]), config["WORKFLOW_MAX_UPLOAD_BYTES"])
