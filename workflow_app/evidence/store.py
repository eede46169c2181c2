"""A write-once, content-addressed store for evidence files.

Layout under ``root``::

    tmp/                      uploads being received (same filesystem, so the final move is atomic)
    sha256/ab/cd/abcd…        one read-only file per distinct content, named by its SHA-256

The same bytes are kept once however many activities cite them; the database rows (kept by the
engine) carry the per-upload file names. Stored files are never rewritten, so a hash recorded in
the audit trail keeps pointing at exactly the bytes that were reviewed; ``verify`` re-checks that.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from workflow_app.evidence.names import sanitise_filename
from workflow_app.evidence.validation import EvidenceError, detect_type

_CHUNK = 1 << 20
_HEAD = 8 << 10  # enough for every magic number detect_type looks at
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_READ_ONLY = 0o444


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    media_type: str
    filename: str  # sanitised
    path: Path
    already_present: bool


class EvidenceStore:
    """Receives uploads into ``root`` and serves them back by hash."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        # Directories are created on first store, not here, so a read-only mount (an auditor's
        # copy) can still be opened and verified.
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._tmp = self.root / "tmp"
        self._objects = self.root / "sha256"

    def store(self, stream: BinaryIO, filename: str) -> StoredFile:
        """Receive ``stream`` (read to its end), check it and keep it once.

        Raises ``EvidenceError``: ``bad_filename`` before reading anything, then ``too_large``
        as soon as more than ``max_bytes`` arrived, ``empty_file`` or ``refused_type``.
        No temporary file survives a refusal or any other error.
        """
        clean_name = sanitise_filename(filename)
        self._tmp.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=self._tmp, prefix="upload-", suffix=".part")
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                sha256, size, head = self._receive(stream, out)
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                raise EvidenceError("empty_file", "The file is empty.")
            detected = detect_type(head, clean_name, source=temp)
            # Read-only before it becomes visible under its hash: never a writable moment.
            os.chmod(temp, _READ_ONLY)
            target = self.path_for(sha256)
            already_present = self._publish(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return StoredFile(
            sha256=sha256,
            size=size,
            media_type=detected.media_type,
            filename=clean_name,
            path=target,
            already_present=already_present,
        )

    def path_for(self, sha256: str) -> Path:
        """Where content with this hash lives; refuses anything but 64 lowercase hex digits."""
        # fullmatch on a str only: "$"-style matching would let a trailing newline through, and
        # the hash must never carry "..", "/" or anything else into the path.
        if not isinstance(sha256, str) or not _SHA256_HEX.fullmatch(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self._objects / sha256[:2] / sha256[2:4] / sha256

    def open(self, sha256: str) -> BinaryIO:
        """Open stored content for reading; ``FileNotFoundError`` if it is not here."""
        return self.path_for(sha256).open("rb")

    def verify(self, sha256: str) -> bool:
        """Re-hash the stored file: True only if it exists and still has exactly this hash."""
        try:
            handle = self.open(sha256)
        except FileNotFoundError:
            return False
        with handle:
            return hashlib.file_digest(handle, "sha256").hexdigest() == sha256

    def _receive(self, stream: BinaryIO, out: BinaryIO) -> tuple[str, int, bytes]:
        hasher = hashlib.sha256()
        head = bytearray()
        size = 0
        while True:
            # Never ask for more than one byte past the limit: that byte is what proves it.
            chunk = stream.read(min(_CHUNK, self.max_bytes + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_bytes:
                raise EvidenceError(
                    "too_large", f"The file is larger than the {_describe(self.max_bytes)} limit."
                )
            hasher.update(chunk)
            if len(head) < _HEAD:
                head += chunk[: _HEAD - len(head)]
            out.write(chunk)
        return hasher.hexdigest(), size, bytes(head)

    def _publish(self, temp: Path, target: Path) -> bool:
        """Move ``temp`` to ``target`` unless that content is already stored; True if it was."""
        if target.exists():
            temp.unlink()
            return True
        self._make_directories(target.parent)
        # Two uploads of the same bytes may both get here; each replace is atomic and the
        # contents are identical, so readers only ever see one complete file. Both then report
        # already_present=False, which is harmless: the hash is the identity.
        os.replace(temp, target)
        _fsync_directory(target.parent)
        return False

    def _make_directories(self, directory: Path) -> None:
        missing: list[Path] = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for path in reversed(missing):
            try:
                path.mkdir()
            except FileExistsError:
                continue  # a concurrent upload made it
            # A new directory's entry must be durable too, or a crash can lose the whole subtree.
            _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync there; NTFS journals renames
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _describe(size: int) -> str:
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size:,} bytes"
