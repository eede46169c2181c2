"""Section 3: `audit verify` (verify_log) over a large log, each measurement in a child process.

The verify child reports the wall time of `verify_log` on the database and its peak RSS
(resource.getrusage, so everything the process ever held, the application included).

The baseline is what a bare script does to re-hash the stored log, without the application: read
(seq, body) in seq order from the same database with the raw driver, in the fastest
straightforward way for that driver (psycopg 3: a binary server-side cursor read in batches;
sqlite3: its cursor, in batches), and SHA-256 each body chained to the previous hash, timed end to
end (connect, fetch, hash) in one process. It checks nothing but that the last hash is the stored
head's. verify_log reads the same rows plus both hash columns and checks far more (seq order,
every link, the body stating its seq and prev, the signed checkpoints); the target is half the
bare rate.

The bare child also times its hashing alone, of bodies already fetched: the section's baseline
before the fetch was counted. The verifier against that figure is reported with no target, for
what verifying costs on top of the one thing no verifier can avoid.

Runs as a script for the children: `python bench/verify.py verify DATABASE_URL INSTANCE` and
`python bench/verify.py rehash DATABASE_URL`.
"""

from __future__ import annotations

import hashlib
import json
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import ROOT, Row, Section, fmt_rate, log, median

# Rows per fetch of the bare script: the fastest of 500-20,000 measured on the bench machine.
_BARE_BATCH = 2_000


def _child_verify(database_url: str, instance: str) -> dict[str, Any]:
    from common import make_app

    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    app = make_app(database_url, Path(instance))
    from workflow_app.audit.verification import verify_log
    from workflow_app.extensions import db

    with app.app_context():
        loaded_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        cpu = time.process_time()
        report = verify_log(db.session)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        db.session.remove()
        db.engine.dispose()
    return {
        "ok": report.ok,
        "count": report.count,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "interpreter_rss_kib": baseline_rss,
        "app_loaded_rss_kib": loaded_rss,
    }


def _log_opener(database_url: str) -> Callable[[], tuple[Any, Any]]:
    """What opens a raw driver connection and the cursor a bare script streams the log with.
    The driver is imported now, before any clock starts, as verify_log's is with the application
    (and only in this child: the verifying child's RSS must not count a driver it does not use)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = url.database or ""

        def open_sqlite() -> tuple[Any, Any]:
            connection = sqlite3.connect(path)
            return connection, connection.cursor()

        return open_sqlite
    import psycopg

    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)

    def open_postgres() -> tuple[Any, Any]:
        connection = psycopg.connect(dsn)
        # Server-side: constant memory. Binary: bytea arrives as bytes, not as hex text to decode.
        return connection, connection.cursor(name="bare_rehash", binary=True)

    return open_postgres


def _child_rehash(database_url: str) -> dict[str, Any]:
    """Bare re-hash of the stored log, end to end; its hashing is also timed on its own."""
    sha256 = hashlib.sha256
    last = bytes(32)
    count = 0
    hashing = 0.0
    open_log = _log_opener(database_url)
    started = time.perf_counter()
    connection, cursor = open_log()
    cursor.execute("SELECT seq, body FROM audit_entries ORDER BY seq")
    while batch := cursor.fetchmany(_BARE_BATCH):
        begun = time.perf_counter()
        for _seq, body in batch:
            last = sha256(last + body).digest()
        hashing += time.perf_counter() - begun
        count += len(batch)
    cursor.close()
    seconds = time.perf_counter() - started
    head = connection.execute(
        "SELECT entry_hash FROM audit_entries ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    connection.close()
    if head is not None and head[0] != last.hex():
        raise AssertionError("the log does not re-hash to its stored head")
    return {"count": count, "seconds": seconds, "hash_seconds": hashing}


def _run_child(*args: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"verify child failed: {completed.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def measure(database_url: str, instance: Path, label: str, rounds: int) -> Section:
    """`rounds` alternating (re-hash, verify) child runs; medians and the median ratio."""
    section = Section()
    name = f"3. audit verify ({label})"
    verifies: list[dict[str, Any]] = []
    rehashes: list[dict[str, Any]] = []
    # Untimed: the first read after the bulk load sets PostgreSQL's hint bits and fills the
    # caches, and whichever side ran first would pay for it.
    _run_child("rehash", database_url)
    for round_number in range(rounds):
        log(f"section 3 ({label}): round {round_number + 1}/{rounds}")
        rehashes.append(_run_child("rehash", database_url))
        verifies.append(_run_child("verify", database_url, str(instance)))
    rates = [v["count"] / v["seconds"] for v in verifies]
    bare = [r["count"] / r["seconds"] for r in rehashes]
    hashing = [r["count"] / r["hash_seconds"] for r in rehashes]
    ratio = median([v / b for v, b in zip(rates, bare, strict=True)])
    peak = max(v["peak_rss_kib"] for v in verifies) / 1024
    loaded = median([v["app_loaded_rss_kib"] for v in verifies]) / 1024
    count = verifies[-1]["count"]
    ok = all(v["ok"] for v in verifies)
    cpu_rate = median([v["count"] / v["cpu_seconds"] for v in verifies])
    section.add(
        Row(
            name,
            f"verify_log entries/s ({count:,} entries, ok={ok})",
            fmt_rate(median(rates), "entries/s"),
            "bare re-hash (fetch + hash) " + fmt_rate(median(bare), "entries/s"),
            ratio,
            "≥ 0.5×",
            ratio >= 0.5 and ok,
            f"verifier process CPU: {fmt_rate(cpu_rate, 'entries/s')}",
        )
    )
    section.add(
        Row(
            name,
            "verify_log vs hashing alone (bodies already fetched)",
            fmt_rate(median(rates), "entries/s"),
            "hashing alone " + fmt_rate(median(hashing), "entries/s"),
            median([v / h for v, h in zip(rates, hashing, strict=True)]),
            "—",
            None,
        )
    )
    section.add(
        Row(
            name,
            "peak RSS of the verifying process",
            f"{peak:,.0f} MB",
            f"app loaded, before verifying: {loaded:,.0f} MB",
            peak / loaded if loaded else None,
            "< 150 MB",
            peak < 150,
        )
    )
    driver = (
        "sqlite3 cursor" if label.startswith("SQLite") else "psycopg 3 binary server-side cursor"
    )
    section.notes.append(
        f"Section 3 ({label}): the baseline is a bare script's re-hash of the stored log, timed "
        f"end to end: (seq, body) in seq order through the raw driver ({driver}, batches of "
        f"{_BARE_BATCH:,}), SHA-256 of each body chained to the previous hash. "
        "verify_log also reads both hash columns and checks order, links, the body's own seq "
        "and prev, and the checkpoints. `hashing alone` is the hashing part of that script (the "
        f"earlier baseline), for information. {rounds} interleaved round(s), medians."
    )
    return section


def main(argv: list[str]) -> None:
    if argv[0] == "verify":
        print(json.dumps(_child_verify(argv[1], argv[2])))
    elif argv[0] == "rehash":
        print(json.dumps(_child_rehash(argv[1])))
    else:
        raise SystemExit(f"unknown child command {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
