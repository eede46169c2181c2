"""Decide whether an uploaded file may become evidence (links: `links`; file names: `names`).

Types are judged by content (magic bytes, ZIP/OLE2 directories, UTF-8 validity); the name's
extension and the client's content type are never trusted. The extension still has to agree
with the content, because reviewers open files by extension: a PNG named ``.jpg`` is refused too,
with a message naming the real type, so what is stored is always what its name says.

Decisions the brief left open:

* Legacy OLE2 Office: the extension (.doc/.xls/.ppt) picks the type, but only if the matching
  stream (WordDocument / Workbook / PowerPoint Document) exists; any other OLE2 file (installers,
  Outlook messages, password-protected OOXML) is refused rather than stored as a generic
  ``application/x-ole-storage`` nobody could open safely.
* Macros: OOXML with a VBA project (a .docm in disguise), OpenDocument with Basic/Scripts and
  Word/Excel 97 files with macro storages are refused; reviewers should not have to open them.
* Text must be UTF-8 (a BOM is fine), named .txt or .csv; text that looks like HTML/XML/SVG or
  starts with ``#!`` is refused whatever its name, since browsers and shells treat it as active.
* A name without an extension is refused: the message says which extension to add.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

ErrorCode = Literal["too_large", "empty_file", "refused_type", "bad_filename", "bad_link"]


class EvidenceError(ValueError):
    """A refusal the officer can act on; ``code`` is stable for the API, ``message`` is English."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message

    @property
    def http_status(self) -> int:
        # Kept next to the codes so the API cannot drift from them.
        return 413 if self.code == "too_large" else 422


@dataclass(frozen=True)
class DetectedType:
    media_type: str
    extension: str  # canonical, with the dot: ".pdf"
    label: str


PDF = DetectedType("application/pdf", ".pdf", "PDF document")
PNG = DetectedType("image/png", ".png", "PNG image")
JPEG = DetectedType("image/jpeg", ".jpg", "JPEG image")
GIF = DetectedType("image/gif", ".gif", "GIF image")
WEBP = DetectedType("image/webp", ".webp", "WebP image")
DOCX = DetectedType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
    "Word document",
)
XLSX = DetectedType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "Excel workbook"
)
PPTX = DetectedType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".pptx",
    "PowerPoint presentation",
)
ODT = DetectedType("application/vnd.oasis.opendocument.text", ".odt", "OpenDocument text")
ODS = DetectedType(
    "application/vnd.oasis.opendocument.spreadsheet", ".ods", "OpenDocument spreadsheet"
)
ODP = DetectedType(
    "application/vnd.oasis.opendocument.presentation", ".odp", "OpenDocument presentation"
)
DOC = DetectedType("application/msword", ".doc", "Word 97-2003 document")
XLS = DetectedType("application/vnd.ms-excel", ".xls", "Excel 97-2003 workbook")
PPT = DetectedType("application/vnd.ms-powerpoint", ".ppt", "PowerPoint 97-2003 presentation")
TEXT = DetectedType("text/plain; charset=utf-8", ".txt", "plain text file")
CSV = DetectedType("text/csv; charset=utf-8", ".csv", "CSV file")

# Other spellings officers' machines produce for the same content.
_EXTRA_EXTENSIONS: dict[DetectedType, frozenset[str]] = {JPEG: frozenset({".jpeg"})}

_ACCEPTED_SUMMARY = (
    "Accepted: PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint, OpenDocument, "
    "and UTF-8 text (.txt, .csv)."
)

# --- ZIP (Office Open XML / OpenDocument) bounds -------------------------------------------------
# Real Office files have tens to a few hundred members and XML compresses well, but not by
# hundreds: these limits only catch archives built to exhaust whoever unpacks them.
MAX_ZIP_MEMBERS = 5_000
MAX_ZIP_RATIO = 200
MAX_ZIP_UNCOMPRESSED = 1 << 30
_RATIO_FLOOR = 1 << 20  # tiny members have meaningless ratios
_MAX_SMALL_MEMBER = 1 << 20  # [Content_Types].xml and mimetype are read, nothing else

