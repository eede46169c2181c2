"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from workflow_app.db import Base
from workflow_app.extensions import db


def test_autogenerate_finds_nothing_to_change(app_ctx: Flask) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_every_model_table_exists(app_ctx: Flask) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_audit_chain_head_is_seeded(app_ctx: Flask) -> None:
    from workflow_app.audit.models import GENESIS_HASH, AuditChainHead

    head = db.session.get(AuditChainHead, 1)
    assert head is not None
    assert (head.seq, head.entry_hash) == (0, GENESIS_HASH)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_runs_in_wal_with_full_sync_and_foreign_keys(app_ctx: Flask) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
