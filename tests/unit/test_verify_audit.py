"""The audit verifier against real chains built with the application's own canonical encoding."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools import verify_audit as va
from tools.verify_audit import Checkpoint, EntryRecord, verify_entries
from workflow_app.audit.canonical import canonical_bytes, chain_hash
from workflow_app.audit.models import GENESIS_HASH
from workflow_app.audit.signing import sign_checkpoint

KEY = Ed25519PrivateKey.generate()
KEYS = {va.key_id(KEY.public_key()): KEY.public_key()}
TIME = "2024-10-01T03:04:05.123456Z"


def document(seq: int, prev: str, note: str = "", subject: dict[str, Any] | None = None) -> dict:
    """Shaped exactly like append_entry's document."""
    return {
        "v": 1,
        "seq": seq,
        "time": TIME,
        "actor": {"id": 7, "username": "somchai.k", "roles": ["approver@12", "editor@3"]},
        "action": "activity.submit",
        "subject": {"plan_id": 1, "activity_id": seq} if subject is None else subject,
        "from_state": "draft",
        "to_state": "submitted",
        "payload": {"note": note or f"ส่งรายงานครั้งที่ {seq}"},
        "prev": prev,
    }


def make_entry(seq: int, prev: str, note: str = "") -> EntryRecord:
    body = canonical_bytes(document(seq, prev, note))
    return EntryRecord(seq=seq, body=body, prev_hash=prev, entry_hash=chain_hash(prev, body))


def build_chain(count: int, start: int = 1, prev: str = GENESIS_HASH, tag: str = "") -> list:
    entries = []
    for seq in range(start, start + count):
        entries.append(make_entry(seq, prev, f"{tag}{seq}" if tag else ""))
        prev = entries[-1].entry_hash
    return entries


def rewrite_from(entries: list[EntryRecord], seq: int) -> list[EntryRecord]:
    """What a database owner without the signing key can do: change entry `seq` and recompute
    every hash after it, so the chain is consistent again."""
    kept = entries[: seq - 1]
    prev = kept[-1].entry_hash if kept else GENESIS_HASH
    return kept + build_chain(len(entries) - len(kept), start=seq, prev=prev, tag="forged ")


def checkpoint_at(entries: list[EntryRecord], seq: int, key: Ed25519PrivateKey = KEY) -> Checkpoint:
    return sign_checkpoint(key, seq, entries[seq - 1].entry_hash, TIME)


def flip(text: str, index: int) -> str:
    """Another lowercase hex digit at `index`."""
    return text[:index] + ("1" if text[index] == "0" else "0") + text[index + 1 :]


def problem_of(entries: Any, checkpoints: Any = (), keys: Any = KEYS) -> tuple[int, str] | None:
    report = verify_entries(entries, checkpoints, keys)
    assert report.ok == (report.problem is None)
    return None if report.problem is None else (report.problem.seq, report.problem.kind)


# --- the encoding the fast path relies on -----------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["prev", "seq", "subject", "a", "z", "plan_id", "note"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)


@given(
    subject=st.dictionaries(st.sampled_from(["plan_id", "prev", "seq", "subject"]), json_values),
    payload=st.dictionaries(st.sampled_from(["note", "prev", "seq", "subject", "v"]), json_values),
    seq=st.integers(1, 10**12),
)
def test_body_states_seq_and_prev_in_one_byte_run(subject: dict, payload: dict, seq: int) -> None:
    # The hot path looks for ',"prev":"<hash>","seq":<n>,"subject":' in the body. It is there in
    # every append_entry document, whatever the subject and payload hold (control characters,
    # Thai, nested keys named like ours).
    prev = chain_hash(GENESIS_HASH, str(seq).encode())
    doc = document(seq, prev, subject=subject)
    doc["payload"] = payload
    assert f',"prev":"{prev}","seq":{seq},"subject":'.encode() in canonical_bytes(doc)
    first = document(1, GENESIS_HASH, subject=subject)
    first["payload"] = payload
    body = canonical_bytes(first)
    assert verify_entries([EntryRecord(1, body, GENESIS_HASH, chain_hash(GENESIS_HASH, body))]).ok


