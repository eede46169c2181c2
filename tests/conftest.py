"""Fixtures: every database-touching test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (default: the local server's `test` database, from
which a throw-away database is created for this run). An unreachable server fails the run
(`.ci/run` also sets REQUIRE_POSTGRES=1, which says the same).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workflow_app import create_app
from workflow_app.db import Base
from workflow_app.extensions import db

BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """The catalogues are compiled at install time (`make install`); do it here too so that a
    bare `pytest` run sees the Thai interface as users do."""
    from babel.messages.frontend import CommandLineInterface

    root = Path(__file__).resolve().parent.parent / "translations"
    CommandLineInterface().run(["pybabel", "compile", "--use-fuzzy", "-d", str(root)])


def _app_config(database_url: str, instance: Path) -> dict[str, object]:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-only-secret",
        "TESTING": True,
        "FAST_PASSWORD_HASHING_FOR_TESTS": True,
        # Assertions read English messages; the Thai interface is tested explicitly.
        "WORKFLOW_DEFAULT_LOCALE": "en",
        "WORKFLOW_UPLOAD_DIR": str(instance / "evidence"),
    }


def _migrate(database_url: str, instance: Path) -> None:
    app = create_app(_app_config(database_url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    base = make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL))
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(admin_dsn, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        # Every database test runs on both engines: a missing server is a failure, not a skip.
        pytest.fail(
            f"PostgreSQL is unreachable ({error}). Start it (see README, Two commands) or point "
            "TEST_DATABASE_URL at one."
        )
    name = f"wf_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    _migrate(postgres_server_url, tmp_path_factory.mktemp("pg-migrate"))
    return postgres_server_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    _migrate(f"sqlite:///{path}", folder)
    return path


def reset_postgres(url: str) -> None:
    """Empty every table between tests (faster than a new database each time)."""
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # Replica role: the audit table's append-only triggers do not fire for this clean-up.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(
            text("INSERT INTO audit_chain_head (id, seq, entry_hash) VALUES (1, 0, :h)"),
            {"h": "0" * 64},
        )
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "workflow.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("migrated_postgres")
    reset_postgres(url)
    return url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    instance = tmp_path / "instance"
    application = create_app(_app_config(database_url, instance))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_PATTERN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, username: str, password: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 302, f"login of {username} failed: {response.text[:300]}"
