"""A request that only reads (GET, HEAD) reads on PostgreSQL without a transaction; every write
still commits whole, in its own transaction, and a write outside one is refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url

from tests.integration.conftest import People
from tests.integration.test_workflow_pages import activity_url, post_action, setup, sign_in
from workflow_app.db import READS_ONLY, ReadOnlyViolation, write_transaction
from workflow_app.extensions import db
from workflow_app.outbox.models import OutboxCursor


@contextmanager
def statements_seen(app: Flask) -> Iterator[list[tuple[str, bool]]]:
    """(first word, whether the driver was in autocommit) for each statement sent meanwhile."""
    seen: list[tuple[str, bool]] = []

    def record(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        driver = connection.connection.driver_connection
        seen.append((statement.split()[0].upper(), bool(driver.autocommit)))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_pages_read_in_autocommit_and_actions_write_in_a_transaction(
    app: Flask, people: People
) -> None:
    setup(app, people, ("officer", "1.1.1", "submit"))
    client = sign_in(app, "reviewer")
    with statements_seen(app) as seen:
        assert client.get(activity_url(people, "1.1.1")).status_code == 200
    assert seen and all(autocommit for _word, autocommit in seen), seen

    html = client.get(activity_url(people, "1.1.1")).text
    assert "forward" in html
    with statements_seen(app) as seen:
        response = post_action(client, people, "1.1.1", "forward", comment="ครบถ้วน")
    assert response.status_code == 302
    writes = [autocommit for word, autocommit in seen if word in {"INSERT", "UPDATE"}]
    assert writes and not any(writes), seen


def test_a_write_during_a_read_request_is_one_transaction(app: Flask, people: People) -> None:
    with app.test_request_context("/", method="GET"):
        assert db.session.info.get(READS_ONLY) is True
        with pytest.raises(LookupError), write_transaction(db.session):
            db.session.add(OutboxCursor(name="half-written", position=1))
            db.session.flush()
            if db.engine.dialect.name == "postgresql":
                assert db.session.connection().connection.driver_connection.autocommit is False
            raise LookupError("the second half of the change fails")
        assert db.session.get(OutboxCursor, "half-written") is None

        with write_transaction(db.session):
            db.session.add(OutboxCursor(name="whole", position=2))
        assert READS_ONLY not in db.session.info
    with app.app_context():
        assert db.session.get(OutboxCursor, "whole") is not None
        assert db.session.get(OutboxCursor, "half-written") is None


def test_a_flush_outside_write_transaction_is_refused_during_a_read_request(
    app: Flask, people: People
) -> None:
    with app.test_request_context("/", method="GET"):
        db.session.add(OutboxCursor(name="sneaked", position=1))
        with pytest.raises(ReadOnlyViolation):
            db.session.flush()
    with app.app_context():
        assert db.session.get(OutboxCursor, "sneaked") is None


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_statement_that_writes_is_refused_in_autocommit(app: Flask) -> None:
    """Autocommit would make each statement of a multi-statement write permanent on its own."""
    with app.test_request_context("/", method="GET"):
        with pytest.raises(ReadOnlyViolation):
            db.session.execute(insert(OutboxCursor).values(name="sneaked", position=1))
        assert db.session.get(OutboxCursor, "sneaked") is None
    with app.app_context():
        assert db.session.get(OutboxCursor, "sneaked") is None


def test_posts_are_never_marked_read_only(app: Flask) -> None:
    with app.test_request_context("/", method="POST"):
        assert READS_ONLY not in db.session.info


def test_the_mark_ends_with_the_request(app: Flask, people: People) -> None:
    """A test's application context outlives its requests: the session a GET opened in it must
    come out of the request an ordinary one."""
    client = sign_in(app, "officer")
    with app.app_context():
        assert client.get(activity_url(people, "1.1.1")).status_code == 200
        assert db.session.registry.has()  # the request used this context's session
        assert READS_ONLY not in db.session.info
        with write_transaction(db.session):
            db.session.add(OutboxCursor(name="after-a-page", position=3))
        assert db.session.get(OutboxCursor, "after-a-page") is not None


def _backend_pid(app: Flask) -> int:
    """The server process behind the pool's connection (requests here come one at a time, so
    the pool holds one connection and every request reuses it)."""
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()
    assert isinstance(pid, int)
    return pid


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_pooled_connection_the_server_closed_is_replaced(app: Flask, people: People) -> None:
    """The pool pings no connection before use (a round trip per request): a backend ended by
    the server (a restart, an administrator) must still not cost a user an error page."""
    client = sign_in(app, "officer")
    assert client.get(activity_url(people, "1.1.1")).status_code == 200
    pid = _backend_pid(app)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))  # waits for its end
    response = client.get(activity_url(people, "1.1.1"))
    assert response.status_code == 200
    assert _backend_pid(app) != pid