@pytest.mark.parametrize(
    ("where", "nested"),
    [("payload", {"a": 1, "prev": "x"}), ("subject", {"plan_id": 1, "prev": "x", "z": 2})],
)
def test_a_nested_prev_key_does_not_hide_the_run(where: str, nested: dict) -> None:
    # The hot path tries the last 'prev":"' in the body first: a "subject" key comes after the
    # top-level one (and a "payload" key before it); the run must be found either way.
    doc = document(1, GENESIS_HASH)
    doc[where] = nested
    body = canonical_bytes(doc)
    assert body.count(b'prev":"') == 2
    assert verify_entries([(1, body, GENESIS_HASH, chain_hash(GENESIS_HASH, body))]).ok
    stray = body.replace(b',"seq":1,', b',"seq":2,')
    row = (1, stray, GENESIS_HASH, chain_hash(GENESIS_HASH, stray))
    assert problem_of([row]) == (1, va.ALTERED)


def test_local_encoding_is_the_applications() -> None:
    doc = document(3, "ab" * 32, note='ก\x00\x1f\u2028"\\')
    assert va.canonical_json(doc) == canonical_bytes(doc)
    assert va.chain_hash("cd" * 32, b"body") == chain_hash("cd" * 32, b"body")
    checkpoint = Checkpoint(3, "ab" * 32, TIME, "0123456789abcdef", b"")
    assert checkpoint.message() == (
        b'{"hash":"' + b"ab" * 32 + b'","key_id":"0123456789abcdef","seq":3,'
        b'"time":"2024-10-01T03:04:05.123456Z","type":"audit-checkpoint","v":1}'
    )


def test_key_id_is_sha256_of_the_raw_key() -> None:
    raw = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert va.key_id(KEY.public_key()) == hashlib.sha256(raw).hexdigest()[:16]


# --- whole chains -----------------------------------------------------------------------------


def test_good_chain_verifies() -> None:
    entries = build_chain(10)
    report = verify_entries(
        iter(entries), [checkpoint_at(entries, 4), checkpoint_at(entries, 10)], KEYS
    )
    assert report.as_dict() == {
        "ok": True,
        "count": 10,
        "head_seq": 10,
        "head_hash": entries[-1].entry_hash,
        "checkpoints_checked": 2,
        "problem": None,
    }


def test_empty_log_verifies_unless_a_checkpoint_says_otherwise() -> None:
    report = verify_entries([])
    assert (report.ok, report.count, report.head_hash) == (True, 0, GENESIS_HASH)
    entries = build_chain(3)
    assert problem_of([], [checkpoint_at(entries, 2)]) == (2, va.TRUNCATED)


def _delete(entries: list, seq: int) -> list:
    return entries[: seq - 1] + entries[seq:]


def _swap(entries: list, first: int, second: int) -> list:
    swapped = list(entries)
    swapped[first - 1], swapped[second - 1] = swapped[second - 1], swapped[first - 1]
    return swapped


def _alter_payload_byte(entries: list, seq: int) -> list:
    target = entries[seq - 1]
    at = target.body.index(b'"note":"') + len(b'"note":"')
    body = target.body[:at] + bytes([target.body[at] ^ 0x01]) + target.body[at + 1 :]
    return [*entries[: seq - 1], target._replace(body=body), *entries[seq:]]


def _renumber(entries: list, delta: int) -> list:
    return [entry._replace(seq=entry.seq + delta) for entry in entries]


CHAIN = build_chain(10)
FORGED_LINKED = make_entry(6, CHAIN[4].entry_hash, "ปลอม")  # links to seq 5, claims seq 6
FORGED_UNLINKED = make_entry(6, "ee" * 32, "ปลอม")


