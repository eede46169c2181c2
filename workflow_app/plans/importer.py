"""Read the text of an official integrity action plan into a PlanDocument.

Pure: no Flask, no database. The input is the plan's table as extracted to text (one row per
line, tab-separated cells, see the sample in workflow_app/sample_data). Most of the code is
about surviving that extraction: page headers repeated mid-document, rows split across pages,
rubrics with no end marker, HTML residue and spaces inserted by line wrapping.

Every problem is collected with its line number and raised together in one PlanFormatError,
so an officer can fix the whole document in one pass.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from workflow_app.plans.document import (
    ActivityDoc,
    LevelDoc,
    LineMessage,
    PlanDocument,
    PlanFormatError,
    StrategyDoc,
    TacticDoc,
)
from workflow_app.thai_text import (
    clean_cell,
    join_thai_words,
    parse_int,
    to_arabic_digits,
    without_spaces,
)

__all__ = [
    "parse_budget_satang",
    "parse_plan",
    "parse_plan_bytes",
    "parse_quarters",
    "parse_responsible_unit",
    "split_items",
]

# Columns of the official table.
COL_ACTIVITY, COL_OBJECTIVES, COL_INDICATORS, COL_TARGETS = 0, 1, 2, 3
COL_OUT_QUANT, COL_OUT_QUAL, COL_QUARTERS, COL_BUDGET, COL_UNIT = 4, 5, 6, 7, 8
NUM_COLUMNS = 9

_D = "[0-9๐-๙]"  # a digit, Thai or Arabic
_QUOTE_LIMIT = 60


def _spaced(word: str) -> str:
    """A regex for `word` that tolerates whitespace between any two of its characters."""
    return r"\s*".join(re.escape(ch) for ch in word if not ch.isspace())


_ACTIVITY_LABEL = "โครงการ/กิจกรรม"
_STRATEGY_RE = re.compile(
    rf"^{_spaced('ยุทธศาสตร์')}(?:\s*{_spaced('ที่')})?\s*({_D}+)\s*[:：.]?\s*(.*)$", re.DOTALL
)
_TACTIC_RE = re.compile(
    rf"^{_spaced('กลยุทธ์')}(?:\s*{_spaced('ที่')})?\s*({_D}+)\s*[:：.]?\s*(.*)$", re.DOTALL
)
_TRAILING_LABEL_RE = re.compile(rf"\s*{_spaced(_ACTIVITY_LABEL)}\s*$")
# A dotted code such as "๑.๑.๑" (an optional dot may close it) followed by the title.
_CODE_RE = re.compile(rf"^({_D}+(?:\.{_D}+)+)\.?(?!{_D})\s*(.*)$", re.DOTALL)
_FISCAL_YEAR_RE = re.compile(rf"{_spaced('พ.ศ.')}\s*({_D}{{4}})(?!{_D})")
_MINISTRY_RE = re.compile(rf"(?<!\S){_spaced('กระทรวง')}")
_TARGET_LEVEL_RE = re.compile(r"^ระดับ(?:ที่)?([0-9]+)$")
_P_TAG_RE = re.compile(r"</?p\b[^>]*>", re.IGNORECASE)
# Levels are one or two digits: a criterion continued onto a new <p> that happens to start
# with a year ("๒๕๖๘ …") must not become level 2568.
_LEVEL_IN_PARAGRAPH_RE = re.compile(rf"^({_D}{{1,2}})(?:[.)]?\s+(.*)|[.)]?)$", re.DOTALL)
_BARE_LEVEL_RE = re.compile(rf"^({_D}{{1,2}})\.?$")
_LEADING_BULLET_RE = re.compile(r"^[-•▪●]\s*")
_UNIT_BRACKETS_RE = re.compile(r"^([^()]*)\((.*?)(?:\).*)?$", re.DOTALL)
# "และ" must stand as a word: it is also inside names such as "กองนโยบายและแผน".
_UNIT_SEPARATOR_RE = re.compile(r"\s*[,/]\s*|\s+และ\s+")

# Header cells of the repeated page header, by column; matched as prefixes ignoring spaces.
_HEADER_COLUMNS: dict[int, tuple[str, ...]] = {
    COL_OBJECTIVES: ("วัตถุประสงค์",),
    COL_INDICATORS: ("ตัวชี้วัด",),
    COL_TARGETS: ("ค่าเป้าหมาย",),
    COL_OUT_QUANT: ("ผลลัพธ์ที่คาดหวัง", "ผลลัพธ์เชิงปริมาณ"),
    COL_OUT_QUAL: ("ผลลัพธ์เชิงคุณภาพ",),
    COL_QUARTERS: ("ระยะเวลาดำเนินการ",),
    COL_BUDGET: ("งบประมาณ",),
    COL_UNIT: ("หน่วยงานรับผิดชอบ",),
}
_RUBRIC_LEVEL_HEADING = "ระดับคะแนน"
_RUBRIC_CRITERION_HEADING = "เกณฑ์การให้คะแนน"

# (full name, abbreviation, calendar month)
_THAI_MONTHS: tuple[tuple[str, str, int], ...] = (
    ("มกราคม", "ม.ค.", 1),
    ("กุมภาพันธ์", "ก.พ.", 2),
    ("มีนาคม", "มี.ค.", 3),
    ("เมษายน", "เม.ย.", 4),
    ("พฤษภาคม", "พ.ค.", 5),
    ("มิถุนายน", "มิ.ย.", 6),
    ("กรกฎาคม", "ก.ค.", 7),
    ("สิงหาคม", "ส.ค.", 8),
    ("กันยายน", "ก.ย.", 9),
    ("ตุลาคม", "ต.ค.", 10),
    ("พฤศจิกายน", "พ.ย.", 11),
    ("ธันวาคม", "ธ.ค.", 12),
)
_MONTH_BY_NAME: dict[str, int] = {}
for _full, _abbr, _month in _THAI_MONTHS:
    _MONTH_BY_NAME[_full] = _month
    _MONTH_BY_NAME[_abbr] = _month
    _MONTH_BY_NAME[_abbr.rstrip(".")] = _month  # "ต.ค" without its closing dot
_MONTH_NAMES = sorted(_MONTH_BY_NAME, key=len, reverse=True)  # longest first for the regex

# Quarter cells are tokenised after removing spaces and converting digits.
_QUARTER_TOKEN_RE = re.compile(
    "|".join(
        [
            r"(?P<month>" + "|".join(re.escape(m) for m in _MONTH_NAMES) + ")",
            r"(?P<noise>ไตรมาสที่|ไตรมาส|ปีงบประมาณ|พ\.ศ\.|เดือน|ช่วง|[()])",
            r"(?P<year>[0-9]{4}(?![0-9]))",
            r"(?P<num>[0-9]+)",
            r"(?P<range>[-–—]|ถึง)",
            r"(?P<sep>,|และ|/|หรือ|;)",
        ]
    )
)
_WHOLE_YEAR_PREFIXES = ("ตลอดปี", "ตลอดทั้งปี")

_NO_BUDGET_EXACT = {"", "-", "–", "—"}
# "ไม่ใช่" is a common typo for "ไม่ใช้" in these plans.
_NO_BUDGET_PREFIXES = ("ไม่ใช้งบประมาณ", "ไม่ใช่งบประมาณ", "ไม่มีงบประมาณ")
_BUDGET_RE = re.compile(
    r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?P<frac>\.[0-9]+)?(?P<million>ล้าน)?(?:บาท)?"
    r"(?:\.-|\.)?"  # "5,000.-" is the usual way to write a round amount
)
_SATANG_PER_BAHT = 100
_BAHT_PER_MILLION = 1_000_000

# Variant spellings of unit names seen in plans, mapped to the one name the app stores.
# A กรม's secretariat is สำนักงานเลขานุการกรม; เลขาธิการ is the ministry-level word, so
# "สำนักงานเลขาธิการกรม" is a slip for the same unit.
CANONICAL_UNIT_NAMES: dict[str, str] = {
    "สำนักงานเลขาธิการกรม": "สำนักงานเลขานุการกรม",
}


# --------------------------------------------------------------------------------------------
# Cell-level parsers (pure; raise ValueError with an English message)
# --------------------------------------------------------------------------------------------


def _is_digit(ch: str) -> bool:
    return ch in "0123456789๐๑๒๓๔๕๖๗๘๙"


def _is_range_dash(text: str, index: int) -> bool:
    """A dash between two numbers or months ("ไตรมาส ๑ - ๔", "เมษายน - กันยายน") is a range.

    A number next to a month counts too: "ตุลาคม ๒๕๖๗ - มีนาคม ๒๕๖๘" is one date range.
    """
    before = text[:index].split()
    after = text[index + 1 :].split()
    if not before or not after:
        return False
    left, right = before[-1], after[0]
    left_ok = _is_digit(left[-1]) or any(left.endswith(m) for m in _MONTH_NAMES)
    right_ok = _is_digit(right[0]) or any(right.startswith(m) for m in _MONTH_NAMES)
    return left_ok and right_ok


def _bracketed_positions(text: str) -> set[int]:
    """Indexes inside matched ( … ) pairs; an unmatched "(" protects nothing."""
    inside: set[int] = set()
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            start = stack.pop()
            if not stack:
                inside.update(range(start + 1, i))
    return inside


def split_items(text: str) -> list[str]:
    """Split a cell into items on "- " bullets; text before the first bullet is an item too.

    Dashes inside brackets and dashes of ranges are not bullets. Empty items are dropped.
    """
    text = clean_cell(text)
    protected = _bracketed_positions(text)
    items: list[str] = []
    start = 0
    for i, ch in enumerate(text):
        if ch != "-":
            continue
        if i > 0 and text[i - 1] != " ":
            continue
        if i + 1 < len(text) and text[i + 1] != " ":
            continue
        if i in protected or _is_range_dash(text, i):
            continue
        items.append(text[start:i])
        start = i + 1
    items.append(text[start:])
    return [item.strip() for item in items if item.strip()]


def parse_quarters(text: str) -> list[int]:
    """Fiscal quarters from a period cell: "ไตรมาส ๑ - ๔", "๑ และ ๓", "ต.ค. - ธ.ค.", …

    "ตลอดปีงบประมาณ …" is the whole year. Months map to fiscal quarters (Q1 = Oct-Dec); a month
    range covers every quarter it touches. Raises ValueError on anything else.
    """
    compact = without_spaces(to_arabic_digits(clean_cell(text)))
    if not compact:
        raise ValueError("no period given")
    if compact.startswith(_WHOLE_YEAR_PREFIXES):
        return [1, 2, 3, 4]
    tokens: list[tuple[str, int]] = []  # ("q", quarter) / ("m", fiscal month 0..11) / marks
    pos = 0
    for match in _QUARTER_TOKEN_RE.finditer(compact):
        if match.start() != pos:
            break
        pos = match.end()
        kind = match.lastgroup or ""
        if kind == "month":
            tokens.append(("m", (_MONTH_BY_NAME[match.group()] - 10) % 12))
        elif kind == "num":
            if tokens and tokens[-1][0] == "m":
                continue  # a short year after a month: "ต.ค. 67"
            tokens.append(("q", int(match.group())))
        elif kind in ("range", "sep"):
            tokens.append((kind, 0))
    if pos != len(compact):
        raise ValueError(f"unreadable period text at {compact[pos : pos + 12]!r}")

    quarters: set[int] = set()
    previous: tuple[str, int] | None = None
    pending_range = False
    for kind, value in tokens:
        if kind in ("q", "m"):
            if kind == "q" and not 1 <= value <= 4:
                raise ValueError(f"quarter {value} is outside 1..4")
            first = value if kind == "q" else value // 3 + 1
            if pending_range:
                if previous is None or previous[0] != kind:
                    raise ValueError("a range must join two quarters or two months")
                if previous[1] > value:
                    raise ValueError("a range must run forward within the fiscal year")
                low = previous[1] if kind == "q" else previous[1] // 3 + 1
                quarters.update(range(low, first + 1))
                pending_range, previous = False, None
            else:
                quarters.add(first)
                previous = (kind, value)
        elif kind == "range":
            if previous is None or pending_range:
                raise ValueError("a range needs a start")
            pending_range = True
        else:  # separator
            if pending_range:
                raise ValueError("a range needs an end")
            previous = None
    if pending_range:
        raise ValueError("a range needs an end")
    if not quarters:
        raise ValueError("no quarter or month found")
    return sorted(quarters)


def parse_budget_satang(text: str) -> int | None:
    """Exact satang from a budget cell, or None where the plan says there is no budget.

    Accepts "๒,๕๐๐,๐๐๐", "๘๒๘,๐๐๐ บาท", "1,250.50", "๒.๕ ล้านบาท", "5,000.-". Decimal
    arithmetic only: a float would turn 0.1 million into an off-by-a-satang amount.
    """
    compact = without_spaces(to_arabic_digits(clean_cell(text)))
    if compact in _NO_BUDGET_EXACT or compact.startswith(_NO_BUDGET_PREFIXES):
        return None
    match = _BUDGET_RE.fullmatch(compact)
    if match is None:
        raise ValueError("not an amount in baht")
    amount = Decimal(match["int"].replace(",", "") + (match["frac"] or ""))
    if match["million"]:
        amount *= _BAHT_PER_MILLION
    satang = amount * _SATANG_PER_BAHT
    if satang != satang.to_integral_value():
        raise ValueError("the amount is finer than one satang")
    return int(satang)


def _unit_name(name: str) -> str:
    joined = join_thai_words(name)
    return CANONICAL_UNIT_NAMES.get(joined, joined)


def parse_responsible_unit(text: str, agency: str) -> tuple[str, tuple[str, ...]]:
    """(responsible_unit text, unit_path) from the responsible-unit cell.

    "X (Y)" is department X, division Y; several units in the brackets: the first one leads.
    "X" alone is the agency itself, or a division of it when X is not the agency's name.
    """
    shown = _LEADING_BULLET_RE.sub("", clean_cell(text))
    items = split_items(shown)
    if not items:
        return "", (_unit_name(agency),) if agency else ()
    first = _LEADING_BULLET_RE.sub("", items[0])
    agency_name = _unit_name(agency)
    bracketed = _UNIT_BRACKETS_RE.match(first)
    if bracketed is not None:
        outer = _unit_name(bracketed[1])
        inner_units = [u for u in _UNIT_SEPARATOR_RE.split(bracketed[2]) if u.strip()]
        inner = _unit_name(inner_units[0]) if inner_units else ""
        if not outer:
            outer = agency_name
        path = tuple(part for part in (outer, inner) if part)
        return shown, path
    name = _unit_name(first)
    if not agency_name or name == agency_name:
        return shown, (name,)
    return shown, (agency_name, name)


def _target_level(item: str) -> int | None:
    match = _TARGET_LEVEL_RE.match(without_spaces(to_arabic_digits(item)))
    return int(match[1]) if match else None


def _shorten(text: str, limit: int = _QUOTE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(text: str) -> str:
    return f'"{_shorten(text)}"'


# --------------------------------------------------------------------------------------------
# Row classification
# --------------------------------------------------------------------------------------------


def _is_header_row(cleaned: list[str]) -> bool:
    """One of the two header rows repeated at the top of every page."""
    if without_spaces(cleaned[0]) not in ("", _ACTIVITY_LABEL):
        return False
    matched = 0
    for col, text in enumerate(cleaned[1:], start=1):
        if not text:
            continue
        prefixes = _HEADER_COLUMNS.get(col)
        if prefixes is None or not without_spaces(text).startswith(prefixes):
            return False
        matched += 1
    # Two cells at least, so a lone continuation cell that starts like a header stays data.
    return matched >= 2


def _is_label_row(cleaned: list[str]) -> bool:
    return without_spaces(cleaned[0]) == _ACTIVITY_LABEL and not any(cleaned[1:])


@dataclass(frozen=True)
class _Fragment:
    text: str
    paragraph: bool  # came from a <p> (number and criterion share it) or is a whole cell


def _fragments(cells: list[str]) -> list[_Fragment]:
    """The row's text pieces in order: <p> paragraphs where the cell has them, else cells."""
    out: list[_Fragment] = []
    for raw in cells:
        if _P_TAG_RE.search(raw):
            for chunk in _P_TAG_RE.split(raw):
                text = clean_cell(chunk)
                if text:
                    out.append(_Fragment(text, True))
        else:
            text = clean_cell(raw)
            if text:
                out.append(_Fragment(text, False))
    return out


