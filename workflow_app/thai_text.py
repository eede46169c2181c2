"""Small pure helpers for Thai text as it comes out of official documents.

Plans mix Thai (๐-๙) and Arabic digits, carry HTML residue from the source table and spaces
inserted by line wrapping, so every comparison in the app goes through these helpers.
"""

from __future__ import annotations

import html
import re

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
ARABIC_DIGITS = "0123456789"

_TO_ARABIC = str.maketrans(THAI_DIGITS, ARABIC_DIGITS)
_TO_THAI = str.maketrans(ARABIC_DIGITS, THAI_DIGITS)

# Zero-width characters are invisible "spaces" in Thai text; left in, they defeat keyword
# matching and equality of names that look identical on screen.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_WHITESPACE = re.compile(r"\s+")
# Only things shaped like tags (or comments) go: a bare "<" in text ("ร้อยละ < 5") stays.
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.DOTALL)
_INT = re.compile(r"[0-9]+")
_THAI_CHAR = "\u0e00-\u0e7f"
_SPACE_BETWEEN_THAI = re.compile(rf"(?<=[{_THAI_CHAR}])\s+(?=[{_THAI_CHAR}])")


def to_arabic_digits(s: str) -> str:
    """Replace Thai digits with Arabic ones, leaving everything else alone."""
    return s.translate(_TO_ARABIC)


def to_thai_digits(s: str) -> str:
    """Replace Arabic digits with Thai ones, leaving everything else alone."""
    return s.translate(_TO_THAI)


def parse_int(s: str) -> int:
    """Parse a non-negative integer written in Thai or Arabic digits (surrounding space allowed).

    Raises ValueError for anything else; other Unicode digits are refused on purpose so that
    what we accept is exactly what a Thai reader would read as a number.
    """
    text = to_arabic_digits(s.strip())
    if not _INT.fullmatch(text):
        raise ValueError(f"not a whole number: {s!r}")
    return int(text)


def collapse_whitespace(s: str) -> str:
    """Drop zero-width characters, turn every run of whitespace into one space, trim the ends."""
    return _WHITESPACE.sub(" ", _ZERO_WIDTH.sub("", s)).strip()


def strip_html(s: str) -> str:
    """Replace tags with a space (they separate words) and unescape entities.

    Tags go first so that escaped text such as "&lt;p&gt;" survives as literal "<p>". Removal
    repeats because taking out one tag can close another ("<a<b>>" leaves "<a >").
    """
    while True:
        stripped = _TAG.sub(" ", s)
        if stripped == s:
            return html.unescape(s)
        s = stripped


def without_spaces(s: str) -> str:
    """The text with all whitespace removed: for matching keywords split by line wrapping."""
    return _WHITESPACE.sub("", _ZERO_WIDTH.sub("", s))


def clean_cell(s: str) -> str:
    """A table cell as readable text: HTML removed, whitespace collapsed."""
    return collapse_whitespace(strip_html(s))


def join_thai_words(s: str) -> str:
    """Remove spaces between two Thai characters (keeps spaces next to Latin text or digits).

    Only safe for short names (units, departments): in running text a wrap space cannot be
    told from a real one, so prose keeps its spaces.
    """
    return _SPACE_BETWEEN_THAI.sub("", collapse_whitespace(s))
