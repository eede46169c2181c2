"""How fast verify_entries is compared with re-hashing alone, and how much memory it holds.

    .venv/bin/python bench/bench_verify_core.py [COUNT]

Target: at least 300,000 entries/s for ~400-byte bodies on a 2-core machine. Each figure is the
best of several runs, because a shared machine only ever makes a run slower.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

# Runnable from anywhere without installing: the repository root holds the `tools` package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.verify_audit import (
    GENESIS_HASH,
    EntryRecord,
    canonical_json,
    chain_hash,
    read_export,
    verify_entries,
    write_export,
)

RUNS = 5


def synthetic_entries(count: int) -> Iterator[EntryRecord]:
    """Entries shaped like append_entry's, bodies of about 400 bytes."""
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        body = canonical_json(
            {
                "v": 1,
                "seq": seq,
                "time": "2024-10-01T03:04:05.123456Z",
                "actor": {"id": 17, "username": "somchai.k", "roles": ["approver@12"]},
                "action": "activity.submit",
                "subject": {"plan_id": 3, "activity_id": seq % 977, "level": 2},
                "from_state": "draft",
                "to_state": "submitted",
                "payload": {"note": f"ส่งรายงานผล ครั้งที่ {seq}", "files": 2},
                "prev": prev,
            }
        )
        entry_hash = chain_hash(prev, body)
        yield EntryRecord(seq=seq, body=body, prev_hash=prev, entry_hash=entry_hash)
        prev = entry_hash


def bare_rehash(entries: list[EntryRecord]) -> None:
    sha256 = hashlib.sha256
    for entry in entries:
        if sha256(bytes.fromhex(entry.prev_hash) + entry.body).hexdigest() != entry.entry_hash:
            raise AssertionError(entry.seq)


def best_rate(count: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return count / best


def peak_bytes(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    entries = list(synthetic_entries(count))
    mean_body = sum(len(entry.body) for entry in entries) // count

    def verify() -> None:
        assert verify_entries(entries).ok

    baseline = best_rate(count, lambda: bare_rehash(entries))
    core = best_rate(count, verify)
    # Entries already in memory: the peak is verify_entries' own working set.
    core_peak = peak_bytes(verify)
    # Entries produced one at a time: what the server's streaming query looks like.
    streamed_peak = peak_bytes(lambda: verify_entries(synthetic_entries(count)))

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "audit.jsonl"
        with path.open("w", encoding="utf-8") as out:
            write_export(out, entries=entries, checkpoints=(), public_keys={}, exported_at="bench")
        size = os.path.getsize(path)
        entries.clear()  # the file pass must not be helped by a list still in memory

        def from_file() -> None:
            _, records, checkpoints = read_export(path)
            assert verify_entries(records, checkpoints).ok

        file_rate = best_rate(count, from_file)
        file_peak = peak_bytes(from_file)

    print(f"{count:,} entries, mean body {mean_body} B, best of {RUNS} runs, {os.cpu_count()} CPUs")
    print(f"{'':34}{'entries/s':>12}{'vs re-hash':>12}{'peak memory':>14}")
    print(f"{'bare re-hash loop (baseline)':34}{baseline:>12,.0f}{1:>12.2f}{'':>14}")
    print(
        f"{'verify_entries (list in memory)':34}{core:>12,.0f}{core / baseline:>12.2f}"
        f"{core_peak / 1024:>11,.1f} KiB"
    )
    print(f"{'verify_entries (generator)':34}{'':>12}{'':>12}{streamed_peak / 1024:>11,.1f} KiB")
    print(
        f"{'read_export + verify (file)':34}{file_rate:>12,.0f}{file_rate / baseline:>12.2f}"
        f"{file_peak / 1024:>11,.1f} KiB"
    )
    print(f"export file size: {size / 2**20:,.1f} MiB")


if __name__ == "__main__":
    main()
