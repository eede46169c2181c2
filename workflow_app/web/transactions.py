"""The end of a read-only request's autocommit reading (see `workflow_app.db.RequestSession`)."""

from __future__ import annotations

from flask import Flask

from workflow_app.db import end_reads_only
from workflow_app.extensions import db


def register(app: Flask) -> None:
    @app.teardown_request
    def _end_reads_only(_error: BaseException | None) -> None:
        if db.session.registry.has():  # a request that never touched the database opened none
            end_reads_only(db.session)