@pytest.mark.parametrize(
    ("tampered", "expected"),
    [
        pytest.param(_alter_payload_byte(CHAIN, 6), (6, va.ALTERED), id="payload-byte"),
        pytest.param(_alter_payload_byte(CHAIN, 1), (1, va.ALTERED), id="payload-byte-first"),
        pytest.param(_alter_payload_byte(CHAIN, 10), (10, va.ALTERED), id="payload-byte-last"),
        pytest.param(
            [*CHAIN[:5], CHAIN[5]._replace(entry_hash=flip(CHAIN[5].entry_hash, 9)), *CHAIN[6:]],
            (6, va.ALTERED),
            id="entry-hash",
        ),
        pytest.param(
            [*CHAIN[:5], CHAIN[5]._replace(prev_hash=flip(CHAIN[5].prev_hash, 0)), *CHAIN[6:]],
            (6, va.ALTERED),
            id="prev-hash-column",
        ),
        pytest.param(
            [*CHAIN[:5], CHAIN[5]._replace(seq=60), *CHAIN[6:]], (6, va.ALTERED), id="seq-column"
        ),
        pytest.param(
            rewrite_from(CHAIN, 6)[:6] + CHAIN[6:], (6, va.ALTERED), id="one-entry-rehashed"
        ),
        pytest.param(_delete(CHAIN, 6), (6, va.MISSING), id="delete-middle"),
        pytest.param(_delete(CHAIN, 1), (1, va.MISSING), id="delete-first"),
        pytest.param(CHAIN[:5] + CHAIN[8:], (6, va.MISSING), id="delete-run"),
        pytest.param(
            CHAIN[:5] + _renumber(CHAIN[6:], -1), (6, va.MISSING), id="delete-and-renumber"
        ),
        pytest.param(
            [*CHAIN[:5], FORGED_LINKED, *_renumber(CHAIN[5:], 1)],
            (6, va.INSERTED),
            id="insert-linked-renumbered",
        ),
        pytest.param([*CHAIN[:5], FORGED_LINKED, *CHAIN[5:]], (6, va.INSERTED), id="insert-linked"),
        pytest.param(
            [*CHAIN[:5], FORGED_UNLINKED, *CHAIN[5:]], (6, va.INSERTED), id="insert-unlinked"
        ),
        pytest.param(
            [*CHAIN[:5], FORGED_UNLINKED._replace(seq=99), *CHAIN[5:]],
            (6, va.INSERTED),
            id="insert-odd-seq",
        ),
        pytest.param([*CHAIN, make_entry(11, "ee" * 32)], (11, va.INSERTED), id="append-unlinked"),
        pytest.param(_swap(CHAIN, 4, 5), (4, va.REORDERED), id="swap-adjacent"),
        pytest.param(_swap(CHAIN, 3, 8), (3, va.REORDERED), id="swap-apart"),
        pytest.param(_swap(CHAIN, 9, 10), (9, va.REORDERED), id="swap-last-two"),
        pytest.param(
            [*CHAIN[:2], CHAIN[6], *CHAIN[2:6], *CHAIN[7:]], (3, va.REORDERED), id="move-earlier"
        ),
        pytest.param(CHAIN[:6] + CHAIN[5:], (6, va.DUPLICATED), id="duplicate"),
        pytest.param(CHAIN + CHAIN[-1:], (10, va.DUPLICATED), id="duplicate-last"),
        pytest.param(CHAIN[:4] + CHAIN[:10], (5, va.REORDERED), id="replay-from-start"),
    ],
)
def test_each_tampering_is_named_at_its_seq(tampered: list, expected: tuple[int, str]) -> None:
    assert problem_of(iter(tampered)) == expected
    assert problem_of(iter(tampered), [checkpoint_at(CHAIN, 10)]) == expected


