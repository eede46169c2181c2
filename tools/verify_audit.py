"""Verify the hash-chained audit log: the one implementation behind `flask audit verify` and the
offline verifier that auditors run on an export file.

    python verify_audit.py EXPORT.jsonl [--public-key KEY.pub] [--json]

This file must keep working on its own: an auditor copies it next to an export and runs it
without our application, so it imports only the standard library and `cryptography`. The format
and the verification rules are specified in docs/audit-log.md; keep the two in step.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple, TextIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS_HASH = "0" * 64
EXPORT_FORMAT = "thai-integrity-audit-export"
EXPORT_VERSION = 1
CHECKPOINT_TYPE = "audit-checkpoint"
CHECKPOINT_VERSION = 1

# Problem kinds, in the words of docs/audit-log.md.
ALTERED = "altered"
MISSING = "missing"
INSERTED = "inserted"
REORDERED = "reordered"
DUPLICATED = "duplicated"
TRUNCATED = "truncated"
REWRITTEN = "rewritten"
BAD_SIGNATURE = "bad_signature"
MALFORMED = "malformed"
PROBLEM_KINDS = (
    ALTERED,
    MISSING,
    INSERTED,
    REORDERED,
    DUPLICATED,
    TRUNCATED,
    REWRITTEN,
    BAD_SIGNATURE,
    MALFORMED,
)

_HEX_DIGITS = frozenset("0123456789abcdef")
# Where the hot path looks for the run first, searching from the end: only seq, subject, time,
# to_state and v follow the top-level "prev", while the payload before it can be long. Its first
# byte is rare in our JSON, which the backward search skips on. The run starts 2 bytes (,") before.
_PREV_KEY = b'prev":"'
_NO_KEYS: Mapping[str, Ed25519PublicKey] = MappingProxyType({})
# Entry lines as write_export spells them: the checkpoint pass skips them by their prefix, and
# the entry pass reads them with one regular expression, twice as fast as json.loads. Lines in
# any other (still valid) layout take the json.loads path.
_ENTRY_LINE_PREFIX = b'{"type":"entry",'
_ENTRY_LINE = re.compile(
    rb'\{"type":"entry","seq":(0|[1-9][0-9]*),"prev_hash":"([0-9a-f]{64})",'
    rb'"entry_hash":"([0-9a-f]{64})","body_b64":"([A-Za-z0-9+/]*={0,2})"\}\r?\n?'
)


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8 without escaping: RFC 8785 for our value domain
    (ASCII keys; integers, strings, booleans, null, arrays, objects; never floats)."""
    return json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def chain_hash(prev_hash: str, body: bytes) -> str:
    """SHA-256 of the previous entry's 32 raw hash bytes followed by this entry's body."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + body).hexdigest()


def is_hash(value: object) -> bool:
    """64 lowercase hex digits: the only spelling of a hash we accept, so that comparing
    strings is comparing hashes."""
    return isinstance(value, str) and len(value) == 64 and _HEX_DIGITS.issuperset(value)


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw 32-byte Ed25519 public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file (SubjectPublicKeyInfo)."""
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return key


class EntryRecord(NamedTuple):
    """One stored entry: `body` is exactly the bytes that were hashed.

    A tuple, so that verify_entries takes rows straight from a database driver, in this column
    order, without building an object per row."""

    seq: int
    body: bytes
    prev_hash: str
    entry_hash: str


