"""Section 6: a transition's latency with notifications on and the mail server hanging, against
the same transition with no mail configured.

The mail server accepts connections and never answers (not even its greeting). An outbox
worker (`flask notify worker`) runs against it the whole time: it reads the committed decisions,
queues their e-mails and sits in an SMTP timeout while the transitions run. A transition does
the same work in both modes (its decision is what the worker reads); the figure shows that
neither the setting nor the hanging server reaches it. Both modes run through `perform_action`
on the same application, interleaved round by round; each figure is the median latency of a
round's transitions, and the ratio the median of the per-round ratios.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import (
    ROOT,
    Row,
    Section,
    bench_data,
    flask_env,
    fmt_ms,
    log,
    make_app,
    median,
    quiet_transition_log,
    scratch_dir,
    throwaway_postgres,
)
from engine import DATA_LEVELS, EngineDriver, open_activity_ids
from sqlalchemy import text


class HangingMailServer:
    """Accepts every connection and says nothing, ever."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                self.accepted.append(self.listener.accept()[0])
            except TimeoutError:
                continue

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        for connection in self.accepted:
            connection.close()
        self.listener.close()


def _round(driver: EngineDriver, count: int) -> float:
    """Median latency of `count` transitions, in seconds."""
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        driver.once()
        latencies.append(time.perf_counter() - started)
    return median(latencies)


def _measure(url: str, folder: Path, label: str, rounds: int, per_round: int) -> list[Row]:
    from workflow_app.evidence.app_store import evidence_store
    from workflow_app.extensions import db

    server = HangingMailServer()
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(server.port), "MAIL_TIMEOUT_SECONDS": "10"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "workflow_app", "notify", "worker"],
        env=flask_env(url, folder, **mail),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app = make_app(url, folder)
    quiet = {"none": [], "hanging": []}  # type: dict[str, list[float]]
    try:
        with app.app_context():
            # Everyone has an address, so every notified transition has someone to tell.
            db.session.execute(text("UPDATE users SET email = username || '@example.go.th'"))
            db.session.commit()
            driver = EngineDriver(db.session, open_activity_ids(db.session), evidence_store(), "s6")
            modes = {
                "none": {"MAIL_SERVER": None},
                "hanging": {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port},
            }
            for config in modes.values():  # warm-up
                app.config.update(config)
                _round(driver, 6)
            for number in range(rounds):
                order = list(modes) if number % 2 == 0 else list(reversed(modes))
                for mode in order:
                    app.config.update(modes[mode])
                    quiet[mode].append(_round(driver, per_round))
            jobs = db.session.execute(text("SELECT count(*) FROM outbox_jobs")).scalar_one()
            db.session.remove()
            db.engine.dispose()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()  # it is in the hanging server's timeout: that is the point
            worker.wait()
        reached = len(server.accepted)
        server.close()
    ratio = median([h / n for h, n in zip(quiet["hanging"], quiet["none"], strict=True)])
    name = f"6. notifications ({label})"
    return [
        Row(
            name,
            "transition p50, mail server hanging vs no mail configured",
            fmt_ms(median(quiet["hanging"])),
            "no mail " + fmt_ms(median(quiet["none"])),
            ratio,
            "≤ 1.1×",
            ratio <= 1.1,
            note=f"{jobs} e-mail jobs queued by the worker, which reached the server {reached}×",
        )
    ]


def measure(*, quick: bool, postgres: str | None) -> Section:
    section = Section()
    rounds, per_round = (3, 20) if quick else (9, 40)
    quiet_transition_log()
    with scratch_dir("s6-sqlite") as folder:
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        log("section 6: SQLite dataset")
        bench_data(url, folder, plans=10, activities=10, levels=DATA_LEVELS, entries=100)
        log("section 6: transitions with the mail server hanging / no mail (interleaved)")
        for row in _measure(url, folder, "SQLite FULL", rounds, per_round):
            section.add(row)
    if postgres is None:
        with throwaway_postgres("s6") as url, scratch_dir("s6-pg") as folder:
            log("section 6: PostgreSQL dataset")
            bench_data(url, folder, plans=10, activities=10, levels=DATA_LEVELS, entries=100)
            for row in _measure(url, folder, "PostgreSQL", rounds, per_round):
                section.add(row)
    section.notes.append(
        "Section 6: the mail server accepts connections and never answers; a `flask notify "
        "worker` runs against it throughout. Rounds of transitions (submit, forward, approve in "
        "turn) alternate between no MAIL_SERVER and MAIL_SERVER set to that server; figures "
        "are median latencies, the ratio the median of per-round ratios."
    )
    return section
