"""`make bench`: every benchmark of the application, one markdown table, bench/RESULTS.md.

    .venv/bin/python bench/run.py [--quick] [--sections 1,2,3,4,5] [--entries N] ...

Sections: 1 engine transitions vs raw driver and ORM (SQLite FULL, PostgreSQL); 2 PostgreSQL
with 1..8 worker processes vs the bare locked transaction; 3 `audit verify` on a large log vs
bare re-hashing; 4 HTTP with gunicorn and wrk vs /livez; 5 plan import vs read+sha256;
6 a transition with the mail server hanging vs with no mail configured.

Every figure is a ratio against a baseline measured in the same run (the machine is shared and
noisy): absolute numbers are printed for orientation only. Needs PostgreSQL (BENCH_DATABASE_URL,
default postgresql://postgres@127.0.0.1:5432/test; throw-away databases are created and
dropped), Redis at 127.0.0.1:6379 (db 15, for gunicorn's rate-limit storage) and Debian's wrk
(installed with apt-get when missing and run as root); what is missing is reported in the table
and its sections are skipped.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    DEFAULT_REDIS_URL,
    Row,
    Section,
    bench_data,
    log,
    machine_info,
    markdown_table,
    postgres_problem,
    redis_problem,
    scratch_dir,
    skipped,
    throwaway_postgres,
)

HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small data, short runs (~4 min)")
    parser.add_argument(
        "--sections", default="1,2,3,4,5,6", help="comma-separated sections to run (default all)"
    )
    parser.add_argument(
        "--entries", type=int, help="audit entries of the large dataset (default 1,000,000)"
    )
    parser.add_argument(
        "--sqlite-entries",
        type=int,
        help="also verify a SQLite log of this many entries (default 100,000; 0 = skip)",
    )
    parser.add_argument("--http-seconds", type=float, help="wrk duration per URL (default 10)")
    parser.add_argument(
        "--concurrency", default="1,2,4,8", help="worker processes for section 2 (default 1,2,4,8)"
    )
    parser.add_argument(
        "--output", type=Path, default=HERE / "RESULTS.md", help="where to write the results"
    )
    parser.add_argument("--no-write", action="store_true", help="print only, write no file")
    return parser.parse_args(argv)


def guarded(name: str, run: Callable[[], Section]) -> Section:
    """A section that fails becomes a row saying so; the others still run."""
    started = time.perf_counter()
    try:
        section = run()
    except Exception as error:
        traceback.print_exc()
        section = Section()
        section.add(
            Row(name, "FAILED", f"{type(error).__name__}: {error}"[:200], "—", None, "—", False)
        )
    log(f"{name}: {time.perf_counter() - started:.0f} s")
    return section


def large_dataset_sections(
    args: argparse.Namespace, wanted: set[str], pg: str | None, redis: str | None
) -> list[Section]:
    """Sections 3 and 4 share one large PostgreSQL dataset made by `flask bench-data`."""
    import verify
    import web

    sections: list[Section] = []
    entries = args.entries if args.entries is not None else (100_000 if args.quick else 1_000_000)
    if pg is not None:
        for name in sorted(wanted & {"3", "4"}):
            label = "3. audit verify (PostgreSQL)" if name == "3" else "4. HTTP"
            sections.append(Section([skipped(label, "all figures", pg)]))
        return sections
    with throwaway_postgres("large") as url, scratch_dir("large") as folder:
        log(f"large dataset: flask bench-data (200 plans × 10 × 5, {entries:,} entries)")
        took = bench_data(url, folder, plans=200, activities=10, levels=5, entries=entries)
        log(f"large dataset ready in {took:.0f} s")
        note = Section(
            notes=[f"Large PostgreSQL dataset ({entries:,} entries) built in {took:.0f} s."]
        )
        sections.append(note)
        if "3" in wanted:
            rounds = 1 if args.quick else 3  # odd: the median is one measured round
            sections.append(
                guarded(
                    "3. audit verify (PostgreSQL)",
                    lambda: verify.measure(url, folder, "PostgreSQL", rounds),
                )
            )
        if "4" in wanted:
            wrk = web.wrk_problem()
            if wrk is not None:
                sections.append(Section([skipped("4. HTTP", "all figures", wrk)]))
            else:
                seconds = args.http_seconds or (3.0 if args.quick else 10.0)
                redis_url = None if redis else DEFAULT_REDIS_URL
                section = guarded(
                    "4. HTTP",
                    lambda: web.measure(url, folder, seconds=seconds, redis_url=redis_url),
                )
                if redis:
                    section.notes.append(f"{redis}: gunicorn used memory:// rate-limit storage.")
                sections.append(section)
    return sections


def sqlite_verify_section(args: argparse.Namespace) -> Section:
    import verify

    entries = (
        args.sqlite_entries if args.sqlite_entries is not None else (0 if args.quick else 100_000)
    )
    if not entries:
        return Section()
    with scratch_dir("verify-sqlite") as folder:
        url = f"sqlite:///{folder / 'large.sqlite3'}"
        log(f"section 3: SQLite dataset ({entries:,} entries)")
        took = bench_data(url, folder, plans=20, activities=10, levels=5, entries=entries)
        log(f"SQLite dataset ready in {took:.0f} s")
        # In-process and pure CPU, so the most exposed to a busy machine: more (cheap) rounds.
        return verify.measure(url, folder, f"SQLite, {entries:,} entries", 1 if args.quick else 5)


def write_results(
    path: Path, info: dict[str, str], table: str, notes: list[str], args: str
) -> None:
    lines = [
        "# Benchmark results",
        "",
        "Made by `make bench` (`bench/run.py`); regenerate rather than edit.",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores",
        f"- date: {info['date']}",
        f"- commit: {info['commit']}",
        f"- Python {info['python']}; load average at the start: {info['load']}",
        f"- arguments: `{args or '(none)'}`",
        "",
        "The machine is shared: every ratio compares figures measured in the same run, "
        "interleaved where possible. Absolute values are for orientation only.",
        "",
        table,
        "",
        "## Notes",
        "",
        *[f"- {note}" for note in notes],
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    wanted = {part.strip() for part in args.sections.split(",") if part.strip()}
    started = time.perf_counter()
    info = machine_info()
    log(f"{info['cpu']}, {info['cores']} cores, load {info['load']}, commit {info['commit']}")
    pg = postgres_problem()
    redis = redis_problem()
    for problem in (pg, redis):
        if problem:
            log(problem)

    import engine
    import notifications
    import plan_import

    sections: list[Section] = []
    if "5" in wanted:
        sections.append(
            guarded("5. plan import", lambda: plan_import.measure(quick=args.quick, postgres=pg))
        )
    if "1" in wanted:
        sections.append(
            guarded("1. transitions", lambda: engine.section1(quick=args.quick, postgres=pg))
        )
    if "2" in wanted:
        levels = [int(part) for part in args.concurrency.split(",") if part.strip()]
        sections.append(
            guarded(
                "2. concurrency",
                lambda: engine.section2(quick=args.quick, postgres=pg, levels=levels),
            )
        )
    if "6" in wanted:
        sections.append(
            guarded(
                "6. notifications",
                lambda: notifications.measure(quick=args.quick, postgres=pg),
            )
        )
    if wanted & {"3", "4"}:
        sections.extend(large_dataset_sections(args, wanted, pg, redis))
    if "3" in wanted:
        sections.append(guarded("3. audit verify (SQLite)", lambda: sqlite_verify_section(args)))

    order = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5}
    rows = sorted(
        (row for section in sections for row in section.rows),
        key=lambda row: order.get(row.section[:1], 9),
    )
    notes = [note for section in sections for note in section.notes]
    missed = [row for row in rows if row.met is False]
    notes.append(
        "Targets missed: "
        + ("; ".join(f"{row.section}: {row.metric}" for row in missed) if missed else "none")
    )
    notes.append(f"Total run time {time.perf_counter() - started:.0f} s.")
    table = markdown_table(rows)
    print(table)
    print()
    for note in notes:
        print(f"- {note}")
    if not args.no_write:
        write_results(args.output, info, table, notes, " ".join(argv))
        log(f"wrote {args.output}")
    failed = any(row.metric == "FAILED" for row in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