# What verify_entries reads: an EntryRecord, or any (seq, body, prev_hash, entry_hash) tuple.
EntryRow = tuple[int, bytes, str, str]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement "the entry with this seq has this hash"."""

    seq: int
    entry_hash: str
    signed_at: str
    key_id: str
    signature: bytes

    def message(self) -> bytes:
        """The exact bytes that are signed."""
        return canonical_json(
            {
                "v": CHECKPOINT_VERSION,
                "type": CHECKPOINT_TYPE,
                "seq": self.seq,
                "hash": self.entry_hash,
                "time": self.signed_at,
                "key_id": self.key_id,
            }
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """The first thing found wrong: `seq` is where an auditor should look."""

    seq: int
    kind: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "detail": self.detail}


@dataclass
class VerifyReport:
    """`count`, `head_seq` and `head_hash` describe the verified prefix of the log."""

    ok: bool
    count: int
    head_seq: int
    head_hash: str
    checkpoints_checked: int
    problem: Problem | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "count": self.count,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "checkpoints_checked": self.checkpoints_checked,
            "problem": None if self.problem is None else self.problem.as_dict(),
        }


class MalformedRecord(Exception):
    """Raised by an entry source for a record it cannot read; verification reports it as a
    `malformed` problem at the position where it occurred (or at `seq` when known)."""

    def __init__(self, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq


class ExportFormatError(Exception):
    """The file is not an export we can read at all (bad header or keys)."""


# --- verification -------------------------------------------------------------------------------


def verify_entries(
    entries: Iterable[EntryRow],
    checkpoints: Iterable[Checkpoint] = (),
    public_keys: Mapping[str, Ed25519PublicKey] = _NO_KEYS,
) -> VerifyReport:
    """Verify entries (EntryRecords or plain rows) in stored order against the chain rules and
    the signed checkpoints.

    Streams: holds the last two hashes and the checkpoints, never the entries. Stops at the first
    problem (the lowest seq); the rules that name it are in docs/audit-log.md, "Verification".
    """
    by_seq: dict[int, list[Checkpoint]] = {}
    forged: dict[int, str] = {}  # seq -> why a checkpoint at that seq cannot be trusted
    for checkpoint in checkpoints:
        if (
            not isinstance(checkpoint.seq, int)
            or isinstance(checkpoint.seq, bool)
            or checkpoint.seq < 1
            or not is_hash(checkpoint.entry_hash)
        ):
            # Not a position in the chain, so it could never be reached: report it up front.
            detail = f"checkpoint with seq {checkpoint.seq!r} and hash {checkpoint.entry_hash!r}"
            return _report(0, GENESIS_HASH, 0, Problem(0, MALFORMED, detail))
        by_seq.setdefault(checkpoint.seq, []).append(checkpoint)
        reason = _signature_problem(checkpoint, public_keys)
        if reason is not None:
            forged.setdefault(checkpoint.seq, reason)
    checkpoint_seqs = sorted(by_seq)
    next_index = 0
    # 0 is never a seq, so it doubles as "no checkpoint ahead".
    next_checkpoint = checkpoint_seqs[0] if checkpoint_seqs else 0
    last_matched = 0
    checked = 0

    sha256 = hashlib.sha256
    expected = 1
    last = GENESIS_HASH
    last_raw = bytes(32)
    before_last: str | None = None
    problem: Problem | None = None
    source = iter(entries)
    try:
        for seq, body, prev_hash, entry_hash in source:
            # Hot path: a good entry costs two comparisons, one hash and one substring search.
            # The seq and prev_hash columns are not hashed, so the body must be shown to state
            # them; its fixed key order lets one byte run do that without parsing. The run is
            # looked for at the last _PREV_KEY, and with `in` (slower, and slower still with a
            # long payload) only if a nested "prev" key comes after it.
            if seq == expected and prev_hash == last:
                digest = sha256(last_raw + body).digest()
                digest_hex = digest.hex()
                run = f',"prev":"{last}","seq":{expected},"subject":'.encode()
                if digest_hex == entry_hash and (
                    body.startswith(run, body.rfind(_PREV_KEY) - 2) or run in body
                ):
                    before_last = last
                    last = digest_hex
                    last_raw = digest
                    if expected == next_checkpoint:
                        problem = _check_checkpoints(
                            by_seq[expected], forged.get(expected), last, last_matched
                        )
                        if problem is not None:
                            break
                        checked += len(by_seq[expected])
                        last_matched = expected
                        next_index += 1
                        next_checkpoint = (
                            checkpoint_seqs[next_index] if next_index < len(checkpoint_seqs) else 0
                        )
                    expected += 1
                    continue
            record = EntryRecord(seq, body, prev_hash, entry_hash)
            problem = _diagnose(record, expected, last, before_last, source)
            break
    except MalformedRecord as exc:
        problem = Problem(expected if exc.seq is None else exc.seq, MALFORMED, str(exc))

    head_seq = expected - 1
    if problem is None and next_checkpoint:
        # The log ended before a checkpoint: it was cut, unless the checkpoint itself is forged.
        reason = forged.get(next_checkpoint)
        if reason is not None:
            problem = Problem(next_checkpoint, BAD_SIGNATURE, reason)
        else:
            signed = by_seq[next_checkpoint][0]
            problem = Problem(
                next_checkpoint,
                TRUNCATED,
                f"the log ends at seq {head_seq} but a checkpoint signed at {signed.signed_at} "
                f"covers seq {next_checkpoint}",
            )
    return _report(head_seq, last, checked, problem)


def _report(head_seq: int, head_hash: str, checked: int, problem: Problem | None) -> VerifyReport:
    return VerifyReport(
        ok=problem is None,
        count=head_seq,
        head_seq=head_seq,
        head_hash=head_hash,
        checkpoints_checked=checked,
        problem=problem,
    )


def _signature_problem(
    checkpoint: Checkpoint, public_keys: Mapping[str, Ed25519PublicKey]
) -> str | None:
    key = public_keys.get(checkpoint.key_id)
    if key is None:
        return f"checkpoint at seq {checkpoint.seq} is signed by unknown key {checkpoint.key_id!r}"
    if key_id(key) != checkpoint.key_id:
        # A mis-filed key must not vouch for a key id it does not have.
        return f"the key given for key id {checkpoint.key_id} has a different key id"
    try:
        key.verify(checkpoint.signature, checkpoint.message())
    except InvalidSignature:
        # Nothing of an unverified checkpoint but its seq is echoed: the rest is the forger's.
        return f"checkpoint at seq {checkpoint.seq} does not verify with key {checkpoint.key_id}"
    return None


def _check_checkpoints(
    at_seq: list[Checkpoint], forged: str | None, actual: str, last_matched: int
) -> Problem | None:
    seq = at_seq[0].seq
    if forged is not None:
        return Problem(seq, BAD_SIGNATURE, forged)
    for checkpoint in at_seq:
        if checkpoint.entry_hash != actual:
            return Problem(
                seq,
                REWRITTEN,
                f"entry {seq} hashes to {_short(actual)} but the checkpoint signed at "
                f"{checkpoint.signed_at} says {_short(checkpoint.entry_hash)}: the chain was "
                f"rewritten consistently somewhere in seq {last_matched + 1}..{seq}",
            )
    return None


def _diagnose(
    record: EntryRecord,
    expected: int,
    last: str,
    before_last: str | None,
    source: Iterator[EntryRow],
) -> Problem:
    """Name the problem with `record`, which failed the hot path at position `expected`.

    Only runs once, so it may parse the body and look one record ahead. The rules, in order,
    are those of docs/audit-log.md: a record's own hashed body is trusted over its columns, and
    a record's neighbours decide between "this one was changed" and "this one does not belong".
    """
    e = expected
    if not _well_formed(record):
        return Problem(e, MALFORMED, f"record at position {e} has fields of the wrong type")
    consistent = chain_hash(record.prev_hash, record.body) == record.entry_hash
    stated_seq, stated_prev = _stated(record.body)
    peeked: list[EntryRecord | None] = []

    def following() -> EntryRecord | None:
        if not peeked:
            try:
                row = next(source, None)
                peeked.append(None if row is None else EntryRecord._make(row))
            except MalformedRecord:
                peeked.append(None)
        return peeked[0]

    def continues(other: EntryRecord | None) -> bool:
        # The record after this one links to seq e-1, as if this one were not there.
        return other is not None and other.prev_hash == last

    if e > 1 and record.entry_hash == last:
        return Problem(e - 1, DUPLICATED, f"the entry with seq {e - 1} appears twice in a row")

    if record.prev_hash == last:
        if not consistent:
            if continues(following()):
                return Problem(e, INSERTED, f"a record that does not hash sits after seq {e - 1}")
            return Problem(e, ALTERED, f"entry {e}: the body or entry_hash was changed")
        if stated_seq == e and stated_prev == last:
            if record.seq != e:
                return Problem(e, ALTERED, f"entry {e}: its seq column was changed to {record.seq}")
            # Hashes and says the right things, but not in the layout append_entry writes.
            return Problem(e, MALFORMED, f"entry {e}: the body is not in canonical form")
        return Problem(
            e,
            ALTERED,
            f"entry {e}: the body states seq {stated_seq} and prev "
            f"{_short(stated_prev)}, not seq {e} and prev {_short(last)}",
        )

    seq = stated_seq if consistent and isinstance(stated_seq, int) else record.seq
    if seq < e:
        if consistent and seq == e - 1 and record.prev_hash == before_last:
            return Problem(
                e - 1,
                INSERTED,
                f"two entries claim seq {e - 1} and both follow seq {e - 2}: one was inserted",
            )
        return Problem(e, REORDERED, f"expected seq {e}, found seq {seq}")

    if seq > e:
        after = following()
        # Something later still continues from seq e-1, or goes back below `seq`: this record
        # is out of place. Otherwise the log really skips ahead.
        if after is not None and (after.prev_hash == last or _claimed_seq(after) < seq):
            return Problem(e, REORDERED, f"expected seq {e}, found seq {seq} out of order")
        absent = f"seq {e}" if seq == e + 1 else f"seq {e}..{seq - 1}"
        return Problem(e, MISSING, f"{absent} absent: the log goes from seq {e - 1} to seq {seq}")

    # It claims this position but names another predecessor.
    if chain_hash(last, record.body) == record.entry_hash:
        return Problem(e, ALTERED, f"entry {e}: its prev_hash was changed")
    if consistent and e > 1 and record.prev_hash == before_last:
        return Problem(
            e - 1, INSERTED, f"entry {e} follows seq {e - 2} directly: seq {e - 1} was inserted"
        )
    after = following()
    if continues(after):
        return Problem(
            e, INSERTED, f"the record after entry {e} links to seq {e - 1}: entry {e} was inserted"
        )
    if consistent and e > 1 and after is not None and after.prev_hash == record.entry_hash:
        return Problem(
            e - 1,
            ALTERED,
            f"entry {e} and its successor agree, but entry {e} records predecessor "
            f"{_short(record.prev_hash)} while entry {e - 1} hashes to {_short(last)}: "
            f"entry {e - 1} was changed and re-hashed",
        )
    if consistent:
        return Problem(e, INSERTED, f"entry {e} does not link to seq {e - 1}")
    return Problem(e, ALTERED, f"entry {e} neither links to seq {e - 1} nor matches its hash")


def _well_formed(record: EntryRecord) -> bool:
    return (
        isinstance(record.seq, int)
        and not isinstance(record.seq, bool)
        and isinstance(record.body, bytes)
        and is_hash(record.prev_hash)
        and is_hash(record.entry_hash)
    )


def _stated(body: bytes) -> tuple[int | None, str | None]:
    """The seq and prev a body states at its top level (slow path only)."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(document, dict):
        return None, None
    seq, prev = document.get("seq"), document.get("prev")
    return (
        seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
        prev if isinstance(prev, str) else None,
    )


