"""Evidence validation: types by content, file names, links.

The make_* builders produce real minimal files (decoded once with Pillow and identified by
`file` while writing them) and are reused by test_evidence_store.
"""

from __future__ import annotations

import io
import struct
import unicodedata
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from workflow_app.evidence.links import validate_link
from workflow_app.evidence.names import MAX_FILENAME_BYTES, sanitise_filename
from workflow_app.evidence.validation import MAX_ZIP_MEMBERS, EvidenceError, detect_type

# --- Builders -------------------------------------------------------------------------------------


def make_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png() -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\x80")  # filter byte, one grey pixel
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def make_jpeg() -> bytes:
    """A baseline 1x1 grey JPEG: one block whose DC difference and AC run are both empty."""
    quant = _jpeg_segment(0xDB, b"\x00" + b"\x01" * 64)
    frame = _jpeg_segment(0xC0, struct.pack(">BHHB", 8, 1, 1, 1) + b"\x01\x11\x00")
    # One-symbol Huffman tables: code "0" means DC category 0, and AC end-of-block.
    dc_table = _jpeg_segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
    ac_table = _jpeg_segment(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00")
    scan = _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    entropy = b"\x3f"  # bits "00" then 1-padding
    return b"\xff\xd8" + quant + frame + dc_table + ac_table + scan + entropy + b"\xff\xd9"


def make_gif() -> bytes:
    screen = struct.pack("<HHBBB", 1, 1, 0x80, 0, 0)  # 1x1, global table of two colours
    palette = b"\xff\xff\xff\x00\x00\x00"
    image = b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
    # LZW, minimum code size 2: clear (4), index 0, end (5), 3 bits each, LSB first.
    pixels = b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + screen + palette + image + pixels + b";"


def make_webp() -> bytes:
    """A lossless 1x1 WebP whose five prefix codes each have a single symbol (zero-bit pixels)."""
    bits: list[int] = []

    def put(value: int, width: int) -> None:
        bits.extend((value >> i) & 1 for i in range(width))

    put(0, 14)  # width - 1
    put(0, 14)  # height - 1
    put(0, 1)  # alpha hint
    put(0, 3)  # version
    put(0, 1)  # no transform
    put(0, 1)  # no colour cache
    put(0, 1)  # no meta prefix codes
    for symbol in (0, 0, 0, 255, 0):  # green, red, blue, alpha, distance
        put(1, 1)  # simple code
        put(0, 1)  # one symbol
        wide = symbol > 1
        put(int(wide), 1)
        put(symbol, 8 if wide else 1)
    bits.extend([0] * (-len(bits) % 8))
    packed = bytes(
        sum(bit << i for i, bit in enumerate(bits[at : at + 8])) for at in range(0, len(bits), 8)
    )
    payload = b"\x2f" + packed
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def make_zip(members: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:
            archive.writestr(stored_first, members[stored_first], zipfile.ZIP_STORED)
        for name, data in members.items():
            if name != stored_first:
                archive.writestr(name, data)
    return buffer.getvalue()


_OOXML = "application/vnd.openxmlformats-officedocument"
_OOXML_PARTS = {
    "docx": (
        "word/document.xml",
        f"{_OOXML}.wordprocessingml.document.main+xml",
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>\xe0\xb8\xa3\xe0\xb8\xb2\xe0\xb8\xa2\xe0\xb8\x87\xe0\xb8\xb2"
        b"\xe0\xb8\x99</w:t></w:r></w:p></w:body></w:document>",
    ),
    "xlsx": (
        "xl/workbook.xml",
        f"{_OOXML}.spreadsheetml.sheet.main+xml",
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
    ),
    "pptx": (
        "ppt/presentation.xml",
        f"{_OOXML}.presentationml.presentation.main+xml",
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>',
    ),
}


def make_ooxml(
    kind: str = "docx", *, main_type: str | None = None, extra: dict[str, bytes] | None = None
) -> bytes:
    part, default_type, body = _OOXML_PARTS[kind]
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{main_type or default_type}"/>'
        "</Types>"
    ).encode()
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{part}"/></Relationships>'
    ).encode()
    members = {"[Content_Types].xml": content_types, "_rels/.rels": rels, part: body}
    return make_zip(members | (extra or {}))


def make_odf(media_type: str = "application/vnd.oasis.opendocument.text") -> bytes:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{media_type}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    ).encode()
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' office:version="1.2"><office:body/></office:document-content>'
    )
    members = {
        "mimetype": media_type.encode(),
        "META-INF/manifest.xml": manifest,
        "content.xml": content,
    }
    return make_zip(members, stored_first="mimetype")


