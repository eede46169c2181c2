"""Section 5: importing the seed plan (workflow_app/sample_data/asean_fy2568.txt).

* parse: `parse_plan_bytes` of the file's bytes, per document;
* parse+load: what `flask plan import` does after start-up (read, parse, `load_plan` in one
  transaction with its audit entry), into a freshly migrated database each time (a copy of a
  migrated SQLite file; a PostgreSQL database made from a migrated template). One app and engine
  serve every iteration, and the new database is connected before the clock starts, as in a
  long-running server; the first iteration is a warm-up.

Baseline: reading the file and hashing it with SHA-256, interleaved with the measured runs.
"""

from __future__ import annotations

import hashlib
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from common import (
    Row,
    Section,
    log,
    make_app,
    median,
    migrate,
    pg_admin_url,
    scratch_dir,
    throwaway_postgres,
)

SEED = Path(__file__).resolve().parents[1] / "workflow_app" / "sample_data" / "asean_fy2568.txt"


def _baseline() -> None:
    hashlib.sha256(SEED.read_bytes()).hexdigest()


def _parse() -> None:
    from workflow_app.plans.importer import parse_plan_bytes

    parse_plan_bytes(SEED.read_bytes())


def _import(session: object) -> None:
    from workflow_app.audit.append import AuditActor
    from workflow_app.plans.importer import parse_plan_bytes
    from workflow_app.plans.loader import load_plan

    data = SEED.read_bytes()
    document = parse_plan_bytes(data)
    result = load_plan(
        session,  # type: ignore[arg-type]
        document,
        source_text=data.decode("utf-8-sig"),
        source_name=SEED.name,
        actor=AuditActor.system("bench"),
    )
    assert result.created


def _clock(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds >= 0.001 else f"{seconds * 1e6:,.0f} µs"


def _row(label: str, times: list[float], bases: list[float]) -> Row:
    """Value: the best of the runs (a shared machine only ever makes a run slower, as in
    bench/bench_verify_core.py), judged against the absolute target; the median is noted."""
    best = min(times)
    return Row(
        "5. plan import (seed)",
        label,
        _fmt(best),
        "read+sha256 " + _fmt(min(bases)),
        median([t / b for t, b in zip(times, bases, strict=True)]),
        "< 100 ms (best of runs); ratio = × baseline time",
        best < 0.1,
        f"best of {len(times)}; median {_fmt(median(times))}",
    )


def _load_loop(
    prepare: Callable[[int], None], session_factory: Callable[[], object], iterations: int
) -> tuple[list[float], list[float]]:
    from sqlalchemy import text

    times: list[float] = []
    bases: list[float] = []
    for index in range(iterations + 1):
        prepare(index)
        session = session_factory()
        session.execute(text("SELECT 1"))  # type: ignore[attr-defined]
        session.rollback()  # type: ignore[attr-defined]
        base = _clock(_baseline)
        took = _clock(lambda session=session: _import(session))  # type: ignore[misc]
        if index:  # the first one warms the statement caches
            times.append(took)
            bases.append(base)
    return times, bases


def measure(*, quick: bool, postgres: str | None) -> Section:
    section = Section()
    iterations = 5 if quick else 15
    times: list[float] = []
    bases: list[float] = []
    _parse()
    for _ in range(iterations * 3):
        bases.append(_clock(_baseline))
        times.append(_clock(_parse))
    section.add(_row("parse per document", times, bases))

    from workflow_app.extensions import db

    with scratch_dir("s5-sqlite") as folder:
        log("section 5: parse+load on SQLite")
        template = folder / "template.sqlite3"
        migrate(f"sqlite:///{template}", folder)
        path = folder / "import.sqlite3"
        app = make_app(f"sqlite:///{path}", folder)
        with app.app_context():

            def fresh_sqlite(_index: int) -> None:
                db.session.remove()
                db.engine.dispose()
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                shutil.copyfile(template, path)

            times, bases = _load_loop(fresh_sqlite, lambda: db.session, iterations)
            db.session.remove()
            db.engine.dispose()
        section.add(_row("parse+load, SQLite (FULL)", times, bases))

    if postgres is not None:
        from common import skipped

        section.add(skipped("5. plan import (seed)", "parse+load, PostgreSQL", postgres))
        return section
    import psycopg
    from sqlalchemy.engine import make_url

    admin = pg_admin_url().replace("postgresql+psycopg://", "postgresql://", 1)
    with throwaway_postgres("s5tmpl") as template_url, scratch_dir("s5-pg") as folder:
        log("section 5: parse+load on PostgreSQL")
        migrate(template_url, folder)
        template_name = make_url(template_url).database
        name = f"wf_bench_s5_{uuid.uuid4().hex[:8]}"
        target = make_url(template_url).set(database=name).render_as_string(hide_password=False)

        def recreate(drop_only: bool = False) -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                if not drop_only:
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')

        recreate()
        app = make_app(target, folder)
        try:
            with app.app_context():

                def fresh_pg(_index: int) -> None:
                    db.session.remove()
                    db.engine.dispose()
                    recreate()

                times, bases = _load_loop(fresh_pg, lambda: db.session, iterations)
                db.session.remove()
                db.engine.dispose()
        finally:
            recreate(drop_only=True)
        section.add(_row("parse+load, PostgreSQL", times, bases))
    return section
