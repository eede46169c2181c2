"""Thai first by construction: every string marked for translation has its Thai translation.

The messages are extracted from the source exactly as `make translations-update` does (babel.cfg,
the default keywords plus `_l`), and compared with the Thai catalogue: a string added without a
translation, or a catalogue left behind by the source, fails here rather than showing English on
a Thai page."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def extracted_ids() -> set[str]:
    with open(ROOT / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_marked_string_has_a_thai_translation() -> None:
    with open(ROOT / "translations/th/LC_MESSAGES/messages.po", "rb") as handle:
        thai = read_po(handle)
    extracted = extracted_ids()
    untranslated = sorted(
        message
        for message in extracted
        if (entry := thai.get(message)) is None
        or not (entry.string if isinstance(entry.string, str) else all(entry.string))
        or entry.fuzzy
    )
    assert untranslated == [], "run `make translations-update` and translate these"
    stale = sorted(entry.id for entry in thai if entry.id and entry.id not in extracted)
    assert stale == [], "the Thai catalogue holds strings the source no longer has"