def _rubric_heading_length(fragments: list[_Fragment]) -> int:
    """How many leading fragments form a rubric heading (0: the row is not a heading)."""
    if not fragments:
        return 0
    first = without_spaces(fragments[0].text)
    if first == _RUBRIC_LEVEL_HEADING + _RUBRIC_CRITERION_HEADING:
        return 1
    if (
        first == _RUBRIC_LEVEL_HEADING
        and len(fragments) > 1
        and without_spaces(fragments[1].text) == _RUBRIC_CRITERION_HEADING
    ):
        return 2
    return 0


def _line_text(line: str) -> str:
    """A whole line as text (the title lines are not table rows, but may carry stray tabs)."""
    return clean_cell(line.replace("\t", " "))


def _looks_like_table_row(line: str) -> bool:
    """Whether a line in the title area is already part of the table."""
    cleaned = [clean_cell(c) for c in line.split("\t")]
    first = cleaned[0]
    return bool(
        _is_header_row(cleaned)
        or without_spaces(first) == _ACTIVITY_LABEL
        or _STRATEGY_RE.match(first)
        or _TACTIC_RE.match(first)
        or _CODE_RE.match(first)
        or _rubric_heading_length(_fragments(line.split("\t")))
    )


# --------------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------------


@dataclass
class _Level:
    number: int
    line: int
    parts: list[str] = field(default_factory=list)


