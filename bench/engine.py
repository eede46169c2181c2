"""Sections 1 and 2: workflow transitions through `perform_action` against bare transactions.

Section 1 (one process, one connection), on SQLite (WAL, synchronous=FULL) and PostgreSQL:

* raw: the driver alone (sqlite3 / psycopg), one transaction that reads and updates a head row
  and inserts an audit-like row whose SHA-256 chains to the previous one (scratch tables);
* orm: the same through the ORM, one Session transaction (`write_transaction`, so SQLite takes
  BEGIN IMMEDIATE like the engine does);
* engine: `perform_action` cycling submit (narrative and a small, distinct PDF) → forward →
  approve over the activities of a `flask bench-data` database.

The three are interleaved round by round; each ratio is the median of the per-round ratios.

Section 2: N worker processes (spawn, each its own app and engine) on PostgreSQL, each driving
its own activities, so the only shared lock is the audit chain head. Baseline: the bare locked
transaction (head row FOR UPDATE, update it, insert the hashed row, commit) with the same N.
The chain is verified at the end (`verify_log`: no gap, no fork, the count adds up).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import multiprocessing
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from common import (
    Row,
    Section,
    bench_data,
    fmt_ms,
    fmt_rate,
    log,
    median,
    percentile,
    quiet_transition_log,
    scratch_dir,
    throwaway_postgres,
)
from sqlalchemy import BigInteger, Integer, LargeBinary, String, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, selectinload

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GENESIS = "0" * 64
# Dataset for the transition benchmarks: 20 levels per activity leave 11..20 cycles in each.
DATA_LEVELS = 20


# --- scratch tables (never the real audit table) -------------------------------------------------


class ScratchBase(DeclarativeBase):
    pass


class ScratchHead(ScratchBase):
    __tablename__ = "bench_scratch_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    entry_hash: Mapped[str] = mapped_column(String(64))


class ScratchLog(ScratchBase):
    __tablename__ = "bench_scratch_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


def create_scratch(session: Session) -> None:
    ScratchBase.metadata.create_all(session.get_bind())
    session.execute(
        text("INSERT INTO bench_scratch_head (id, seq, entry_hash) VALUES (1, 0, :h)"),
        {"h": GENESIS},
    )
    session.commit()


def scratch_body(seq: int, prev: str) -> bytes:
    """An audit-like canonical body (about the size of a workflow entry's)."""
    return json.dumps(
        {
            "v": 1,
            "seq": seq,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
            "actor": {"id": 1, "username": "bench_officer", "roles": ["officer@1"]},
            "action": "workflow.submit",
            "subject": {"plan_id": 1, "activity_id": 1, "code": "1.1.1", "level": 1},
            "from_state": "open",
            "to_state": "submitted",
            "payload": {"comment": "ข้อมูลทดสอบสำหรับวัดความเร็ว"},
            "prev": prev,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def chained(prev: str, body: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev) + body).hexdigest()


class RawSqlite:
    """Baseline (a) on SQLite: sqlite3 with the application's pragmas and BEGIN IMMEDIATE."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")

    def once(self) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            seq, prev = conn.execute(
                "SELECT seq, entry_hash FROM bench_scratch_head WHERE id = 1"
            ).fetchone()
            body = scratch_body(seq + 1, prev)
            digest = chained(prev, body)
            conn.execute(
                "UPDATE bench_scratch_head SET seq = ?, entry_hash = ? WHERE id = 1",
                (seq + 1, digest),
            )
            conn.execute(
                "INSERT INTO bench_scratch_log (seq, body, prev_hash, entry_hash) "
                "VALUES (?, ?, ?, ?)",
                (seq + 1, body, prev, digest),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.conn.close()


class RawPostgres:
    """Baseline (a) on PostgreSQL, and section 2's bare locked transaction: psycopg alone."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))

    def once(self) -> None:
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("SELECT seq, entry_hash FROM bench_scratch_head WHERE id = 1 FOR UPDATE")
            row = cur.fetchone()
            assert row is not None
            seq, prev = row
            body = scratch_body(seq + 1, prev)
            digest = chained(prev, body)
            cur.execute(
                "UPDATE bench_scratch_head SET seq = %s, entry_hash = %s WHERE id = 1",
                (seq + 1, digest),
            )
            cur.execute(
                "INSERT INTO bench_scratch_log (seq, body, prev_hash, entry_hash) "
                "VALUES (%s, %s, %s, %s)",
                (seq + 1, body, prev, digest),
            )

    def close(self) -> None:
        self.conn.close()


class OrmMinimal:
    """Baseline (b): the same transaction through the ORM, on the application's own session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def once(self) -> None:
        from workflow_app.db import write_transaction

        session = self.session
        with write_transaction(session):
            head = session.scalars(
                select(ScratchHead).where(ScratchHead.id == 1).with_for_update()
            ).one()
            body = scratch_body(head.seq + 1, head.entry_hash)
            digest = chained(head.entry_hash, body)
            prev = head.entry_hash
            session.add(ScratchLog(seq=head.seq + 1, body=body, prev_hash=prev, entry_hash=digest))
            head.seq += 1
            head.entry_hash = digest


# --- the engine -------------------------------------------------------------------------------


class EngineDriver:
    """Fires submit → forward → approve on one activity after another through `perform_action`,
    each activity until it is completed. One call of `once` is one transition."""

    NEXT: ClassVar[dict[str, str]] = {
        "open": "submit",
        "submitted": "forward",
        "forwarded": "approve",
    }
    ACTOR: ClassVar[dict[str, str]] = {
        "submit": "bench_officer",
        "forward": "bench_reviewer",
        "approve": "bench_head",
    }

    def __init__(self, session: Session, activity_ids: list[int], store: Any, salt: str) -> None:
        from workflow_app.accounts.models import User
        from workflow_app.plans.models import Activity

        self.session = session
        self.store = store
        self.salt = salt.encode()
        # Loaded once with their grants and detached, as a request's login loader hands the
        # user to the engine: loading the user is the request's cost, not the transition's.
        self.users = {
            name: session.scalars(
                select(User)
                .where(User.username == name)
                .options(selectinload(User.role_assignments))
            ).one()
            for name in set(self.ACTOR.values())
        }
        for user in self.users.values():
            session.expunge(user)
        states = dict(
            session.execute(
                select(Activity.id, Activity.state).where(
                    Activity.id.in_(activity_ids), Activity.state != "completed"
                )
            ).all()
        )
        session.rollback()
        self.queue = [
            (activity_id, states[activity_id])
            for activity_id in activity_ids
            if activity_id in states
        ]
        self.index = 0
        self.done = 0

    def remaining(self) -> bool:
        return self.index < len(self.queue)

    def once(self) -> None:
        from state_machines import Action
        from workflow_app.workflow.operations import ActionRequest, FileUpload, perform_action

        if not self.remaining():
            raise RuntimeError("the benchmark ran out of open activities: use a bigger dataset")
        activity_id, state = self.queue[self.index]
        action = self.NEXT[state]
        user = self.users[self.ACTOR[action]]
        if action == "submit":
            extra = b"%% bench " + self.salt + b" " + str(self.done).encode() + b"\n"
            request = ActionRequest(
                action=Action.SUBMIT,
                narrative="ดำเนินการตามแผนแล้ว แนบรายงานผลการดำเนินงาน",
                files=[FileUpload(io.BytesIO(PDF_BYTES + extra), "รายงานผล.pdf")],
            )
        else:
            request = ActionRequest(action=Action(action))
        outcome = perform_action(
            self.session, user=user, activity_id=activity_id, request=request, store=self.store
        )
        self.done += 1
        if outcome.to_state == "completed":
            self.index += 1
        else:
            self.queue[self.index] = (activity_id, outcome.to_state)


def open_activity_ids(session: Session) -> list[int]:
    from workflow_app.plans.models import Activity

    ids = list(
        session.scalars(
            select(Activity.id).where(Activity.state != "completed").order_by(Activity.id)
        )
    )
    session.rollback()
    return ids


# --- section 1 ----------------------------------------------------------------------------------


@dataclass
class Trio:
    raw: list[float]
    orm: list[float]
    engine: list[float]
    cpu: dict[str, list[float]]


def _batch(once: Callable[[], None], seconds: float, cap: int, cpu: list[float]) -> float:
    """Run `once` until `seconds` have passed (at least 3, at most `cap` times); ops/s. The
    process CPU time per operation is appended to `cpu` (less sensitive to a busy machine)."""
    count = 0
    started = time.perf_counter()
    cpu_started = time.process_time()
    elapsed = 0.0
    while count < cap and (count < 3 or elapsed < seconds):
        once()
        count += 1
        elapsed = time.perf_counter() - started
    cpu.append((time.process_time() - cpu_started) / count)
    return count / elapsed


def _measure_single(
    database_url: str, instance: Path, raw_factory: Callable[[], Any], rounds: int, seconds: float
) -> Trio:
    from common import make_app

    from workflow_app.evidence.app_store import evidence_store
    from workflow_app.extensions import db

    app = make_app(database_url, instance)
    with app.app_context():
        create_scratch(db.session)
        raw = raw_factory()
        orm = OrmMinimal(db.session)
        engine = EngineDriver(db.session, open_activity_ids(db.session), evidence_store(), "s1")
        subjects: list[tuple[str, Callable[[], None]]] = [
            ("raw", raw.once),
            ("orm", orm.once),
            ("engine", engine.once),
        ]
        trio = Trio([], [], [], {name: [] for name, _ in subjects})
        for _name, once in subjects:  # warm-up: connections, caches, compiled statements
            _batch(once, 0.1, 6, [])
        for round_number in range(rounds):
            # Rotate the order so that no subject always runs first after a pause.
            order = subjects[round_number % 3 :] + subjects[: round_number % 3]
            for name, once in order:
                getattr(trio, name).append(_batch(once, seconds, 5_000, trio.cpu[name]))
        raw.close()
        db.session.remove()
        db.engine.dispose()
    return trio


def _section1_rows(section: Section, label: str, trio: Trio, aim: str) -> None:
    engine_vs_orm = median([e / o for e, o in zip(trio.engine, trio.orm, strict=True)])
    engine_vs_raw = median([e / r for e, r in zip(trio.engine, trio.raw, strict=True)])
    orm_vs_raw = median([o / r for o, r in zip(trio.orm, trio.raw, strict=True)])
    name = f"1. transitions ({label})"
    cpu = {key: median(values) * 1000 for key, values in trio.cpu.items()}
    section.notes.append(
        f"Section 1 {label}: client CPU per operation: engine {cpu['engine']:.2f} ms, "
        f"ORM minimal {cpu['orm']:.2f} ms, raw {cpu['raw']:.2f} ms "
        f"(engine/ORM CPU {cpu['engine'] / cpu['orm']:.1f}×)."
    )
    section.add(
        Row(
            name,
            "engine vs ORM minimal",
            fmt_rate(median(trio.engine), "tr/s"),
            "ORM " + fmt_rate(median(trio.orm), "tx/s"),
            engine_vs_orm,
            aim,
            engine_vs_orm >= 0.5,
        )
    )
    section.add(
        Row(
            name,
            "engine vs raw driver",
            fmt_rate(median(trio.engine), "tr/s"),
            "raw " + fmt_rate(median(trio.raw), "tx/s"),
            engine_vs_raw,
            "—",
            None,
        )
    )
    section.add(
        Row(
            name,
            "ORM minimal vs raw driver",
            fmt_rate(median(trio.orm), "tx/s"),
            "raw " + fmt_rate(median(trio.raw), "tx/s"),
            orm_vs_raw,
            "—",
            None,
        )
    )


def section1(*, quick: bool, postgres: str | None) -> Section:
    """`postgres`: None when the server is usable, else why it is not."""
    section = Section()
    rounds, seconds = (3, 0.5) if quick else (7, 1.5)
    plans = 10 if quick else 20
    quiet_transition_log()
    with scratch_dir("s1-sqlite") as folder:
        path = folder / "bench.sqlite3"
        url = f"sqlite:///{path}"
        log("section 1: SQLite dataset")
        bench_data(url, folder, plans=plans, activities=10, levels=DATA_LEVELS, entries=1000)
        log("section 1: SQLite transitions (raw / ORM / engine, interleaved)")
        trio = _measure_single(url, folder, lambda: RawSqlite(path), rounds, seconds)
        _section1_rows(section, "SQLite FULL", trio, "≥ 0.5× (aim 0.8×)")
    if postgres is not None:
        from common import skipped

        section.add(skipped("1. transitions (PostgreSQL)", "engine vs ORM minimal", postgres))
        return section
    with throwaway_postgres("s1") as url, scratch_dir("s1-pg") as folder:
        log("section 1: PostgreSQL dataset")
        bench_data(url, folder, plans=plans, activities=10, levels=DATA_LEVELS, entries=1000)
        log("section 1: PostgreSQL transitions (raw / ORM / engine, interleaved)")
        trio = _measure_single(url, folder, lambda: RawPostgres(url), rounds, seconds)
        _section1_rows(section, "PostgreSQL, 1 conn", trio, "≥ 0.5×")
    section.notes.append(
        f"Section 1: {rounds} interleaved rounds of ≥{seconds} s per subject; figures are medians, "
        "ratios the median of per-round ratios. One engine transition is one `perform_action` "
        "call (submit with narrative and a distinct ~60-byte PDF, forward, approve in turn) for "
        "users loaded once with their grants, as a request's login loader hands them over; a "
        "baseline transaction reads+updates a head row and inserts one SHA-256-chained row into "
        "scratch tables of the same database."
    )
    return section


# --- section 2 ----------------------------------------------------------------------------------


@dataclass
class WorkerResult:
    window: int
    kind: str
    ops: int
    first_start: float
    last_end: float
    latencies: list[float]
    error: str | None = None


# Each process measures both kinds, ABBA, in windows that start together after a barrier: the
# two kinds share the machine's state as closely as a shared machine allows.
SCHEDULE = ("bare", "engine", "engine", "bare")


def worker_main(
    database_url: str,
    instance: str,
    activity_ids: list[int],
    barrier: Any,
    seconds: float,
    results: Any,
    salt: str,
) -> None:
    """One worker process: its own app and engine, and its own psycopg connection for the bare
    locked transaction."""
    window = -1
    try:
        quiet_transition_log()
        from common import make_app

        from workflow_app.evidence.app_store import evidence_store
        from workflow_app.extensions import db

        app = make_app(database_url, Path(instance))
        context = app.app_context()
        context.push()
        driver = EngineDriver(db.session, activity_ids, evidence_store(), salt)
        raw = RawPostgres(database_url)
        runs: dict[str, Callable[[], None]] = {"engine": driver.once, "bare": raw.once}
        for once in runs.values():  # warm-up outside the measured windows
            once()
        for window, kind in enumerate(SCHEDULE):
            once = runs[kind]
            latencies: list[float] = []
            barrier.wait(timeout=600)
            started = time.perf_counter()
            deadline = started + seconds
            last = started
            count = 0
            while count < 100_000:
                before = time.perf_counter()
                if before >= deadline:
                    break
                once()
                last = time.perf_counter()
                latencies.append(last - before)
                count += 1
            results.put(WorkerResult(window, kind, count, started, last, latencies))
        raw.close()
        db.session.remove()
        db.engine.dispose()
        context.pop()
    except BaseException as error:  # reported to the parent, never silently lost
        results.put(
            WorkerResult(window, "error", 0, 0.0, 0.0, [], f"{type(error).__name__}: {error}")
        )
        with contextlib.suppress(Exception):
            barrier.abort()


@dataclass
class Concurrent:
    workers: int
    throughput: float
    p50: float
    p99: float
    ops: int


def _run_concurrent(
    workers: int,
    database_url: str,
    instance: Path,
    activity_ids: list[int],
    seconds: float,
    salt: str,
) -> dict[str, Concurrent]:
    """Both kinds at this concurrency: throughput = mean over its windows of (all operations
    / the window's wall time); latencies pooled over its windows."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(workers)
    results = ctx.Queue()
    shares = [activity_ids[index::workers] for index in range(workers)]
    processes = [
        ctx.Process(
            target=worker_main,
            args=(
                database_url,
                str(instance),
                shares[index],
                barrier,
                seconds,
                results,
                f"{salt}-{index}",
            ),
        )
        for index in range(workers)
    ]
    for process in processes:
        process.start()
    collected: list[WorkerResult] = []
    try:
        while len(collected) < workers * len(SCHEDULE):
            result = results.get(timeout=900)
            if result.error:
                raise RuntimeError(f"a worker failed: {result.error}")
            collected.append(result)
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    outcome: dict[str, Concurrent] = {}
    for kind in set(SCHEDULE):
        rates: list[float] = []
        latencies: list[float] = []
        total = 0
        for window in (index for index, name in enumerate(SCHEDULE) if name == kind):
            parts = [result for result in collected if result.window == window]
            ops = sum(result.ops for result in parts)
            span = max(r.last_end for r in parts) - min(r.first_start for r in parts)
            rates.append(ops / span)
            latencies += [value for result in parts for value in result.latencies]
            total += ops
        outcome[kind] = Concurrent(
            workers,
            sum(rates) / len(rates),
            percentile(latencies, 50),
            percentile(latencies, 99),
            total,
        )
    return outcome


def section2(*, quick: bool, postgres: str | None, levels: list[int]) -> Section:
    section = Section()
    name = "2. PostgreSQL, N processes"
    if postgres is not None:
        from common import skipped

        section.add(skipped(name, "scaling", postgres))
        return section
    seconds = 1.5 if quick else 3.0
    plans = 30 if quick else 60
    with throwaway_postgres("s2") as url, scratch_dir("s2") as folder:
        log("section 2: PostgreSQL dataset")
        bench_data(url, folder, plans=plans, activities=10, levels=DATA_LEVELS, entries=1000)
        from common import make_app

        from workflow_app.extensions import db

        app = make_app(url, folder)
        with app.app_context():
            create_scratch(db.session)
            activity_ids = open_activity_ids(db.session)
            db.session.remove()
            db.engine.dispose()
        engine_runs: dict[int, Concurrent] = {}
        bare_runs: dict[int, Concurrent] = {}
        for workers in levels:
            log(f"section 2: {workers} processes, windows {'/'.join(SCHEDULE)} of {seconds} s")
            runs = _run_concurrent(workers, url, folder, activity_ids, seconds, f"s2-{workers}")
            engine_runs[workers], bare_runs[workers] = runs["engine"], runs["bare"]
        log("section 2: verifying the chain")
        with app.app_context():
            from workflow_app.audit.models import AuditChainHead
            from workflow_app.audit.verification import verify_log

            report = verify_log(db.session)
            head = db.session.get(AuditChainHead, 1)
            head_seq = head.seq if head is not None else -1
            db.session.remove()
            db.engine.dispose()
        expected = 1000 + sum(run.ops for run in engine_runs.values()) + sum_warmups(engine_runs)
    base = levels[0]
    for workers in levels:
        engine, bare = engine_runs[workers], bare_runs[workers]
        engine_scale = engine.throughput / engine_runs[base].throughput
        bare_scale = bare.throughput / bare_runs[base].throughput
        section.add(
            Row(
                name,
                f"N={workers} engine throughput",
                fmt_rate(engine.throughput, "tr/s"),
                "bare " + fmt_rate(bare.throughput, "tx/s"),
                engine.throughput / bare.throughput,
                "—",
                None,
            )
        )
        section.add(
            Row(
                name,
                f"N={workers} engine p50 / p99 latency",
                f"{fmt_ms(engine.p50)} / {fmt_ms(engine.p99)}",
                f"bare {fmt_ms(bare.p50)} / {fmt_ms(bare.p99)}",
                bare.p99 / engine.p99 if engine.p99 else None,
                "—",
                None,
                "ratio = bare p99 / engine p99",
            )
        )
        if workers != base:
            relative = engine_scale / bare_scale
            section.add(
                Row(
                    name,
                    f"N={workers} scaling ×{engine_scale:.2f} vs 1 process",
                    f"engine ×{engine_scale:.2f}",
                    f"bare ×{bare_scale:.2f}",
                    relative,
                    "≥ 0.9× (as well as bare)",
                    relative >= 0.9,
                )
            )
    ok = report.ok and report.count == head_seq == expected
    section.add(
        Row(
            name,
            "chain verify after the runs",
            f"ok={report.ok}, {report.count:,} entries",
            f"head seq {head_seq:,}, expected {expected:,}",
            None,
            "ok, no gap/fork, count matches",
            ok,
            "" if report.problem is None else str(report.problem.as_dict()),
        )
    )
    section.notes.append(
        f"Section 2: the same N processes measure both, in windows {'/'.join(SCHEDULE)} of "
        f"{seconds} s that start together after a barrier; every process has its own activities "
        "(only the audit chain head is shared); throughput = all operations / window, mean of "
        "the two windows; latencies pooled; "
        "scaling ratio = (engine N / engine 1) ÷ (bare N / bare 1), 0.9 allows for noise. "
        f"On {multiprocessing.cpu_count()} cores, N > cores measures lock hand-off under "
        "oversubscription, not parallel speed-up."
    )
    return section


def sum_warmups(runs: dict[int, Concurrent]) -> int:
    """Each engine worker fires one warm-up transition before the barrier."""
    return sum(workers for workers in runs)