_FREE, _END, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _ole_entry(
    name: str,
    kind: int,
    *,
    right: int = _NO_STREAM,
    child: int = _NO_STREAM,
    start: int = _END,
    size: int = 0,
) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    entry = bytearray(128)
    entry[: len(encoded)] = encoded
    struct.pack_into("<HBB", entry, 64, len(encoded), kind, 1)  # length, type, black
    struct.pack_into("<III", entry, 68, _NO_STREAM, right, child)
    struct.pack_into("<IQ", entry, 116, start, size)
    return bytes(entry)


def make_ole(streams: tuple[str, ...] = ("WordDocument",), storages: tuple[str, ...] = ()) -> bytes:
    """A version-3 compound file: sector 0 is the FAT, sector 1 the directory, then 4 KiB
    streams (big enough to live in regular sectors, so no mini stream is needed)."""
    names = [(name, 2) for name in streams] + [(name, 1) for name in storages]
    assert len(names) <= 3, "one directory sector holds the root and three entries"
    sectors_per_stream = 4096 // 512
    fat = [_FAT_SECTOR, _END]
    entries = []
    for index, (name, kind) in enumerate(names, start=1):
        sibling = index + 1 if index < len(names) else _NO_STREAM
        if kind == 2:
            start = len(fat)
            fat.extend(range(start + 1, start + sectors_per_stream))
            fat.append(_END)
            entries.append(_ole_entry(name, 2, right=sibling, start=start, size=4096))
        else:
            entries.append(_ole_entry(name, 1, right=sibling))
    root = _ole_entry("Root Entry", 5, child=1 if names else _NO_STREAM)
    directory = root + b"".join(entries)
    directory += b"\x00" * (512 - len(directory))  # unused entries
    fat_sector = struct.pack("<128I", *(fat + [_FREE] * (128 - len(fat))))
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<9I", header, 40, 0, 1, 1, 0, 4096, _END, 0, _END, 0)
    struct.pack_into("<109I", header, 76, 0, *([_FREE] * 108))
    data = b"".join(name.encode("ascii", "replace").ljust(4096, b"\x00") for name in streams)
    return bytes(header) + fat_sector + directory + data


def make_elf() -> bytes:
    ident = b"\x7fELF\x02\x01\x01" + b"\x00" * 9
    return ident + struct.pack(
        "<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x401000, 64, 0, 0, 64, 56, 0, 64, 0, 0
    )


def make_pe() -> bytes:
    dos = bytearray(64)
    dos[:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 64)
    coff = struct.pack("<HHIIIHH", 0x8664, 0, 0, 0, 0, 0, 0x22)
    return bytes(dos) + b"PE\x00\x00" + coff


THAI_TEXT = "รายงานผลการดำเนินงาน ไตรมาส ๑\nหน่วยงาน: กรมตัวอย่าง\n".encode()
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def refusal(head: bytes, filename: str, source: Path | None = None) -> EvidenceError:
    with pytest.raises(EvidenceError) as caught:
        detect_type(head, filename, source=source)
    return caught.value


# --- detect_type: accepted ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "filename", "media_type", "extension"),
    [
        (make_pdf(), "report.pdf", "application/pdf", ".pdf"),
        (make_pdf(), "REPORT.PDF", "application/pdf", ".pdf"),
        (make_png(), "photo.png", "image/png", ".png"),
        (make_jpeg(), "photo.jpg", "image/jpeg", ".jpg"),
        (make_jpeg(), "photo.jpeg", "image/jpeg", ".jpg"),
        (make_gif(), "chart.gif", "image/gif", ".gif"),
        (make_webp(), "chart.webp", "image/webp", ".webp"),
        (make_ooxml("docx"), "plan.docx", f"{_OOXML}.wordprocessingml.document", ".docx"),
        (make_ooxml("xlsx"), "budget.xlsx", f"{_OOXML}.spreadsheetml.sheet", ".xlsx"),
        (make_ooxml("pptx"), "slides.pptx", f"{_OOXML}.presentationml.presentation", ".pptx"),
        (make_odf(), "plan.odt", "application/vnd.oasis.opendocument.text", ".odt"),
        (
            make_odf("application/vnd.oasis.opendocument.spreadsheet"),
            "budget.ods",
            "application/vnd.oasis.opendocument.spreadsheet",
            ".ods",
        ),
        (
            make_odf("application/vnd.oasis.opendocument.presentation"),
            "slides.odp",
            "application/vnd.oasis.opendocument.presentation",
            ".odp",
        ),
        (make_ole(("WordDocument",)), "old.doc", "application/msword", ".doc"),
        (make_ole(("Workbook",)), "old.xls", "application/vnd.ms-excel", ".xls"),
        (make_ole(("PowerPoint Document",)), "old.ppt", "application/vnd.ms-powerpoint", ".ppt"),
        (THAI_TEXT, "บันทึก.txt", "text/plain; charset=utf-8", ".txt"),
        (
            b"\xef\xbb\xbf" + "ลำดับ,ชื่อ\n1,ก\n".encode(),
            "list.csv",
            "text/csv; charset=utf-8",
            ".csv",
        ),
    ],
)
def test_accepted_types_are_recognised_by_content(
    content: bytes, filename: str, media_type: str, extension: str
) -> None:
    detected = detect_type(content, filename)
    assert (detected.media_type, detected.extension) == (media_type, extension)
    assert detected.label