def test_cutting_the_tail_is_only_seen_behind_a_checkpoint() -> None:
    assert problem_of(CHAIN[:7], [checkpoint_at(CHAIN, 5)]) is None
    assert problem_of(CHAIN[:7], [checkpoint_at(CHAIN, 5), checkpoint_at(CHAIN, 9)]) == (
        9,
        va.TRUNCATED,
    )
    report = verify_entries(CHAIN[:7], [checkpoint_at(CHAIN, 8)], KEYS)
    assert (report.count, report.head_hash) == (7, CHAIN[6].entry_hash)
    assert report.problem is not None and "ends at seq 7" in report.problem.detail


def test_a_consistent_rewrite_is_seen_at_the_next_checkpoint() -> None:
    checkpoints = [checkpoint_at(CHAIN, 3), checkpoint_at(CHAIN, 7)]
    assert problem_of(rewrite_from(CHAIN, 5), checkpoints) == (7, va.REWRITTEN)
    assert problem_of(rewrite_from(CHAIN, 3), checkpoints) == (3, va.REWRITTEN)
    assert problem_of(rewrite_from(CHAIN, 1), checkpoints) == (3, va.REWRITTEN)
    report = verify_entries(rewrite_from(CHAIN, 5), checkpoints, KEYS)
    assert report.problem is not None and "seq 4..7" in report.problem.detail
    # Documented limit: after the last checkpoint nothing tells a rewrite from the truth.
    assert problem_of(rewrite_from(CHAIN, 8), checkpoints) is None
    assert problem_of([*CHAIN, make_entry(11, CHAIN[-1].entry_hash)], checkpoints) is None


def test_checkpoint_signatures_are_checked() -> None:
    good = checkpoint_at(CHAIN, 4)
    forged = replace(checkpoint_at(CHAIN, 6), signature=bytes(64))
    other_key = Ed25519PrivateKey.generate()
    assert problem_of(CHAIN, [good, forged]) == (6, va.BAD_SIGNATURE)
    assert problem_of(CHAIN, [checkpoint_at(CHAIN, 6, other_key)]) == (6, va.BAD_SIGNATURE)
    assert problem_of(CHAIN, [replace(good, signed_at="2030-01-01T00:00:00.000000Z")]) == (
        4,
        va.BAD_SIGNATURE,
    )
    # A key filed under another key's id vouches for nothing.
    assert problem_of(CHAIN, [good], {good.key_id: other_key.public_key()}) == (
        4,
        va.BAD_SIGNATURE,
    )
    # The first problem by seq wins, and a forged checkpoint beyond the end is not "truncated".
    assert problem_of(_delete(CHAIN, 3), [forged]) == (3, va.MISSING)
    assert problem_of(CHAIN[:5], [forged]) == (6, va.BAD_SIGNATURE)


def test_malformed_records_are_reported_where_they_sit() -> None:
    def source() -> Iterator[EntryRecord]:
        yield from CHAIN[:3]
        raise va.MalformedRecord("line 5 is not JSON")

    assert problem_of(source()) == (4, va.MALFORMED)
    bad_hash = [*CHAIN[:3], CHAIN[3]._replace(prev_hash=CHAIN[3].prev_hash.upper())]
    assert problem_of(bad_hash) == (4, va.MALFORMED)
    loose = CHAIN[0].body.replace(b'"v":1', b'"v": 1')
    first = EntryRecord(1, loose, GENESIS_HASH, chain_hash(GENESIS_HASH, loose))
    assert problem_of([first]) is None  # the byte run is untouched; the hash still binds it
    spaced = CHAIN[0].body.replace(b'"seq":1,', b'"seq": 1,')
    first = EntryRecord(1, spaced, GENESIS_HASH, chain_hash(GENESIS_HASH, spaced))
    assert problem_of([first]) == (1, va.MALFORMED)
    assert problem_of(CHAIN, [Checkpoint(0, GENESIS_HASH, TIME, "x", b"")]) == (0, va.MALFORMED)


def test_verification_streams() -> None:
    # A generator is consumed once, in order, and never needs to be re-read.
    consumed = []

    def source() -> Iterator[EntryRecord]:
        for entry in build_chain(2000):
            consumed.append(entry.seq)
            yield entry

    assert verify_entries(source()).count == 2000
    assert consumed == list(range(1, 2001))


