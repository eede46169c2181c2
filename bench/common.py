"""Shared helpers for bench/run.py: throw-away databases, the app, timing, result rows.

Every figure is a ratio against a baseline measured in the same run, with the two interleaved
round by round, because the machine is shared: a neighbour's test suite slows whatever runs at
that moment, and interleaving makes it slow both sides of a ratio alike.
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
BENCH_PASSWORD = "bench-password-1"
SECRET = "bench-only-secret-key-not-for-production-0123456789"


def log(message: str) -> None:
    """Progress on stderr; the table alone goes to stdout."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- results ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One figure of the table. `ratio` is value / baseline (higher is better unless the
    target says otherwise); `met` is None when the figure has no target or was not measured."""

    section: str
    metric: str
    value: str
    baseline: str
    ratio: float | None
    target: str
    met: bool | None
    note: str = ""

    def cells(self) -> list[str]:
        ratio = "—" if self.ratio is None else f"{self.ratio:.2f}×"
        met = {True: "yes", False: "**no**", None: "—"}[self.met]
        return [self.section, self.metric, self.value, self.baseline, ratio, self.target, met]


@dataclass
class Section:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row


def skipped(section: str, metric: str, why: str) -> Row:
    return Row(section, metric, "not measured", "—", None, "—", None, why)


def markdown_table(rows: Sequence[Row]) -> str:
    header = ["section", "figure", "value", "baseline", "ratio", "target", "met"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row.cells()) + " |")
    return "\n".join(lines)


# --- statistics ---------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def fmt_rate(value: float, unit: str = "/s") -> str:
    if value != value:  # NaN
        return "n/a"
    if value >= 100:
        return f"{value:,.0f} {unit}".strip()
    return f"{value:,.1f} {unit}".strip()


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f} ms" if seconds < 0.1 else f"{seconds * 1000:,.0f} ms"


def timed_rate(count: int, run: Callable[[], object]) -> float:
    """Operations per second of one call of `run` that performs `count` operations."""
    started = time.perf_counter()
    run()
    return count / (time.perf_counter() - started)


# --- environment --------------------------------------------------------------------------------


def pg_admin_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG_URL


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def sqlalchemy_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def postgres_problem() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(_libpq(pg_admin_url()), connect_timeout=3, autocommit=True):
            return None
    except Exception as error:  # any failure means "not available" for the report
        return f"PostgreSQL at {pg_admin_url()} unreachable: {error}".splitlines()[0]


def redis_problem(url: str = DEFAULT_REDIS_URL) -> str | None:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return None
    except Exception as error:
        return f"Redis at {url} unreachable: {error}".splitlines()[0]


@contextmanager
def throwaway_postgres(label: str) -> Iterator[str]:
    """A new empty database on the server of pg_admin_url(); dropped (FORCE) afterwards.
    Yields its SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = _libpq(pg_admin_url())
    name = f"wf_bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(sqlalchemy_url(admin)).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_dir(label: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"wf-bench-{label}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def app_config(database_url: str, instance: Path) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": SECRET,
        "WORKFLOW_UPLOAD_DIR": str(instance / "evidence"),
    }


def quiet_transition_log() -> None:
    """perform_action logs one JSON line per transition: keep the work (formatting, a write) but
    send it to /dev/null instead of the terminal."""
    sink = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 (lives with the process)
    sink.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(sink)
    logging.getLogger("workflow_app.requests").propagate = True


def make_app(database_url: str, instance: Path) -> Any:
    from workflow_app import create_app

    return create_app(app_config(database_url, instance))


def migrate(database_url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    from workflow_app.extensions import db

    app = make_app(database_url, instance)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def flask_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "WORKFLOW_INSTANCE_PATH": str(instance),
            "WORKFLOW_UPLOAD_DIR": str(instance / "evidence"),
            "SECRET_KEY": SECRET,
            "PYTHONPATH": str(ROOT),
        }
    )
    env.pop("WORKFLOW_AUDIT_KEY", None)
    env.update(extra)
    return env


def flask_cli(
    args: Sequence[str], database_url: str, instance: Path, *, stdin: str | None = None
) -> str:
    """Run `flask --app workflow_app ARGS` in a child process; returns its stdout."""
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "workflow_app", *args],
        env=flask_env(database_url, instance),
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"flask {' '.join(args)} failed ({completed.returncode}): {completed.stderr[-2000:]}"
        )
    return completed.stdout


def bench_data(
    database_url: str,
    instance: Path,
    *,
    plans: int,
    activities: int,
    levels: int,
    entries: int,
) -> float:
    """`flask db upgrade` then `flask bench-data` into an empty database; returns seconds."""
    started = time.perf_counter()
    flask_cli(["db", "upgrade"], database_url, instance)
    flask_cli(
        [
            "bench-data",
            "--plans",
            str(plans),
            "--activities",
            str(activities),
            "--levels",
            str(levels),
            "--entries",
            str(entries),
        ],
        database_url,
        instance,
    )
    return time.perf_counter() - started


def machine_info() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    dirty = git("status", "--porcelain", "--untracked-files=no")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "commit": git("rev-parse", "HEAD")
        + (" (working tree has uncommitted changes)" if dirty and dirty != "unknown" else ""),
        "python": sys.version.split()[0],
        "load": " ".join(f"{value:.2f}" for value in load),
    }