def _claimed_seq(record: EntryRecord) -> int:
    """The seq a record stands for: what its body says if the body is intact, else its column."""
    if _well_formed(record) and chain_hash(record.prev_hash, record.body) == record.entry_hash:
        stated, _ = _stated(record.body)
        if stated is not None:
            return stated
    return record.seq if isinstance(record.seq, int) else 0


def _short(value: str | None) -> str:
    """A hash abbreviated for messages; anything else quoted, so a forged body cannot put
    control characters on the auditor's terminal."""
    if value is None:
        return "none"
    return value[:16] + "…" if is_hash(value) else repr(value[:24])


# --- export files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportHeader:
    exported_at: str
    public_keys: Mapping[str, Ed25519PublicKey]


def write_export(
    out: TextIO,
    *,
    entries: Iterable[EntryRecord],
    checkpoints: Iterable[Checkpoint],
    public_keys: Mapping[str, Ed25519PublicKey],
    exported_at: str,
) -> int:
    """Write the JSON Lines export (header, entries in the order given, checkpoints); returns
    the number of entries written. Entries are written as stored: judging them is the reader's
    job, so nothing here repairs or skips."""
    keys = [
        {
            "key_id": key_id(key),
            "public_key_b64": base64.b64encode(
                key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            ).decode("ascii"),
        }
        for key in public_keys.values()
    ]
    keys.sort(key=lambda item: item["key_id"])
    header = {
        "type": "header",
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at,
        "public_keys": keys,
    }
    out.write(_line(header))
    written = 0
    for entry in entries:
        # Key order matters: the reader's first pass recognises entry lines by their prefix.
        out.write(
            _line(
                {
                    "type": "entry",
                    "seq": entry.seq,
                    "prev_hash": entry.prev_hash,
                    "entry_hash": entry.entry_hash,
                    "body_b64": base64.b64encode(entry.body).decode("ascii"),
                }
            )
        )
        written += 1
    for checkpoint in checkpoints:
        out.write(
            _line(
                {
                    "type": "checkpoint",
                    "seq": checkpoint.seq,
                    "hash": checkpoint.entry_hash,
                    "time": checkpoint.signed_at,
                    "key_id": checkpoint.key_id,
                    "signature_b64": base64.b64encode(checkpoint.signature).decode("ascii"),
                }
            )
        )
    return written