# --- property: every single edit is named at its seq ------------------------------------------

EDITS = [
    "flip_body",
    "flip_entry_hash",
    "flip_prev_hash",
    "seq_column",
    "delete",
    "truncate",
    "insert",
    "swap",
    "duplicate",
    "rehash",
    "rewrite_from",
]


@st.composite
def edited_logs(draw: st.DrawFn) -> tuple[list, list, tuple[int, frozenset[str]] | None]:
    count = draw(st.integers(1, 9))
    notes = draw(st.lists(st.text(max_size=8), min_size=count, max_size=count))
    chain: list[EntryRecord] = []
    for seq, note in enumerate(notes, start=1):
        chain.append(make_entry(seq, chain[-1].entry_hash if chain else GENESIS_HASH, f"{note}|"))
    covered = sorted(draw(st.sets(st.integers(1, count), max_size=3)))
    checkpoints = [checkpoint_at(chain, seq) for seq in covered]
    edit = draw(st.sampled_from(EDITS))
    k = draw(st.integers(1, count))
    entries = list(chain)
    target = entries[k - 1]

    def behind_checkpoint(kind: str) -> tuple[int, frozenset[str]] | None:
        # Edits that only a checkpoint at or after seq k can reveal.
        beyond = [seq for seq in covered if seq >= k]
        return (beyond[0], frozenset({kind})) if beyond else None

    expected: tuple[int, frozenset[str]] | None
    if edit == "flip_body":
        at = draw(st.integers(0, len(target.body) - 1))
        body = target.body[:at] + bytes([target.body[at] ^ draw(st.integers(1, 255))])
        entries[k - 1] = target._replace(body=body + target.body[at + 1 :])
        expected = (k, frozenset({va.ALTERED}))
    elif edit == "flip_entry_hash":
        entries[k - 1] = target._replace(
            entry_hash=flip(target.entry_hash, draw(st.integers(0, 63)))
        )
        expected = (k, frozenset({va.ALTERED}))
    elif edit == "flip_prev_hash":
        entries[k - 1] = target._replace(prev_hash=flip(target.prev_hash, draw(st.integers(0, 63))))
        expected = (k, frozenset({va.ALTERED}))
    elif edit == "seq_column":
        new_seq = draw(st.integers(-5, count + 5).filter(lambda value: value != k))
        entries[k - 1] = target._replace(seq=new_seq)
        expected = (k, frozenset({va.ALTERED}))
    elif edit == "delete":
        del entries[k - 1]
        expected = behind_checkpoint(va.TRUNCATED) if k == count else (k, frozenset({va.MISSING}))
    elif edit == "truncate":
        del entries[k - 1 :]
        expected = behind_checkpoint(va.TRUNCATED)
    elif edit == "insert":
        # A forged record before original entry k; appending at the very end is the known
        # blind spot and tested on its own.
        prev = chain[k - 2].entry_hash if k > 1 else GENESIS_HASH
        mode = draw(st.sampled_from(["linked", "unlinked", "broken"]))
        forged = make_entry(k, prev if mode != "unlinked" else "ee" * 32, "forged")
        if mode == "broken":
            forged = forged._replace(entry_hash="dd" * 32)
        tail = _renumber(entries[k - 1 :], 1) if draw(st.booleans()) else entries[k - 1 :]
        entries = [*entries[: k - 1], forged, *tail]
        # A well-linked forgery sitting exactly on a checkpoint shows as the rewrite it is.
        expected = (k, frozenset({va.INSERTED, va.REWRITTEN}))
    elif edit == "swap":
        other = draw(st.integers(1, count).filter(lambda value: value != k))
        entries = _swap(entries, k, other)
        expected = (min(k, other), frozenset({va.REORDERED}))
    elif edit == "duplicate":
        entries.insert(k, target)
        expected = (k, frozenset({va.DUPLICATED}))
    elif edit == "rehash":
        # Entry k changed and its own hash recomputed, the rest left alone.
        entries[k - 1] = make_entry(k, target.prev_hash, "changed")
        if k in covered:
            expected = (k, frozenset({va.REWRITTEN}))
        elif k <= count - 2:
            expected = (k, frozenset({va.ALTERED}))
        elif k == count - 1:
            # The last entry no longer links and nothing after it vouches for it; documented.
            expected = (count, frozenset({va.INSERTED}))
        else:
            expected = None
    else:
        entries = rewrite_from(chain, k)
        expected = behind_checkpoint(va.REWRITTEN)
    return entries, checkpoints, expected


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_logs())
def test_every_single_edit_is_named_at_its_seq(case: tuple) -> None:
    entries, checkpoints, expected = case
    report = verify_entries(iter(entries), checkpoints, KEYS)
    if expected is None:
        assert report.ok, report.problem
    else:
        assert report.problem is not None
        assert report.problem.seq == expected[0], report.problem
        assert report.problem.kind in expected[1], report.problem