_OOXML_KINDS: tuple[tuple[str, DetectedType, str], ...] = (
    ("word", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main"),
    ("xl", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main"),
    ("ppt", PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation.main"),
)
_ODF_KINDS = {t.media_type: t for t in (ODT, ODS, ODP)}

# --- OLE2 (legacy Office) -------------------------------------------------------------------------
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_BY_EXTENSION = {".doc": DOC, ".xls": XLS, ".ppt": PPT}
_OLE_CONTENT_STREAMS = {
    DOC: frozenset({"WordDocument"}),
    XLS: frozenset({"Workbook", "Book"}),
    PPT: frozenset({"PowerPoint Document"}),
}
# Word keeps VBA under "Macros", Excel under "_VBA_PROJECT_CUR". PowerPoint 97 hides it inside
# its main stream, which this check cannot see.
_OLE_MACRO_STORAGES = frozenset({"Macros", "_VBA_PROJECT_CUR"})
_OLE_ENCRYPTED = "EncryptedPackage"
_OLE_INTERESTING = frozenset().union(
    *_OLE_CONTENT_STREAMS.values(), _OLE_MACRO_STORAGES, {_OLE_ENCRYPTED}
)
_OLE_DIR_ENTRY = 128

# --- Text -----------------------------------------------------------------------------------------
_CHUNK = 1 << 20
# C0/C1 controls except tab, LF, FF, CR; a few (stray form feeds, ESC) are tolerated.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_PERCENT = 1
_MARKUP_START = re.compile(r"<[a-z!?/]")
_MARKUP_TAGS = ("<html", "<script", "<svg", "<!doctype", "<?xml", "<iframe", "<body", "<head")

# Refused binary formats named in the message, so the officer knows what they uploaded.
_KNOWN_REFUSED: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xce\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java program"),
    (b"\x00asm", "a WebAssembly module"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"II*\x00", "a TIFF image (convert it to PDF or PNG)"),
    (b"MM\x00*", "a TIFF image (convert it to PDF or PNG)"),
)


def _refuse(message: str) -> EvidenceError:
    return EvidenceError("refused_type", message)


def detect_type(head: bytes, filename: str, *, source: Path | None = None) -> DetectedType:
    """Identify an upload by its content and check that ``filename``'s extension agrees.

    ``head`` is the beginning of the file. Container formats (ZIP, OLE2) and text need the whole
    file: pass it as ``source`` (a path); without ``source``, ``head`` is taken to be the whole
    content. Raises ``EvidenceError`` (``empty_file`` or ``refused_type``).
    """
    if not head:
        raise EvidenceError("empty_file", "The file is empty.")
    content: Path | bytes = source if source is not None else head
    detected = _detect(head, filename, content)
    extension = _extension_of(filename)
    if extension != detected.extension and extension not in _EXTRA_EXTENSIONS.get(
        detected, frozenset()
    ):
        named = f"its name ends in {extension}" if extension else "its name has no extension"
        raise _refuse(
            f"The file is really a {detected.label}, but {named}. "
            f"Rename it to end in {detected.extension} and upload it again."
        )
    return detected


def _detect(head: bytes, filename: str, content: Path | bytes) -> DetectedType:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _detect_zip(content)
    if head.startswith(_OLE_MAGIC):
        return _detect_ole(content, filename)
    verdict = _text_verdict(head, content)
    if verdict == "text":
        return CSV if _extension_of(filename) == ".csv" else TEXT
    if verdict == "markup":
        raise _refuse("HTML, XML and SVG files are not accepted (they can carry scripts).")
    if verdict == "script":
        raise _refuse("Scripts are not accepted.")
    for magic, what in _KNOWN_REFUSED:
        if head.startswith(magic):
            raise _refuse(f"The file is {what}, which is not accepted. {_ACCEPTED_SUMMARY}")
    if verdict == "not_utf8" and _extension_of(filename) in (".txt", ".csv"):
        raise _refuse(
            "Text files must be saved as UTF-8 (in Excel choose “CSV UTF-8”; in Notepad choose "
            "the UTF-8 encoding)."
        )
    raise _refuse(f"This kind of file is not accepted. {_ACCEPTED_SUMMARY}")


def _extension_of(filename: str) -> str:
    base = re.split(r"[/\\]", filename)[-1].strip().rstrip(". ")
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


@contextmanager
def _binary(content: Path | bytes) -> Iterator[BinaryIO]:
    if isinstance(content, bytes):
        yield io.BytesIO(content)
    else:
        with content.open("rb") as handle:
            yield handle


# --- ZIP ------------------------------------------------------------------------------------------


def _detect_zip(content: Path | bytes) -> DetectedType:
    try:
        with _binary(content) as handle:
            declared = _declared_member_count(handle)
            # Checked before zipfile parses the central directory, which would build one
            # object per entry however many a hostile file claims.
            if declared > MAX_ZIP_MEMBERS:
                raise _refuse("The archive has an unreasonable number of parts and was refused.")
            with zipfile.ZipFile(handle) as archive:
                infos = archive.infolist()
                _check_zip_bounds(infos)
                names = {info.filename for info in infos}
                if "[Content_Types].xml" in names:
                    return _detect_ooxml(archive, names)
                if "mimetype" in names:
                    return _detect_odf(archive, names)
    except EvidenceError:
        raise
    except (
        zipfile.BadZipFile,
        RuntimeError,  # encrypted members
        NotImplementedError,  # unsupported compression
        EOFError,
        OSError,
        ValueError,
        struct.error,
        zlib.error,
    ) as error:
        raise _refuse("The file is a damaged or password-protected archive.") from error
    raise _refuse("ZIP archives are not accepted; upload the documents themselves.")


_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"


def _declared_member_count(handle: BinaryIO) -> int:
    size = handle.seek(0, io.SEEK_END)
    # The end record sits in the last 22 bytes plus at most a 64 KiB comment.
    start = max(0, size - (_EOCD_SIZE + 0xFFFF))
    handle.seek(start)
    tail = handle.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < _EOCD_SIZE:
        raise zipfile.BadZipFile("no end of central directory")
    (entries,) = struct.unpack_from("<H", tail, at + 10)
    if entries != 0xFFFF:
        return entries
    # ZIP64: the classic record is saturated; the locator just before it points at the real one.
    locator = at - 20
    if locator < 0 or tail[locator : locator + 4] != _ZIP64_LOCATOR:
        raise zipfile.BadZipFile("saturated entry count without ZIP64 records")
    (offset,) = struct.unpack_from("<Q", tail, locator + 8)
    handle.seek(offset)
    record = handle.read(56)
    if len(record) < 56 or record[:4] != _ZIP64_EOCD:
        raise zipfile.BadZipFile("bad ZIP64 end record")
    (entries64,) = struct.unpack_from("<Q", record, 32)
    return int(entries64)


def _check_zip_bounds(infos: list[zipfile.ZipInfo]) -> None:
    bomb = _refuse("The archive expands to an unreasonable size and was refused.")
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _refuse("The archive has an unreasonable number of parts and was refused.")
    # Duplicate names are how overlapping-entry bombs reuse one compressed stream many times.
    if len({info.filename for info in infos}) != len(infos):
        raise _refuse("The archive has duplicate parts and was refused.")
    total = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos)
    if total > MAX_ZIP_UNCOMPRESSED:
        raise bomb
    if total > _RATIO_FLOOR and total > MAX_ZIP_RATIO * max(compressed, 1):
        raise bomb
    for info in infos:
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_ZIP_RATIO * max(
            info.compress_size, 1
        ):
            raise bomb


def _read_small_member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        data = member.read(_MAX_SMALL_MEMBER + 1)
    if len(data) > _MAX_SMALL_MEMBER:
        raise _refuse("The document's manifest is unreasonably large and was refused.")
    return data


def _detect_ooxml(archive: zipfile.ZipFile, names: set[str]) -> DetectedType:
    top_folders = {name.split("/", 1)[0] for name in names if "/" in name}
    kinds = [kind for kind in _OOXML_KINDS if kind[0] in top_folders]
    if len(kinds) != 1:
        raise _refuse(f"The file is not a Word, Excel or PowerPoint document. {_ACCEPTED_SUMMARY}")
    _, detected, main_type = kinds[0]
    content_types = _read_small_member(archive, "[Content_Types].xml").decode("utf-8", "replace")
    has_vba = any(name.lower().endswith("vbaproject.bin") for name in names)
    if has_vba or "macroenabled" in content_types.lower():
        raise _refuse(
            f"Documents with macros are not accepted; save it as a {detected.extension} file "
            "without macros."
        )
    # Templates and other package kinds share the folders but not the main part's type.
    if f"{main_type}+xml" not in content_types:
        raise _refuse(f"The file is not a regular {detected.label}.")
    return detected


def _detect_odf(archive: zipfile.ZipFile, names: set[str]) -> DetectedType:
    media_type = _read_small_member(archive, "mimetype").decode("ascii", "replace").strip()
    detected = _ODF_KINDS.get(media_type)
    if detected is None:
        raise _refuse(f"This kind of document is not accepted. {_ACCEPTED_SUMMARY}")
    if any(name.startswith(("Basic/", "Scripts/")) for name in names):
        raise _refuse("Documents with macros are not accepted; save it without macros.")
    return detected


# --- OLE2 -----------------------------------------------------------------------------------------


def _detect_ole(content: Path | bytes, filename: str) -> DetectedType:
    entries = _ole_entry_names(content)
    if _OLE_ENCRYPTED in entries:
        raise _refuse("Password-protected documents cannot be checked; remove the password first.")
    detected = _OLE_BY_EXTENSION.get(_extension_of(filename))
    if detected is None:
        # Installers (.msi) and Outlook messages share this container; only the three old
        # Office formats are wanted, and the name is the only thing that says which to expect.
        raise _refuse(
            "Only old-style Office files named .doc, .xls or .ppt are accepted in this format."
        )
    if not entries & _OLE_CONTENT_STREAMS[detected]:
        raise _refuse(f"The file's name says {detected.label}, but its content is not one.")
    if entries & _OLE_MACRO_STORAGES:
        raise _refuse("Documents with macros are not accepted; save it without macros.")
    return detected


def _ole_entry_names(content: Path | bytes) -> set[str]:
    """Names of interesting directory entries, found without walking the FAT.

    Directory entries are 128-byte records in sectors that start at multiples of 512 (or 4096),
    so every entry lies at a 128-aligned offset after the header. A record whose name field,
    length field and type byte are consistent with a stream or storage called one of the
    interesting names counts; content that merely mentions a name is not aligned and shaped
    like that by accident in real files, and a forger gains nothing but a refusal.
    """
    found: set[str] = set()
    with _binary(content) as handle:
        handle.seek(512)
        # A chunk size that is a multiple of 128 keeps records from straddling chunks.
        while chunk := handle.read(_CHUNK):
            for at in range(0, len(chunk) - _OLE_DIR_ENTRY + 1, _OLE_DIR_ENTRY):
                name_bytes = chunk[at + 64] | (chunk[at + 65] << 8)
                entry_type = chunk[at + 66]
                if entry_type not in (1, 2) or not 4 <= name_bytes <= 64 or name_bytes % 2:
                    continue
                raw = chunk[at : at + name_bytes - 2]
                try:
                    name = raw.decode("utf-16-le")
                except UnicodeDecodeError:
                    continue
                if name in _OLE_INTERESTING:
                    found.add(name)
    return found


# --- Text -----------------------------------------------------------------------------------------

TextVerdict = Literal["text", "markup", "script", "not_utf8", "binary"]


def _text_verdict(head: bytes, content: Path | bytes) -> TextVerdict:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    characters = controls = 0
    with _binary(content) as handle:
        while chunk := handle.read(_CHUNK):
            if b"\x00" in chunk:
                return "binary"
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                return "not_utf8"
            characters += len(text)
            # sub() rather than findall(): a file of nothing but controls must not build a list.
            controls += len(text) - len(_CONTROL.sub("", text))
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "not_utf8"
    if controls * 100 > characters * _MAX_CONTROL_PERCENT:
        return "binary"
    start = head[:1024].decode("utf-8", "ignore").lstrip("\ufeff \t\r\n\f").lower()
    if start.startswith("#!"):
        return "script"
    if _MARKUP_START.match(start) or any(tag in start for tag in _MARKUP_TAGS):
        return "markup"
    return "text"