def _line(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def read_export(path: str | Path) -> tuple[ExportHeader, Iterator[EntryRecord], list[Checkpoint]]:
    """Read an export in constant memory: a first pass reads the header and the checkpoints
    (skipping entry lines unparsed), the returned iterator reads the entries in a second pass.

    Raises ExportFormatError (or OSError) if the file cannot be an export at all; a damaged line
    is instead raised as MalformedRecord from the iterator, at its position in the chain."""
    path = Path(path)
    with path.open("rb") as stream:
        header = _parse_header(stream.readline())
        checkpoints: list[Checkpoint] = []
        for line in stream:
            if line.startswith(_ENTRY_LINE_PREFIX):
                continue
            try:
                document = json.loads(line)
                if isinstance(document, dict) and document.get("type") == "checkpoint":
                    checkpoints.append(_checkpoint_from_json(document))
            except (ValueError, MalformedRecord):
                continue  # the second pass reports it where it sits
    return header, _read_entries(path), checkpoints


def _parse_header(line: bytes) -> ExportHeader:
    try:
        header = json.loads(line)
    except ValueError as exc:
        raise ExportFormatError(f"the first line is not JSON: {exc}") from None
    if (
        not isinstance(header, dict)
        or header.get("type") != "header"
        or header.get("format") != EXPORT_FORMAT
    ):
        raise ExportFormatError(f"not a {EXPORT_FORMAT} file (no header on the first line)")
    if header.get("version") != EXPORT_VERSION:
        raise ExportFormatError(f"unsupported export version {header.get('version')!r}")
    keys: dict[str, Ed25519PublicKey] = {}
    listed = header.get("public_keys", [])
    if not isinstance(listed, list):
        raise ExportFormatError("header: public_keys is not a list")
    for item in listed:
        try:
            key = Ed25519PublicKey.from_public_bytes(
                base64.b64decode(item["public_key_b64"], validate=True)
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise ExportFormatError(f"header: unreadable public key {item!r}: {exc}") from None
        if item.get("key_id") != key_id(key):
            raise ExportFormatError(f"header: key id {item.get('key_id')!r} does not match its key")
        keys[key_id(key)] = key
    exported_at = header.get("exported_at")
    return ExportHeader(
        exported_at=exported_at if isinstance(exported_at, str) else "",
        public_keys=MappingProxyType(keys),
    )


def _read_entries(path: Path) -> Iterator[EntryRecord]:
    with path.open("rb") as stream:
        stream.readline()  # the header, checked by the first pass
        line_number = 1
        in_checkpoints = False
        for line in stream:
            line_number += 1
            match = None if in_checkpoints else _ENTRY_LINE.fullmatch(line)
            if match is not None:
                try:
                    body = base64.b64decode(match[4])
                except binascii.Error:
                    raise MalformedRecord(f"line {line_number}: body_b64 is not base64") from None
                yield EntryRecord(
                    int(match[1]), body, match[2].decode("ascii"), match[3].decode("ascii")
                )
                continue
            try:
                document = json.loads(line)
            except ValueError:
                raise MalformedRecord(f"line {line_number} is not JSON") from None
            kind = document.get("type") if isinstance(document, dict) else None
            if kind == "entry":
                if in_checkpoints:
                    raise MalformedRecord(f"line {line_number}: an entry after the checkpoints")
                yield _entry_from_json(document, line_number)
            elif kind == "checkpoint":
                in_checkpoints = True
                _checkpoint_from_json(document, line_number)  # read by the first pass
            else:
                raise MalformedRecord(f"line {line_number}: unexpected record type {kind!r}")


def _entry_from_json(document: dict[str, Any], line_number: int) -> EntryRecord:
    seq, prev_hash, entry_hash = (
        document.get("seq"),
        document.get("prev_hash"),
        document.get("entry_hash"),
    )
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise MalformedRecord(f"line {line_number}: entry without an integer seq")
    if not is_hash(prev_hash) or not is_hash(entry_hash):
        raise MalformedRecord(f"line {line_number}: entry {seq} has a malformed hash")
    try:
        body = base64.b64decode(document["body_b64"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise MalformedRecord(f"line {line_number}: entry {seq} has no valid body_b64") from None
    return EntryRecord(seq=seq, body=body, prev_hash=prev_hash, entry_hash=entry_hash)


def _checkpoint_from_json(document: dict[str, Any], line_number: int = 0) -> Checkpoint:
    seq = document.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise MalformedRecord(f"line {line_number}: checkpoint without a valid seq")
    entry_hash, signed_at, signer = (
        document.get("hash"),
        document.get("time"),
        document.get("key_id"),
    )
    if not is_hash(entry_hash) or not isinstance(signed_at, str) or not isinstance(signer, str):
        raise MalformedRecord(f"line {line_number}: checkpoint at seq {seq} is malformed", seq)
    try:
        signature = base64.b64decode(document["signature_b64"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise MalformedRecord(
            f"line {line_number}: checkpoint at seq {seq} has no valid signature_b64", seq
        ) from None
    return Checkpoint(
        seq=seq, entry_hash=entry_hash, signed_at=signed_at, key_id=signer, signature=signature
    )


# --- command line -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="verify_audit.py",
        description="Verify an exported audit log: hash chain, order, and signed checkpoints.",
    )
    parser.add_argument("export", type=Path, help="export file (JSON Lines)")
    parser.add_argument(
        "--public-key",
        type=Path,
        action="append",
        metavar="KEY.pub",
        help="PEM public key to trust (repeat for keys used before a rotation); without it the "
        "keys listed in the export are used",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage message
        return exc.code if isinstance(exc.code, int) else 2

    try:
        pinned = [load_public_key(path) for path in args.public_key or []]
        header, entries, checkpoints = read_export(args.export)
        # Pinned keys replace the export's own list: whoever rewrote the log could have
        # replaced the listed key and re-signed the checkpoints too.
        keys = {key_id(key): key for key in pinned} if pinned else header.public_keys
        report = verify_entries(entries, checkpoints, keys)
    except (OSError, ValueError, ExportFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    elif report.problem is None:
        print(
            f"OK: {report.count} entries, head seq {report.head_seq} hash {report.head_hash}, "
            f"{report.checkpoints_checked} checkpoints verified"
        )
    else:
        problem = report.problem
        print(f"FAILED at seq {problem.seq}: {problem.kind}: {problem.detail}")
    if not pinned and checkpoints:
        print(
            "note: checkpoints were checked against the keys listed in the export itself; "
            "pass --public-key to trust only the department's published key",
            file=sys.stderr,
        )
    if not checkpoints:
        print(
            "note: the export has no checkpoints; entries cut from the end or rewritten "
            "consistently cannot be detected",
            file=sys.stderr,
        )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