@dataclass
class _Rubric:
    line: int
    owner: _ActivityDraft | None
    levels: list[_Level] = field(default_factory=list)


@dataclass
class _ActivityDraft:
    code: str
    code_as_printed: str
    line: int
    columns: list[str]  # raw (cleaned) column texts, continuations appended
    tactic: TacticDoc | None
    rubric_line: int | None = None
    rubric_levels: list[LevelDoc] | None = None


class _Parser:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.errors: list[LineMessage] = []
        self.warnings: list[LineMessage] = []
        self.title = ""
        self.agency = ""
        self.ministry = ""
        self.fiscal_year = 0
        self.strategies: list[StrategyDoc] = []
        self.strategy: StrategyDoc | None = None
        self.tactic: TacticDoc | None = None
        self.activity: _ActivityDraft | None = None
        self.rubric: _Rubric | None = None
        self.after_header = False
        self.codes: dict[str, int] = {}
        self.activity_count = 0

    def error(self, line: int, message: str) -> None:
        self.errors.append(LineMessage(line, message))

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(LineMessage(line, message))

    # -- preamble --------------------------------------------------------------------------

    def _next_non_blank(self, start: int) -> int | None:
        for index in range(start, len(self.lines)):
            if _line_text(self.lines[index]):
                return index
        return None

    def parse_preamble(self) -> int | None:
        """Read title and agency lines; return the index where the table starts."""
        title_index = self._next_non_blank(0)
        if title_index is None:
            self.error(1, "expected the plan title (… พ.ศ. NNNN); found an empty document")
            return None
        line = self.lines[title_index]
        if _looks_like_table_row(line):
            self.error(
                title_index + 1,
                "expected the plan title (… ปีงบประมาณ พ.ศ. NNNN) before the table; "
                f"found {_quote(_line_text(line))}",
            )
            return title_index
        self.title = _line_text(line)
        years = _FISCAL_YEAR_RE.findall(self.title)
        if not years:
            self.error(
                title_index + 1,
                "expected the fiscal year (พ.ศ. NNNN) in the plan title; "
                f"found {_quote(self.title)}",
            )
        else:
            year = parse_int(years[-1])
            if 2400 <= year <= 2800:
                self.fiscal_year = year
            else:
                self.error(
                    title_index + 1,
                    f"expected a Buddhist-era fiscal year (such as 2568); found {year}",
                )

        agency_index = self._next_non_blank(title_index + 1)
        if agency_index is None:
            self.error(
                title_index + 2,
                "expected the department and ministry line (กรม… กระทรวง…); "
                "found the end of the document",
            )
            return None
        line = self.lines[agency_index]
        if _looks_like_table_row(line):
            self.error(
                agency_index + 1,
                "expected the department and ministry line (กรม… กระทรวง…) after the title; "
                f"found {_quote(_line_text(line))}",
            )
            return agency_index
        text = _line_text(line)
        split_at = next((m.start() for m in _MINISTRY_RE.finditer(text) if m.start() > 0), None)
        if split_at is None and _MINISTRY_RE.match(text):
            self.error(
                agency_index + 1,
                f"expected the department name before the ministry; found {_quote(text)}",
            )
            self.ministry = join_thai_words(text)
        elif split_at is None:
            self.agency = join_thai_words(text)
        else:
            self.agency = join_thai_words(text[:split_at])
            self.ministry = join_thai_words(text[split_at:])
        return agency_index + 1

    # -- body ------------------------------------------------------------------------------

    def parse_body(self, start: int) -> None:
        for index in range(start, len(self.lines)):
            lineno = index + 1
            cells = self.lines[index].split("\t")
            cleaned = [clean_cell(c) for c in cells]
            if not any(cleaned) or _is_label_row(cleaned):
                continue
            if _is_header_row(cleaned):
                self.after_header = True
                continue
            after_header, self.after_header = self.after_header, False
            self._row(lineno, cells, cleaned, after_header)
        self._finish_activity()
        if self.activity_count == 0 and not self.errors:
            self.error(
                len(self.lines),
                "expected at least one activity (๑.๑.๑ …) in the plan; found none",
            )

    def _row(self, lineno: int, cells: list[str], cleaned: list[str], after_header: bool) -> None:
        first = cleaned[0]
        if match := _STRATEGY_RE.match(first):
            self._strategy_row(lineno, match, cleaned)
            return
        if match := _TACTIC_RE.match(first):
            self._tactic_row(lineno, match, cleaned)
            return
        if match := _CODE_RE.match(first):
            self._activity_row(lineno, match, cleaned)
            return
        fragments = _fragments(cells)
        heading = _rubric_heading_length(fragments)
        if heading:
            self._open_rubric(lineno, fragments, heading)
            return
        if self.rubric is not None:
            self._rubric_row(self.rubric, lineno, fragments)
            return
        if self.activity is not None and (not first or after_header):
            self._continuation_row(self.activity, lineno, cleaned)
            return
        found = _quote(" | ".join(c for c in cleaned if c))
        if not first:
            self.error(lineno, f"continuation row with no activity above it; found {found}")
            return
        self.error(
            lineno,
            "expected a strategy (ยุทธศาสตร์ที่ …), tactic (กลยุทธ์ที่ …), "
            f"activity code (๑.๑.๑ …) or rubric row; found {found}",
        )

    def _extra_text_warning(self, lineno: int, cleaned: list[str], what: str) -> None:
        if any(cleaned[1:]):
            self.warn(lineno, f"{what} row has text outside its first cell; that text is ignored")

    def _check_columns(self, lineno: int, cleaned: list[str]) -> None:
        extra = [c for c in cleaned[NUM_COLUMNS:] if c]
        if extra:
            self.error(
                lineno,
                f"expected at most {NUM_COLUMNS} columns; found text in column "
                f"{NUM_COLUMNS + 1} or beyond: {_quote(' | '.join(extra))}",
            )

    def _strategy_row(self, lineno: int, match: re.Match[str], cleaned: list[str]) -> None:
        self._finish_activity()
        number, title = parse_int(match[1]), match[2].strip()
        if not title:
            self.error(lineno, f"strategy {number} has no title")
        if any(s.number == number for s in self.strategies):
            self.warn(lineno, f"strategy number {number} is used twice")
        self._extra_text_warning(lineno, cleaned, "strategy")
        self.strategy = StrategyDoc(number=number, title=title, line=lineno, tactics=[])
        self.strategies.append(self.strategy)
        self.tactic = None

    def _tactic_row(self, lineno: int, match: re.Match[str], cleaned: list[str]) -> None:
        self._finish_activity()
        number = parse_int(match[1])
        title = _TRAILING_LABEL_RE.sub("", match[2]).strip()
        if not title:
            self.error(lineno, f"tactic {number} has no title")
        self._extra_text_warning(lineno, cleaned, "tactic")
        self.tactic = TacticDoc(number=number, title=title, line=lineno, activities=[])
        if self.strategy is None:
            self.error(lineno, f"tactic {number} comes before any strategy (ยุทธศาสตร์ที่ …)")
            return
        if any(t.number == number for t in self.strategy.tactics):
            self.warn(lineno, f"tactic number {number} is used twice in strategy")
        self.strategy.tactics.append(self.tactic)

    def _activity_row(self, lineno: int, match: re.Match[str], cleaned: list[str]) -> None:
        self._finish_activity()
        self._check_columns(lineno, cleaned)
        printed = match[1]
        code = to_arabic_digits(printed)
        if code in self.codes:
            self.error(
                lineno,
                f"duplicate activity code {printed} (first used on line {self.codes[code]})",
            )
        else:
            self.codes[code] = lineno
        if self.tactic is None:
            self.error(lineno, f"activity {printed} comes before any tactic (กลยุทธ์ที่ …)")
        elif self.strategy is not None:
            parts = [int(p) for p in code.split(".")]
            expected = [self.strategy.number, self.tactic.number][: len(parts) - 1]
            if parts[: len(expected)] != expected:
                prefix = ".".join(str(n) for n in expected)
                self.warn(
                    lineno,
                    f"activity code {printed} does not start with {prefix} "
                    "(its strategy and tactic); kept as printed",
                )
        columns = [match[2].strip(), *cleaned[1:NUM_COLUMNS]]
        columns += [""] * (NUM_COLUMNS - len(columns))
        self.activity = _ActivityDraft(code, printed, lineno, columns, self.tactic)

    def _continuation_row(self, draft: _ActivityDraft, lineno: int, cleaned: list[str]) -> None:
        self._check_columns(lineno, cleaned)
        # Joined before splitting into items: a bullet item may itself straddle the page.
        for col, text in enumerate(cleaned[:NUM_COLUMNS]):
            if text:
                draft.columns[col] = f"{draft.columns[col]} {text}".strip()

    # -- rubrics ---------------------------------------------------------------------------

    def _open_rubric(self, lineno: int, fragments: list[_Fragment], heading: int) -> None:
        self._close_rubric()
        owner = self.activity
        if owner is None:
            self.error(
                lineno,
                "rubric (ระดับคะแนน / เกณฑ์การให้คะแนน) with no activity above it; "
                "a rubric must follow its activity row",
            )
        elif owner.rubric_line is not None:
            self.error(
                lineno,
                f"second rubric for activity {owner.code_as_printed} "
                f"(its rubric starts on line {owner.rubric_line})",
            )
            owner = None
        else:
            owner.rubric_line = lineno
        self.rubric = _Rubric(line=lineno, owner=owner)
        self._rubric_row(self.rubric, lineno, fragments[heading:])

    def _rubric_row(self, rubric: _Rubric, lineno: int, fragments: list[_Fragment]) -> None:
        for position, fragment in enumerate(fragments):
            if fragment.paragraph:
                match = _LEVEL_IN_PARAGRAPH_RE.match(fragment.text)
                if match:
                    self._start_level(rubric, lineno, parse_int(match[1]), match[2] or "")
                    continue
            elif position == 0:
                # In the tab shape only the row's first cell can hold the level number.
                match = _BARE_LEVEL_RE.match(fragment.text)
                if match:
                    self._start_level(rubric, lineno, parse_int(match[1]), "")
                    continue
            self._continue_level(rubric, lineno, fragment.text)

    def _start_level(self, rubric: _Rubric, lineno: int, number: int, text: str) -> None:
        levels = rubric.levels
        expected = levels[-1].number + 1 if levels else 1
        if number != expected:
            self.error(
                lineno,
                "rubric levels must be numbered 1, 2, 3, … in order; "
                f"expected level {expected}, found level {number}",
            )
        levels.append(_Level(number=number, line=lineno, parts=[text] if text else []))

    def _continue_level(self, rubric: _Rubric, lineno: int, text: str) -> None:
        # A row or <p> without a number: the previous criterion split across a page.
        if not rubric.levels:
            self.error(
                lineno,
                f"expected a rubric level (a number, then its criterion); found {_quote(text)}",
            )
            return
        rubric.levels[-1].parts.append(text)

    def _close_rubric(self) -> None:
        rubric, self.rubric = self.rubric, None
        if rubric is None:
            return
        if not rubric.levels:
            self.error(rubric.line, "rubric has no levels; expected rows such as ๑ <criterion>")
        for level in rubric.levels:
            if not level.parts:
                self.error(level.line, f"rubric level {level.number} has no criterion")
        if rubric.owner is not None:
            rubric.owner.rubric_levels = [
                LevelDoc(number=level.number, criterion=" ".join(level.parts))
                for level in rubric.levels
            ]

    # -- finishing an activity -------------------------------------------------------------

    def _finish_activity(self) -> None:
        self._close_rubric()
        draft, self.activity = self.activity, None
        if draft is None:
            return
        self.activity_count += 1
        doc = self._build_activity(draft)
        if draft.tactic is not None:
            draft.tactic.activities.append(doc)

    def _build_activity(self, draft: _ActivityDraft) -> ActivityDoc:
        line, cols = draft.line, draft.columns
        label = f"activity {draft.code_as_printed}"
        if not cols[COL_ACTIVITY]:
            self.error(line, f"{label}: expected a title after the code; found none")
        targets = split_items(cols[COL_TARGETS])
        levels, source, target_level = self._levels(draft, targets, label)

        try:
            quarters = parse_quarters(cols[COL_QUARTERS])
        except ValueError as exc:
            quarters = []
            self.error(
                line,
                f"{label}: expected quarters (ไตรมาส ๑ - ๔, ไตรมาส ๒, ๑ และ ๓, "
                f"ตลอดปีงบประมาณ or months such as ต.ค. - ธ.ค.): {exc}; "
                f"found {_quote(cols[COL_QUARTERS])}",
            )
        try:
            budget = parse_budget_satang(cols[COL_BUDGET])
        except ValueError as exc:
            budget = None
            self.error(
                line,
                f"{label}: expected a budget in baht (๒,๕๐๐,๐๐๐, 1,250.50 บาท, ๒.๕ ล้านบาท, "
                f"ไม่ใช้งบประมาณ or -): {exc}; found {_quote(cols[COL_BUDGET])}",
            )
        unit_text, unit_path = parse_responsible_unit(cols[COL_UNIT], self.agency)
        if not unit_text:
            self.warn(line, f"{label}: no responsible unit given; assigned to the department")

        return ActivityDoc(
            code=draft.code,
            code_as_printed=draft.code_as_printed,
            title=cols[COL_ACTIVITY],
            objectives=split_items(cols[COL_OBJECTIVES]),
            indicators=split_items(cols[COL_INDICATORS]),
            targets=targets,
            target_level=target_level,
            outcomes_quantitative=split_items(cols[COL_OUT_QUANT]),
            outcomes_qualitative=split_items(cols[COL_OUT_QUAL]),
            quarters=quarters,
            budget_satang=budget,
            responsible_unit=unit_text,
            unit_path=unit_path,
            levels=levels,
            level_source=source,
            line=line,
        )

    def _levels(
        self, draft: _ActivityDraft, targets: list[str], label: str
    ) -> tuple[list[LevelDoc], str, int]:
        """The activity's scale and its target level."""
        line = draft.line
        wanted = [n for n in (_target_level(t) for t in targets) if n is not None]
        if len(wanted) > 1:
            self.error(line, f"{label}: expected one ระดับ N target; found {len(wanted)}")
        target = wanted[0] if wanted else None
        if draft.rubric_levels is not None:
            levels = draft.rubric_levels
            if target is None:
                return levels, "rubric", len(levels)
            if not 1 <= target <= len(levels):
                self.error(
                    line,
                    f"{label}: target ระดับ {target} is outside the rubric's levels "
                    f"1..{len(levels)}",
                )
            return levels, "rubric", target
        levels = [LevelDoc(number=i, criterion=t) for i, t in enumerate(targets, start=1)]
        if target is not None:
            self.error(
                line,
                f"{label}: target ระดับ {target} needs a rubric (ระดับคะแนน / "
                "เกณฑ์การให้คะแนน) below the activity; found none",
            )
            return levels, "targets", target
        if not targets:
            self.error(line, f"{label}: expected a target (ค่าเป้าหมาย) or a rubric; found neither")
        return levels, "targets", len(levels)


