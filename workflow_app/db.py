"""The declarative base and engine settings for SQLite and PostgreSQL."""

from __future__ import annotations

import select
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import psycopg
from flask import has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.pool import Pool

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
    # No pool_pre_ping: its SELECT 1 costs a round trip on every request, and
    # `_replace_closed_connections` below finds a connection the server has closed without one.
    return {"pool_size": 5, "max_overflow": 5}


@event.listens_for(Pool, "checkout")
def _replace_closed_connections(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection on whose socket something arrived while it sat idle is
    given up for a new one: a server that restarts, or an administrator ending the backend,
    sends a last error and closes, and a healthy idle connection receives nothing. Checking
    costs a poll() instead of pre-ping's round trip."""
    if not isinstance(dbapi_connection, psycopg.Connection):
        return
    if dbapi_connection.closed or _readable(dbapi_connection.fileno()):
        raise DisconnectionError("the server closed this pooled connection")


def _readable(descriptor: int) -> bool:
    poller = select.poll()
    poller.register(descriptor, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


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
    if current.info.pop(READS_ONLY, False):
        # A read-only request that writes after all (a sign-in callback, say): give back the
        # autocommit connection, so that this transaction is a real one.
        session.rollback()
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


# Set in `Session.info` for a request that only reads (GET, HEAD): see `RequestSession`.
READS_ONLY = "reads_only"
# RFC 9110's safe methods: a handler that writes under one of them must use write_transaction.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_AUTOCOMMIT: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _autocommit_engine(engine: Engine) -> Engine:
    proxy = _AUTOCOMMIT.get(engine)
    if proxy is None:
        proxy = _AUTOCOMMIT[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
        # Listeners on this proxy are its own: the engine's writers pay nothing for the check.
        event.listen(proxy, "before_cursor_execute", _refuse_writes_in_autocommit)
    return proxy


def _refuse_writes_in_autocommit(
    _connection: Connection,
    _cursor: Any,
    _statement: str,
    _parameters: Any,
    context: Any,
    _many: bool,
) -> None:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        raise ReadOnlyViolation("a read-only request wrote outside write_transaction")


class ReadOnlyViolation(RuntimeError):
    """A write outside `write_transaction` during a read-only request: a programming error."""


class RequestSession(FlaskSession):
    """Flask-SQLAlchemy's session; on PostgreSQL, a read-only request reads in autocommit.

    A session first used while a GET or HEAD request is being handled is marked READS_ONLY.
    Under READ COMMITTED every statement takes its own snapshot whether or not a transaction is
    open, so a page reads the same either way; without the transaction it saves the BEGIN and
    ROLLBACK round trips, a fifth of a typical page's time. Writes always go through
    `write_transaction`, which leaves autocommit first; any other is refused (a flush on both
    databases, any INSERT, UPDATE or DELETE in autocommit on PostgreSQL).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if has_request_context() and request.method in SAFE_METHODS:
            self.info[READS_ONLY] = True

    def get_bind(
        self,
        mapper: Any | None = None,
        clause: Any | None = None,
        bind: Engine | Connection | None = None,
        **kwargs: Any,
    ) -> Engine | Connection:
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if (
            self.info.get(READS_ONLY)
            and isinstance(engine, Engine)
            and engine.dialect.name == "postgresql"
        ):
            return _autocommit_engine(engine)
        return engine


def end_reads_only(session: Session) -> None:
    """Drop the mark and give the autocommit connection back: the request is over, and the
    session may live on (a test's application context shared with its requests)."""
    if session.info.pop(READS_ONLY, False):
        session.rollback()


def transaction_connection(session: Session) -> Connection:
    """The session's connection inside a transaction, even during a read-only request: a
    server-side cursor (streaming the audit log) lives only inside one."""
    end_reads_only(session)
    return session.connection()


@event.listens_for(Session, "before_flush")
def _refuse_flush_when_reading(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READS_ONLY):
        raise ReadOnlyViolation("a read-only request flushed changes outside write_transaction")
