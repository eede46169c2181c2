"""Thai text in fpdf2 PDFs that both looks right and extracts right.

Looks right: HarfBuzz shaping (`set_text_shaping`) places Sarabun's vowels and tone marks.
Extracts right, which fpdf2 alone does not give:

- Line breaks. fpdf2 breaks lines only at spaces, and Thai writes no spaces between words, so it
  would cut words between letters. `wrap` breaks at word boundaries found by pythainlp's
  dictionary segmentation instead, and the layout draws the lines it returns one by one.
- SARA AM (ำ). HarfBuzz splits it into NIKHAHIT + SARA AA glyphs; fpdf2 maps the character to the
  zero-width first glyph and leaves the second, which carries the advance, unmapped, so
  extractors saw a gap ("ดำ เนิน"). `_ThaiFont` maps it to the second glyph.
- Marks moved by the font. Over tall consonants (ป ฝ ฟ) Sarabun shifts tone marks far to the
  left, and extractors read the shift as a word gap ("ปั้ น"). Every line is therefore drawn inside
  a marked-content span whose /ActualText is the line's exact text (ISO 32000-1 14.9.4), which
  extractors (Poppler, Acrobat) use instead of guessing from glyph positions.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from fpdf import FPDF
from fpdf.fonts import TTFFont

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts" / "sarabun"
FAMILY = "Sarabun"
_FONT_FILES = {"": "Sarabun-Regular.ttf", "B": "Sarabun-Bold.ttf"}

# Characters that may not begin a line stay glued to the word before them; opening ones, to
# the word after them.
_NO_LINE_START = frozenset("ๆฯ)]}>,.:;!?%”’")
_NO_LINE_END = frozenset("([{<“‘")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Thai vowel and tone marks are non-spacing (Mn) but mostly of combining class 0.
_MARKS = ("Mn", "Me")


class _Glyph(NamedTuple):
    """The two fields of a HarfBuzz glyph info that fpdf2 reads."""

    codepoint: int
    cluster: int


class _ThaiFont(TTFFont):
    __slots__ = ()

    def perform_harfbuzz_shaping(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[Sequence[Any], Sequence[Any]]:
        infos, positions = super().perform_harfbuzz_shaping(text, font_size_pt, text_shaping_params)
        glyphs = []
        for index, (info, position) in enumerate(zip(infos, positions, strict=True)):
            cluster = info.cluster
            following = infos[index + 1] if index + 1 < len(infos) else None
            if position.x_advance == 0 and following is not None and following.cluster == cluster:
                # A zero-width glyph split off a character whose next glyph carries the advance:
                # fpdf2 gives a cluster's text to its first glyph, so hide this one (-1 matches
                # no character) and let the advancing glyph carry the text.
                cluster = -1
            glyphs.append(_Glyph(info.codepoint, cluster))
        return glyphs, positions


class ThaiPDF(FPDF):
    """A4 landscape, millimetres, Sarabun (regular and bold) with shaping.

    `cache` keeps text widths and wrapped lines by font and size; pass one dict to several
    documents (the layout passes of one report) to measure and wrap each text once.
    """

    def __init__(self, cache: dict[tuple[Any, ...], Any] | None = None) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        for style, filename in _FONT_FILES.items():
            key = f"{FAMILY.lower()}{style}"
            # What add_font does, with the subclass that fixes SARA AM's text mapping.
            self.fonts[key] = _ThaiFont(self, FONT_DIR / filename, key, style)
        self.set_text_shaping(True)
        self.set_auto_page_break(False)  # the layout places every line itself
        self.c_margin = 0  # lines arrive wrapped to their exact width; no padding of fpdf2's
        self.cache = cache if cache is not None else {}
        self.drawing = True  # False: lay out only (count pages), draw nothing

    def use_font(self, size: float, *, bold: bool = False) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)

    def measure(self, text: str) -> float:
        """Width of `text` in mm in the current font, shaped by HarfBuzz.

        Asks the font directly: `get_string_width` runs fpdf2's bidi analysis first, which costs
        more than the shaping itself and is useless for Thai."""
        key = ("width", self.current_font.fontkey, self.font_size_pt, text)
        width = self.cache.get(key)
        if width is None:
            points = self.current_font.shaped_text_width(text, self.font_size_pt, self.text_shaping)
            width = self.cache[key] = points[1] / self.k
        return width

    def line_of_text(
        self, x: float, y: float, w: float, h: float, text: str, align: str = "L"
    ) -> None:
        """Draw one already-wrapped line; extractors read `text` exactly."""
        if not text or not self.drawing:
            return
        self.set_xy(x, y)
        actual = text.encode("utf-16-be").hex().upper()
        self._out(f"/Span <</ActualText <FEFF{actual}>>> BDC")
        self.cell(w, h, text, align=align)
        self._out("EMC")

    def wrap(self, text: str, width: float) -> list[str]:
        key = ("wrap", self.current_font.fontkey, self.font_size_pt, width, text)
        lines = self.cache.get(key)
        if lines is None:
            lines = self.cache[key] = wrap(text, width, self.measure)
        return list(lines)


def clean(text: str) -> str:
    return _CONTROL.sub("", text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n"))


@cache
def _segmenter() -> Callable[[str], list[str]]:
    # Imported on first use: loading the dictionary takes a moment, and only PDFs need it. The
    # dictionary ships inside the package; read-only mode keeps pythainlp from creating a data
    # folder in the home directory (a service account may have none).
    os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
    from pythainlp.tokenize import word_tokenize

    def segment(text: str) -> list[str]:
        return word_tokenize(text, engine="newmm", keep_whitespace=True)

    return segment


def words(text: str) -> list[str]:
    """Break opportunities: Thai words, other runs, and whitespace, in order."""
    tokens: list[str] = []
    for token in _segmenter()(text):
        previous = tokens[-1] if tokens else ""
        glue = token[:1] in _NO_LINE_START or previous[-1:] in _NO_LINE_END
        if glue and previous and not previous.isspace() and not token.isspace():
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


def clusters(text: str) -> list[str]:
    """Letters with their marks: the smallest pieces a too-long word may be cut into."""
    pieces: list[str] = []
    for char in text:
        if pieces and unicodedata.category(char) in _MARKS:
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


def _wrap_paragraph(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    # Widths add up word by word: shaping acts within a Thai syllable, so a line is as wide as
    # its words, and each word is measured once (`measure` may cache).
    lines: list[str] = []
    line, line_width = "", 0.0
    space = measure(" ")
    for token in words(text):
        if token.isspace():
            if line and not line.endswith(" "):
                line, line_width = line + " ", line_width + space
            continue
        token_width = measure(token)
        if line_width + token_width <= width:
            line, line_width = line + token, line_width + token_width
            continue
        if line.strip():
            lines.append(line.rstrip())
        line, line_width = "", 0.0
        if token_width <= width:
            line, line_width = token, token_width
            continue
        for piece in clusters(token):  # a word wider than the column (a URL, a hash)
            piece_width = measure(piece)
            if line and line_width + piece_width > width:
                lines.append(line)
                line, line_width = "", 0.0
            line, line_width = line + piece, line_width + piece_width
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Lines of `text` no wider than `width` (as `measure` counts), broken between words;
    newlines in `text` are kept as line breaks."""
    lines: list[str] = []
    for paragraph in clean(text).split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width, measure) if paragraph.strip() else [""])
    return lines