def _split_lines(text: str) -> list[str]:
    # Not str.splitlines(): it also breaks on form feeds and other separators, which would
    # shift line numbers away from what an editor shows.
    return [line.removesuffix("\r") for line in text.split("\n")]


def _run(lines: list[str], sha256: str) -> tuple[PlanDocument, list[LineMessage]]:
    parser = _Parser(lines)
    start = parser.parse_preamble()
    if start is not None:
        parser.parse_body(start)
    document = PlanDocument(
        title=parser.title,
        agency=parser.agency,
        ministry=parser.ministry,
        fiscal_year=parser.fiscal_year,
        source_sha256=sha256,
        strategies=parser.strategies,
        warnings=sorted(parser.warnings, key=lambda m: m.line),
    )
    return document, parser.errors


def parse_plan(text: str, *, sha256: str | None = None) -> PlanDocument:
    """Parse a plan document's text. Raises PlanFormatError listing every problem found.

    `sha256` identifies the source bytes; without it the UTF-8 encoding of `text` is hashed.
    """
    if sha256 is None:
        sha256 = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    document, errors = _run(_split_lines(text.removeprefix("\ufeff")), sha256)
    if errors:
        raise PlanFormatError(sorted(errors, key=lambda m: m.line))
    return document


def parse_plan_bytes(data: bytes) -> PlanDocument:
    """Parse a plan file's bytes (UTF-8, BOM and CRLF allowed); the hash is over the bytes."""
    sha256 = hashlib.sha256(data).hexdigest()
    errors: list[LineMessage] = []
    lines: list[str] = []
    # Decode line by line so that every bad line is named. Parsing stops there: rows garbled
    # by decoding would only add misleading follow-on errors.
    for lineno, chunk in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(chunk.decode("utf-8"))
        except UnicodeDecodeError as exc:
            bad = chunk[exc.start : exc.start + 4]
            errors.append(
                LineMessage(
                    lineno,
                    f"expected UTF-8 text; found undecodable bytes {bad!r} at byte "
                    f"{exc.start + 1} of the line (save the file as UTF-8: Thai files are "
                    "often in TIS-620 / Windows-874)",
                )
            )
    if errors:
        raise PlanFormatError(errors)
    return parse_plan("\n".join(lines), sha256=sha256)
