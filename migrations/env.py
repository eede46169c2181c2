"""Alembic environment, run through Flask-Migrate inside the application context."""

from __future__ import annotations

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context
from flask import current_app

from workflow_app.models_base import UTCDateTime

config = context.config
if config.config_file_name:
    # Keep the application's loggers alive: fileConfig would otherwise disable them.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations must not import the application's column types: render their plain impl.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def skip_empty_revision(context_: Any, revision: Any, directives: list[Any]) -> None:
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_offline() -> None:
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=db.metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", skip_empty_revision)
    options.setdefault("compare_type", True)
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            render_item=render_item,
            **options,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _refuse_broken_references(connection)
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection: Any, *, on: bool) -> None:
    """SQLite rebuilds a table to alter it (batch mode): with foreign keys enforced, dropping the
    old copy would cascade-delete the rows that refer to it (an activity's submissions, say).
    The pragma only takes effect outside a transaction, so it goes to the driver connection
    before Alembic begins one."""
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _refuse_broken_references(connection: Any) -> None:
    """What enforcement would have caught, checked once at the end, inside the transaction."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration leaves rows with broken references: {broken[:5]}")


if context.is_offline_mode():
    run_offline()
else:
    run_online()