def test_containers_and_text_are_read_from_the_source_file(tmp_path: Path) -> None:
    docx = tmp_path / "upload.part"
    docx.write_bytes(make_ooxml("docx"))
    # Only the first bytes as head: the central directory is at the end of the file.
    assert detect_type(docx.read_bytes()[:8], "plan.docx", source=docx).extension == ".docx"

    text = tmp_path / "notes.part"
    text.write_bytes(THAI_TEXT * 2000 + b"\x00")  # the NUL lies far beyond any head
    assert refusal(THAI_TEXT, "notes.txt", source=text).code == "refused_type"


def test_empty_head_is_an_empty_file() -> None:
    assert refusal(b"", "a.pdf").code == "empty_file"


# --- detect_type: refused -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "filename", "mentions"),
    [
        (HTML, "report.pdf", "HTML"),
        (HTML, "report.txt", "HTML"),
        (SVG, "logo.svg", "SVG"),
        (SVG, "logo.png", "SVG"),
        (b"<?xml version='1.0'?><svg/>", "logo.txt", "SVG"),
        (make_elf(), "report.pdf", "Linux program"),
        (make_pe(), "report.pdf", "Windows program"),
        (make_pe(), "setup.exe", "Windows program"),
        (b"#!/bin/sh\nrm -rf /\n", "notes.txt", "Scripts"),
        (make_zip({"a.txt": b"hello"}), "files.zip", "ZIP"),
        (make_zip({"a.txt": b"hello"}), "plan.docx", "ZIP"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "data.gz", "gzip"),
        (b"PK\x05\x06" + b"\x00" * 18, "empty.zip", "empty ZIP"),
        (b"II*\x00" + b"\x00" * 20, "scan.tif", "TIFF"),
    ],
)
def test_refused_content_names_what_it_is(content: bytes, filename: str, mentions: str) -> None:
    error = refusal(content, filename)
    assert error.code == "refused_type"
    assert error.http_status == 422
    assert mentions in error.message


def test_harmless_mismatch_is_refused_with_the_real_type() -> None:
    error = refusal(make_png(), "photo.jpg")
    assert "PNG image" in error.message
    assert ".png" in error.message


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (make_pdf(), "report.docx"),
        (make_pdf(), "report"),
        (make_ooxml("docx"), "plan.xlsx"),
        (make_ooxml("xlsx"), "budget.docx"),
        (THAI_TEXT, "notes.pdf"),
        (THAI_TEXT, "notes.html"),
        (THAI_TEXT, "notes.csv.exe"),
        (make_jpeg(), "photo.jpg.exe"),
    ],
)
def test_extension_must_agree_with_content(content: bytes, filename: str) -> None:
    assert refusal(content, filename).code == "refused_type"


def test_text_must_be_utf8() -> None:
    error = refusal("รายงาน".encode("cp874"), "notes.txt")
    assert "UTF-8" in error.message


@pytest.mark.parametrize(
    "content",
    [
        b"abc\x00def",
        "สวัสดี".encode("utf-16"),
        b"\x1b\x01\x02\x03\x04 mostly control characters \x05\x06\x07",
        b"ok then a cut multibyte character \xe0\xb8",
    ],
)
def test_binary_or_broken_text_is_refused(content: bytes) -> None:
    assert refusal(content, "notes.txt").code == "refused_type"


def test_a_few_control_characters_are_tolerated() -> None:
    content = b"page one\x0cpage two\x1b" + b"x" * 200
    assert detect_type(content, "notes.txt").extension == ".txt"


