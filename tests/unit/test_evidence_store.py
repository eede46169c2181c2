"""The content-addressed evidence store, on real files under tmp_path."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import threading
from pathlib import Path

import pytest

from tests.unit.test_evidence_validation import (
    HTML,
    THAI_TEXT,
    make_elf,
    make_ooxml,
    make_pdf,
    make_png,
)
from workflow_app.evidence.store import EvidenceStore, StoredFile
from workflow_app.evidence.validation import EvidenceError

LIMIT = 64 << 10


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence", max_bytes=LIMIT)


def stored_files(store: EvidenceStore) -> list[Path]:
    return sorted(p for p in (store.root / "sha256").rglob("*") if p.is_file())


def leftovers(store: EvidenceStore) -> list[Path]:
    tmp = store.root / "tmp"
    return list(tmp.iterdir()) if tmp.exists() else []


def text_of_size(size: int) -> bytes:
    line = "หลักฐานการดำเนินงาน\n".encode()
    body = (line * (size // len(line) + 1))[:size]
    # Cutting may split a Thai character; pad the tail with ASCII to keep it valid UTF-8.
    while True:
        try:
            body.decode("utf-8")
            return body
        except UnicodeDecodeError as error:
            body = body[: error.start] + b"x" * (size - error.start)


class EndlessStream(io.RawIOBase):
    """A client that never stops sending; counts what the store asked for."""

    def __init__(self) -> None:
        self.delivered = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size > 0, "the store must never read without a bound"
        self.delivered += size
        return b"a" * size


class FailingStream(io.RawIOBase):
    """A connection that drops after some bytes."""

    def __init__(self, first: bytes) -> None:
        self.first: bytes | None = first

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.first is not None:
            data, self.first = self.first, None
            return data
        raise ConnectionResetError("client went away")


def test_store_keeps_the_file_under_its_hash(store: EvidenceStore) -> None:
    content = make_pdf()
    result = store.store(io.BytesIO(content), "รายงาน ไตรมาส ๑.pdf")

    digest = hashlib.sha256(content).hexdigest()
    assert result == StoredFile(
        sha256=digest,
        size=len(content),
        media_type="application/pdf",
        filename="รายงาน ไตรมาส ๑.pdf",
        path=store.root / "sha256" / digest[:2] / digest[2:4] / digest,
        already_present=False,
    )
    assert result.path.read_bytes() == content
    assert store.path_for(digest) == result.path
    with store.open(digest) as handle:
        assert handle.read() == content
    assert store.verify(digest)
    assert leftovers(store) == []


def test_stored_files_are_read_only(store: EvidenceStore) -> None:
    result = store.store(io.BytesIO(make_png()), "photo.png")
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o444
    if os.geteuid() != 0:  # root ignores permission bits
        with pytest.raises(PermissionError):
            result.path.open("ab")


def test_file_of_exactly_the_limit_is_accepted(store: EvidenceStore) -> None:
    content = text_of_size(LIMIT)
    result = store.store(io.BytesIO(content), "notes.txt")
    assert result.size == LIMIT
    assert result.media_type == "text/plain; charset=utf-8"


def test_one_byte_over_the_limit_is_refused_and_leaves_nothing(store: EvidenceStore) -> None:
    with pytest.raises(EvidenceError) as caught:
        store.store(io.BytesIO(text_of_size(LIMIT + 1)), "notes.txt")
    assert caught.value.code == "too_large"
    assert caught.value.http_status == 413
    assert "64 KB" in caught.value.message
    assert leftovers(store) == []
    assert stored_files(store) == []


def test_reading_stops_just_past_the_limit(store: EvidenceStore) -> None:
    stream = EndlessStream()
    with pytest.raises(EvidenceError) as caught:
        store.store(stream, "endless.txt")  # type: ignore[arg-type]
    assert caught.value.code == "too_large"
    assert stream.delivered == LIMIT + 1
    assert leftovers(store) == []


def test_empty_upload_is_refused(store: EvidenceStore) -> None:
    with pytest.raises(EvidenceError) as caught:
        store.store(io.BytesIO(b""), "empty.pdf")
    assert caught.value.code == "empty_file"
    assert leftovers(store) == []


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (HTML, "report.pdf"),
        (make_elf(), "report.pdf"),
        (make_png(), "photo.jpg"),
        (make_ooxml("docx"), "budget.xlsx"),
        # The NUL sits beyond the head the store samples: the whole file must be checked.
        (THAI_TEXT * 300 + b"\x00", "notes.txt"),
    ],
)
def test_disguised_content_is_refused_and_leaves_nothing(
    store: EvidenceStore, content: bytes, filename: str
) -> None:
    with pytest.raises(EvidenceError) as caught:
        store.store(io.BytesIO(content), filename)
    assert caught.value.code == "refused_type"
    assert leftovers(store) == []
    assert stored_files(store) == []


def test_zip_based_documents_are_checked_from_the_temporary_file(store: EvidenceStore) -> None:
    result = store.store(io.BytesIO(make_ooxml("xlsx")), "งบประมาณ.xlsx")
    assert result.media_type.endswith("spreadsheetml.sheet")


def test_broken_stream_leaves_nothing(store: EvidenceStore) -> None:
    with pytest.raises(ConnectionResetError):
        store.store(FailingStream(b"%PDF-1.4 partial"), "report.pdf")  # type: ignore[arg-type]
    assert leftovers(store) == []
    assert stored_files(store) == []


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\boot.txt", "boot.txt"),
        ("/var/www/evidence/x.txt", "x.txt"),
    ],
)
def test_path_traversal_in_the_name_cannot_escape(
    store: EvidenceStore, filename: str, expected: str
) -> None:
    result = store.store(io.BytesIO(THAI_TEXT), filename)
    assert result.filename == expected
    assert result.path.resolve().is_relative_to((store.root / "sha256").resolve())


def test_bad_name_is_refused_before_reading(store: EvidenceStore) -> None:
    stream = EndlessStream()
    with pytest.raises(EvidenceError) as caught:
        store.store(stream, "../..")  # type: ignore[arg-type]
    assert caught.value.code == "bad_filename"
    assert stream.delivered == 0


def test_same_content_is_stored_once(store: EvidenceStore) -> None:
    first = store.store(io.BytesIO(make_pdf()), "a.pdf")
    second = store.store(io.BytesIO(make_pdf()), "another name.pdf")
    assert not first.already_present
    assert second.already_present
    assert second.path == first.path
    assert second.filename == "another name.pdf"
    assert stored_files(store) == [first.path]
    assert leftovers(store) == []


def test_concurrent_stores_of_the_same_content_end_with_one_intact_file(
    store: EvidenceStore,
) -> None:
    content = text_of_size(LIMIT // 2)
    workers = 12
    barrier = threading.Barrier(workers)
    results: list[StoredFile] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def upload(index: int) -> None:
        barrier.wait()
        try:
            result = store.store(io.BytesIO(content), f"copy {index}.txt")
        except BaseException as error:
            with lock:
                errors.append(error)
        else:
            with lock:
                results.append(result)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(results) == workers
    assert len({result.path for result in results}) == 1
    assert stored_files(store) == [results[0].path]
    assert results[0].path.read_bytes() == content
    assert store.verify(results[0].sha256)
    assert leftovers(store) == []


def test_different_content_gets_different_files(store: EvidenceStore) -> None:
    a = store.store(io.BytesIO(make_pdf()), "a.pdf")
    b = store.store(io.BytesIO(make_png()), "b.png")
    assert a.sha256 != b.sha256
    assert stored_files(store) == sorted([a.path, b.path])


def test_file_and_directories_are_synced(
    store: EvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    store.store(io.BytesIO(make_pdf()), "a.pdf")
    assert synced[0] == "file"
    assert "dir" in synced[1:]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0" * 63,
        "0" * 65,
        "A" * 64,
        "g" * 64,
        "0" * 63 + "\n",
        "../" + "0" * 61,
        "0" * 62 + "/x",
        "..%2f" + "0" * 59,
    ],
)
def test_hash_paths_are_validated(store: EvidenceStore, bad: str) -> None:
    with pytest.raises(ValueError):
        store.path_for(bad)
    with pytest.raises(ValueError):
        store.open(bad)
    with pytest.raises(ValueError):
        store.verify(bad)


def test_hash_must_be_a_string(store: EvidenceStore) -> None:
    with pytest.raises(ValueError):
        store.path_for(b"0" * 64)  # type: ignore[arg-type]


def test_verify_detects_tampering_and_absence(store: EvidenceStore) -> None:
    result = store.store(io.BytesIO(make_pdf()), "a.pdf")
    assert store.verify(result.sha256)

    result.path.chmod(0o644)
    result.path.write_bytes(make_pdf().replace(b"72 72", b"99 99"))
    assert not store.verify(result.sha256)

    result.path.unlink()
    assert not store.verify(result.sha256)
    with pytest.raises(FileNotFoundError):
        store.open(result.sha256)


def test_store_needs_no_directories_until_first_upload(tmp_path: Path) -> None:
    root = tmp_path / "not-yet"
    store = EvidenceStore(root, max_bytes=10)
    assert not root.exists()
    assert not store.verify("0" * 64)


def test_limit_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        EvidenceStore(tmp_path, max_bytes=0)
