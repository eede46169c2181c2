"""Fixtures: every database-touching test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (default: the local server's `test` database, from
which a throw-away database is created for this run). An unreachable server fails the run
(`.ci/run` also sets REQUIRE_POSTGRES=1, which says the same).

WORKFLOW_TEST_BACKENDS=sqlite (what `make test-fast` sets) leaves the PostgreSQL half out of
the run: a quick loop while working. `make test` and CI always run both.
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
from sqlalchemy.engine import make_url

from workflow_app import create_app
from workflow_app.db import Base
from workflow_app.extensions import db

ALL_BACKENDS = ("sqlite", "postgresql")
BACKENDS = tuple(
    name
    for name in os.environ.get("WORKFLOW_TEST_BACKENDS", ",".join(ALL_BACKENDS)).split(",")
    if name in ALL_BACKENDS
)
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests pinned to a backend left out of this run (WORKFLOW_TEST_BACKENDS) are deselected."""
    if BACKENDS == ALL_BACKENDS:
        return
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec is not None else None
        (dropped if backend is not None and backend not in BACKENDS else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


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


class PostgresReset:
    """Empties every table between tests on one kept connection, in one round trip.

    DELETE, not TRUNCATE: the tables hold a few dozen rows, and TRUNCATE's cost is per table
    (new files, locks) whatever they hold: about 77 ms for the schema, against a few ms here.
    Sequences restart, so ids count from 1 in every test as they would in a new database. The
    replica role keeps the append-only triggers (and foreign-key checks) out of the clean-up.
    """

    def __init__(self, url: str) -> None:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.connection = psycopg.connect(dsn, autocommit=True)
        sequences = [
            row[0]
            for row in self.connection.execute(
                "SELECT sequence_name FROM information_schema.sequences"
                " WHERE sequence_schema = 'public'"
            )
        ]
        tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
        self.statement = "; ".join(
            [
                "BEGIN",
                "SET LOCAL session_replication_role = replica",
                *(f'DELETE FROM "{table}"' for table in tables),
                *(f'ALTER SEQUENCE "{name}" RESTART' for name in sequences),
                f"INSERT INTO audit_chain_head (id, seq, entry_hash) VALUES (1, 0, '{'0' * 64}')",
                "COMMIT",
            ]
        )

    def __call__(self) -> None:
        self.connection.execute(self.statement.encode())

    def close(self) -> None:
        self.connection.close()


@pytest.fixture(scope="session")
def postgres_reset(migrated_postgres: str) -> Iterator[PostgresReset]:
    reset = PostgresReset(migrated_postgres)
    yield reset
    reset.close()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "workflow.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    request.getfixturevalue("postgres_reset")()
    return request.getfixturevalue("migrated_postgres")


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