def test_zip_bomb_is_refused_without_extracting() -> None:
    bomb = make_ooxml("docx", extra={"word/media/padding.bin": b"\x00" * (20 << 20)})
    assert len(bomb) < 200_000  # the point of a bomb: tiny outside, huge inside
    assert "unreasonable size" in refusal(bomb, "plan.docx").message


def test_zip_with_absurd_member_count_is_refused() -> None:
    members = {f"word/part{i}.xml": b"" for i in range(MAX_ZIP_MEMBERS + 1)}
    crowded = make_ooxml("docx", extra=members)
    assert "number of parts" in refusal(crowded, "plan.docx").message


def test_zip_with_duplicate_members_is_refused() -> None:
    buffer = io.BytesIO(make_ooxml("docx"))
    with (
        warnings.catch_warnings(),
        zipfile.ZipFile(buffer, "a") as archive,
    ):
        warnings.simplefilter("ignore")
        archive.writestr("word/document.xml", b"<again/>")
    assert "duplicate" in refusal(buffer.getvalue(), "plan.docx").message


def test_damaged_zip_is_refused() -> None:
    damaged = make_ooxml("docx")[:-30]
    assert "damaged" in refusal(damaged, "plan.docx").message


@pytest.mark.parametrize(
    ("content", "filename", "mentions"),
    [
        (make_ooxml("docx", extra={"word/vbaProject.bin": b"\xd0\xcf"}), "plan.docx", "macros"),
        (
            make_ooxml("docx", main_type="application/vnd.ms-word.document.macroEnabled.main+xml"),
            "plan.docx",
            "macros",
        ),
        (
            make_ooxml("docx", main_type=f"{_OOXML}.wordprocessingml.template.main+xml"),
            "plan.docx",
            "regular",
        ),
        (
            make_zip({"[Content_Types].xml": b"<Types/>", "lib/x.dll": b"MZ"}),
            "package.docx",
            "not a Word",
        ),
        (make_odf("application/epub+zip"), "book.odt", "not accepted"),
        (
            make_zip(
                {
                    "mimetype": b"application/vnd.oasis.opendocument.text",
                    "Basic/Standard/Module1.xml": b"<x/>",
                },
                stored_first="mimetype",
            ),
            "plan.odt",
            "macros",
        ),
    ],
)
def test_office_packages_that_are_not_plain_documents_are_refused(
    content: bytes, filename: str, mentions: str
) -> None:
    assert mentions in refusal(content, filename).message


@pytest.mark.parametrize(
    ("content", "filename", "mentions"),
    [
        (make_ole(("Workbook",)), "budget.doc", "not one"),
        (make_ole(("WordDocument",)), "plan.xls", "not one"),
        (make_ole(("SummaryInformation",)), "setup.msi", "Only old-style"),
        (make_ole(("WordDocument",)), "plan.docx", "Only old-style"),
        (make_ole(("EncryptedPackage",)), "secret.docx", "Password"),
        (make_ole(("WordDocument",), storages=("Macros",)), "plan.doc", "macros"),
        (make_ole(("Workbook",), storages=("_VBA_PROJECT_CUR",)), "budget.xls", "macros"),
    ],
)
def test_legacy_office_is_checked_against_its_streams(
    content: bytes, filename: str, mentions: str
) -> None:
    assert mentions in refusal(content, filename).message


# --- sanitise_filename ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("C:\\Users\\som\\Desktop\\แผน.docx", "แผน.docx"),
        ("รายงานผลการดำเนินงาน ไตรมาส ๑.pdf", "รายงานผลการดำเนินงาน ไตรมาส ๑.pdf"),
        ("\x00evil.pdf", "evil.pdf"),
        ("CON.txt", "_CON.txt"),
        ("con .tar.gz", "_con .tar.gz"),
        ("lpt1", "_lpt1"),
        ("CONSOLE.txt", "CONSOLE.txt"),
        (".htaccess", "htaccess"),
        ("...hidden.pdf", "hidden.pdf"),
        ("report.pdf. . ", "report.pdf"),
        ('a<b>c:d"e|f?g*h.pdf', "a b c d e f g h.pdf"),
        ("report.pdf:evil.exe", "report.pdf evil.exe"),
        ("  many   \t spaces\n here .pdf", "many spaces here .pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override spoofing
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("cafe\u0301.pdf", "café.pdf"),  # decomposed input comes out NFC
    ],
)
def test_sanitise_filename(raw: str, clean: str) -> None:
    assert sanitise_filename(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "...", "../..", "dir/", "\x00\x01", "\u200b", "?*:"])
