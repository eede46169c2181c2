"""Section 3: `audit verify` (verify_log) over a large log, in a child process.

The child reports the wall time of `verify_log` on the database and its peak RSS
(resource.getrusage, so everything the process ever held, the application included). The
baseline is the bare re-hash loop over the same bodies, read from the same database in the same
run: only the hashing is timed there, so the ratio says what the verifier costs on top of the
one thing it cannot avoid.

Runs as a script for the child: `python bench/verify.py child DATABASE_URL INSTANCE`.
"""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import ROOT, Row, Section, fmt_rate, log, median


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


def _child_rehash(database_url: str) -> dict[str, Any]:
    """Bare re-hash of the same bodies: fetched in batches (untimed), hashed (timed)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    sha256 = hashlib.sha256
    hashing = 0.0
    count = 0
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=20_000).execute(
            text("SELECT body, prev_hash, entry_hash FROM audit_entries ORDER BY seq")
        )
        for batch in result.partitions():
            rows = [(bytes(body), prev, entry) for body, prev, entry in batch]
            started = time.perf_counter()
            for body, prev, entry in rows:
                if sha256(bytes.fromhex(prev) + body).hexdigest() != entry:
                    raise AssertionError("the log does not re-hash")
            hashing += time.perf_counter() - started
            count += len(rows)
    engine.dispose()
    return {"count": count, "seconds": hashing}


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
    for round_number in range(rounds):
        log(f"section 3 ({label}): round {round_number + 1}/{rounds}")
        rehashes.append(_run_child("rehash", database_url))
        verifies.append(_run_child("verify", database_url, str(instance)))
    rates = [v["count"] / v["seconds"] for v in verifies]
    bare = [r["count"] / r["seconds"] for r in rehashes]
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
            "bare re-hash " + fmt_rate(median(bare), "entries/s"),
            ratio,
            "≥ 0.5×",
            ratio >= 0.5 and ok,
            f"verifier process CPU: {fmt_rate(cpu_rate, 'entries/s')}",
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