@given(st.lists(st.text(max_size=30), max_size=12))
def test_untouched_logs_verify(notes: list[str]) -> None:
    chain: list[EntryRecord] = []
    for seq, note in enumerate(notes, start=1):
        chain.append(make_entry(seq, chain[-1].entry_hash if chain else GENESIS_HASH, note))
    checkpoints = [checkpoint_at(chain, seq) for seq in range(1, len(chain) + 1, 3)]
    report = verify_entries(chain, checkpoints, KEYS)
    assert report.ok and report.count == len(chain)
    assert report.checkpoints_checked == len(checkpoints)


# --- export files and the command line --------------------------------------------------------


def export(path: Path, entries: list, checkpoints: list, keys: dict | None = None) -> Path:
    with path.open("w", encoding="utf-8") as out:
        va.write_export(
            out,
            entries=entries,
            checkpoints=checkpoints,
            public_keys=KEYS if keys is None else keys,
            exported_at=TIME,
        )
    return path


def test_export_round_trip(tmp_path: Path) -> None:
    checkpoints = [checkpoint_at(CHAIN, 5), checkpoint_at(CHAIN, 10)]
    out = io.StringIO()
    written = va.write_export(
        out, entries=iter(CHAIN), checkpoints=checkpoints, public_keys=KEYS, exported_at=TIME
    )
    assert written == 10
    lines = out.getvalue().splitlines()
    header = json.loads(lines[0])
    assert header == {
        "type": "header",
        "format": "thai-integrity-audit-export",
        "version": 1,
        "exported_at": TIME,
        "public_keys": [
            {
                "key_id": va.key_id(KEY.public_key()),
                "public_key_b64": base64.b64encode(
                    KEY.public_key().public_bytes(
                        serialization.Encoding.Raw, serialization.PublicFormat.Raw
                    )
                ).decode(),
            }
        ],
    }
    assert list(json.loads(lines[1])) == ["type", "seq", "prev_hash", "entry_hash", "body_b64"]
    assert json.loads(lines[-1])["type"] == "checkpoint"

    path = tmp_path / "audit.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    header_read, entries, checkpoints_read = va.read_export(path)
    assert isinstance(entries, Iterator)
    assert header_read.exported_at == TIME
    assert dict(header_read.public_keys).keys() == KEYS.keys()
    assert checkpoints_read == checkpoints
    assert list(entries) == CHAIN
    assert verify_entries(va.read_export(path)[1], checkpoints_read, header_read.public_keys).ok


