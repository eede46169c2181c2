"""CSV: one row per activity with the report's columns, UTF-8 with a byte-order mark.

Excel opens a CSV without a BOM in the machine's legacy code page and shows Thai as mojibake;
with the BOM it reads UTF-8. Sections are repeated on every row (a flat file has no merged rows).
Values are plain: numbers without separators, datetimes in ISO 8601 Bangkok time, list items one
per line inside the cell.

Text that a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a leading
apostrophe, as does text already starting with one, so `read_csv` can undo it exactly.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from workflow_app.formatting import BANGKOK
from workflow_app.reports.model import (
    COLUMNS,
    SECTION_COLUMNS,
    ProgressReport,
    activity_values,
    section_values,
)

MEDIA_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_GUARD = "'"


def header() -> list[str]:
    return [c.full_header for c in (*SECTION_COLUMNS, *COLUMNS)]


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")  # never exponent notation
    if isinstance(value, datetime):
        return value.astimezone(BANGKOK).isoformat(timespec="seconds")
    return str(value)


def rows(report: ProgressReport) -> list[list[str]]:
    """The data rows as text, before the formula guard: what `read_csv` gives back."""
    result = []
    for strategy, tactic, activity in report.activities():
        values = {**section_values(strategy, tactic), **activity_values(activity)}
        result.append([text_of(values[c.key]) for c in (*SECTION_COLUMNS, *COLUMNS)])
    return result


def guard(text: str) -> str:
    return _GUARD + text if text.startswith((*_FORMULA_STARTS, _GUARD)) else text


def unguard(text: str) -> str:
    return text[1:] if text.startswith(_GUARD) else text


def render_csv(report: ProgressReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header())
    for row in rows(report):
        writer.writerow([guard(cell) for cell in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def read_csv(data: bytes) -> list[list[str]]:
    """Header and rows of a report CSV, guards removed."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [[unguard(cell) for cell in row] for row in reader]