def test_sanitise_filename_refuses_what_leaves_nothing(raw: str) -> None:
    with pytest.raises(EvidenceError) as caught:
        sanitise_filename(raw)
    assert caught.value.code == "bad_filename"


def test_long_thai_name_is_cut_keeping_the_extension() -> None:
    name = "ก" * 300 + ".pdf"
    clean = sanitise_filename(name)
    assert len(clean.encode()) <= MAX_FILENAME_BYTES
    assert clean == "ก" * 48 + ".pdf"  # 48 x 3 bytes + 4 bytes fits 150


def test_long_name_is_not_cut_between_a_consonant_and_its_vowel() -> None:
    # The 48th character to keep would be a consonant whose vowel mark does not fit.
    name = "ก" + "กิ" * 150 + ".docx"
    clean = sanitise_filename(name)
    assert clean == "ก" + "กิ" * 23 + ".docx"
    stem = clean.removesuffix(".docx")
    assert unicodedata.category(stem[-1]) == "Mn"  # ends on a complete cluster


def test_long_name_without_plausible_extension_is_cut_plainly() -> None:
    clean = sanitise_filename("ข" * 300)
    assert clean == "ข" * 50


_NASTY = st.sampled_from(
    [*'/\\.. :<>"|?*\x00\x1f\x7f\u200b\u202e\u0301ก่ิำ๑ abcCONaux', "CON", "LPT1", ".pdf", "\ufeff"]
)


@settings(max_examples=400)
@given(st.lists(st.one_of(_NASTY, st.text(max_size=5)), max_size=120).map("".join))
@example("ก" + "กิ" * 150 + ".docx")
@example("a" * 140 + "." + "CON" + "\u0301" * 40)
def test_sanitise_filename_properties(raw: str) -> None:
    try:
        clean = sanitise_filename(raw)
    except EvidenceError as error:
        assert error.code == "bad_filename"
        return
    assert clean
    assert "/" not in clean
    assert "\\" not in clean
    assert not any(char in clean for char in '<>:"|?*\x00')
    assert len(clean.encode("utf-8")) <= MAX_FILENAME_BYTES
    assert not clean.startswith(".")
    assert clean == clean.strip()
    assert unicodedata.is_normalized("NFC", clean)
    assert sanitise_filename(clean) == clean


# --- validate_link --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://www.nacc.go.th/report?id=1", "https://www.nacc.go.th/report?id=1"),
        ("HTTPS://WWW.Example.GO.TH", "https://www.example.go.th/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:8443/a#part", "https://example.com:8443/a#part"),
        ("  https://example.com/x\n", "https://example.com/x"),
        ("https://ตัวอย่าง.ไทย/หน้าแรก", "https://ตัวอย่าง.ไทย/หน้าแรก"),
        ("http://intranet/เอกสาร", "http://intranet/เอกสาร"),
        ("http://10.0.0.5/plan", "http://10.0.0.5/plan"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
    ],
)
def test_valid_links_are_normalised(url: str, normalised: str) -> None:
    assert validate_link(url) == normalised


@pytest.mark.parametrize(
    "url",
    [
        "",
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "ftp://example.com/file",
        "http://",
        "https://",
        "https:example.com",
        "//example.com/path",
        "example.com",
        "https://user:pw@host/",
        "https://user@host/",
        "https://example.com/a b",
        "https://example.com/\x00",
        "https://exa\u200bmple.com/",
        "https://evil.example\\@good.example/",
        "https://example.com:99999/",
        "https://example.com:port/",
        "https://exa_mple..com/",
        "https://-bad-.com/",
        "https://%65vil.com/",
        "https://example.com/" + "a" * 2000,
    ],
)
def test_bad_links_are_refused(url: str) -> None:
    with pytest.raises(EvidenceError) as caught:
        validate_link(url)
    assert caught.value.code == "bad_link"
    assert caught.value.http_status == 422


def test_link_of_exactly_the_maximum_length_passes() -> None:
    url = "https://example.com/" + "a" * (2000 - len("https://example.com/"))
    assert validate_link(url) == url


def test_error_codes_map_to_http_statuses() -> None:
    assert EvidenceError("too_large", "x").http_status == 413
    assert EvidenceError("empty_file", "x").http_status == 422
    assert isinstance(EvidenceError("bad_link", "x"), ValueError)