def test_main_accepts_a_good_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = export(tmp_path / "a.jsonl", CHAIN, [checkpoint_at(CHAIN, 5), checkpoint_at(CHAIN, 10)])
    assert va.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        out == f"OK: 10 entries, head seq 10 hash {CHAIN[-1].entry_hash}, 2 checkpoints verified\n"
    )
    assert va.main([str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["checkpoints_checked"] == 2


def test_main_fails_a_tampered_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = export(tmp_path / "a.jsonl", _delete(CHAIN, 4), [checkpoint_at(CHAIN, 10)])
    assert va.main([str(path)]) == 1
    assert capsys.readouterr().out.startswith("FAILED at seq 4: missing: ")
    assert va.main(["--json", str(path)]) == 1
    problem = json.loads(capsys.readouterr().out)["problem"]
    assert (problem["seq"], problem["kind"]) == (4, "missing")


def test_main_reports_damaged_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = export(tmp_path / "a.jsonl", CHAIN, [checkpoint_at(CHAIN, 10)])
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)

    def run_with(changed: list[str]) -> str:
        path.write_text("".join(changed), encoding="utf-8")
        assert va.main([str(path)]) == 1
        return capsys.readouterr().out

    # Line 1 is the header, so entry k sits on line k + 1.
    assert run_with([*lines[:5], "{not json\n", *lines[6:]]).startswith(
        "FAILED at seq 5: malformed"
    )
    bad_body = lines[5].replace('"body_b64":"', '"body_b64":"!!')
    assert run_with([*lines[:5], bad_body, *lines[6:]]).startswith("FAILED at seq 5: malformed")
    assert run_with(lines[:1] + lines[-1:] + lines[1:-1]).startswith("FAILED at seq 1: malformed")
    assert run_with([*lines[:-1], '{"type":"checkpoint","seq":10}\n']).startswith(
        "FAILED at seq 10: malformed"
    )


def test_main_usage_and_io_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert va.main([str(tmp_path / "absent.jsonl")]) == 2
    assert "error:" in capsys.readouterr().err
    other = tmp_path / "other.jsonl"
    other.write_text('{"type":"something else"}\n', encoding="utf-8")
    assert va.main([str(other)]) == 2
    assert "not a thai-integrity-audit-export" in capsys.readouterr().err
    assert va.main([]) == 2
    assert va.main([str(other), "--public-key", str(tmp_path / "absent.pub")]) == 2


def _pem(key: Ed25519PublicKey, path: Path) -> Path:
    path.write_bytes(
        key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def test_pinned_key_defeats_a_replaced_export_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The attacker rewrote the log from seq 3, made a key of their own, re-signed the
    # checkpoints with it and listed it in the header: the file is consistent in itself.
    attacker = Ed25519PrivateKey.generate()
    forged = rewrite_from(CHAIN, 3)
    path = export(
        tmp_path / "a.jsonl",
        forged,
        [checkpoint_at(forged, 5, attacker), checkpoint_at(forged, 10, attacker)],
        keys={va.key_id(attacker.public_key()): attacker.public_key()},
    )
    assert va.main([str(path)]) == 0
    assert "--public-key" in capsys.readouterr().err
    pinned = _pem(KEY.public_key(), tmp_path / "department.pub")
    assert va.main([str(path), "--public-key", str(pinned)]) == 1
    assert capsys.readouterr().out.startswith("FAILED at seq 5: bad_signature: ")
    # The genuine export verifies against the pinned key.
    genuine = export(tmp_path / "g.jsonl", CHAIN, [checkpoint_at(CHAIN, 5)])
    assert va.main([str(genuine), "--public-key", str(pinned)]) == 0
    assert capsys.readouterr().out.startswith("OK: 10 entries")


def test_entry_lines_in_another_valid_layout_read_the_same(tmp_path: Path) -> None:
    # Another exporter may order keys or space them differently; only JSON meaning counts.
    path = export(tmp_path / "a.jsonl", CHAIN[:3], [])
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    relaid = [json.dumps(dict(reversed(json.loads(line).items()))) + "\n" for line in lines[1:]]
    path.write_text(lines[0] + "".join(relaid), encoding="utf-8")
    assert list(va.read_export(path)[1]) == CHAIN[:3]
    upper = lines[2].replace(CHAIN[1].entry_hash, CHAIN[1].entry_hash.upper())
    path.write_text("".join([*lines[:2], upper]), encoding="utf-8")
    assert problem_of(va.read_export(path)[1]) == (2, va.MALFORMED)
