"""The declarative base and engine settings for SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

# The largest value of PostgreSQL's INTEGER, the type of every id column: a larger id in a URL or
# a filter names nothing, and binding it would be a database error.
MAX_ID = 2**31 - 1

# Deterministic constraint names: Alembic can then drop and alter them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers; FULL sync because an audit system must not lose its last
    commits; foreign keys on; and our own BEGIN so that writers can take the lock up front."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Autocommit at the driver level: SQLAlchemy's "begin" listener below issues BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=False)


@contextmanager
def write_intent() -> Iterator[None]:
    """Mark the transactions begun inside this block as writers (BEGIN IMMEDIATE on SQLite)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    if conn.dialect.name != "sqlite":
        return
    # A transaction flagged for writing takes the write lock at BEGIN (BEGIN IMMEDIATE), so two
    # writers serialise at the start instead of one failing at commit with "database is locked".
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def engine_options(database_uri: str) -> dict[str, Any]:
    if database_uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 10}}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5}


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """One writing transaction: commit on success, roll back on any error.

    On SQLite the session's earlier (read) transaction is ended first, so that the write lock is
    taken at BEGIN instead of by upgrading a stale read snapshot, which fails under contention.
    On PostgreSQL an open transaction simply goes on: under READ COMMITTED each statement sees
    the latest commits and writers lock the rows they change, so there is nothing to upgrade,
    and ending it would cost a round trip and a pool checkout on every action.
    """
    current = session() if isinstance(session, scoped_session) else session
    if current.get_bind().dialect.name == "sqlite" or not current.in_transaction():
        session.rollback()
        with write_intent():
            session.connection()  # begin now, inside the write intent
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
