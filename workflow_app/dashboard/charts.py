"""Server-side SVG charts for the dashboard (pure: no Flask, no database, no script).

The page's CSP forbids inline styles, so every colour and size is an SVG presentation
attribute. Each chart is an `role="img"` with a `<title>`, a `<desc>` and an `aria-label`; the
page shows the same numbers in a table for anyone who cannot see the picture.

Charts have a fixed intrinsic width (`WIDTH`) and shrink with the Bootstrap classes `mw-100
h-auto` on narrow screens: a small width keeps the Thai labels legible on a phone (they shrink
by at most a fifth there) instead of blowing them up on a desktop.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from markupsafe import Markup, escape

WIDTH = 360
LABEL_SIZE = 15
VALUE_SIZE = 14
BAR_HEIGHT = 14
VALUE_COLUMN = 64  # room right of the bars for "2 / 4" or a count
ROW_HEIGHT = LABEL_SIZE + 8 + BAR_HEIGHT + 14
# A glyph is at most this many ems wide in Sarabun (Thai and Latin alike), a safe over-estimate
# for truncating labels without measuring text, which a server cannot do.
EM_RATIO = 0.6

TEXT_FILL = "#1f2933"
MUTED_FILL = "#5f6b7a"
TRACK_FILL = "#e3e8ee"
PROGRESS_FILL = "#1f6f9f"
MET_FILL = "#1e7b45"
TARGET_STROKE = "#1d3557"


@dataclass(frozen=True)
class ProgressRow:
    """One activity: levels certified so far against its target, out of its level count."""

    label: str
    certified: int
    target: int
    levels: int
    value_text: str  # already formatted for the reader, e.g. "2 / 4"

    @property
    def met(self) -> bool:
        return self.certified >= self.target


@dataclass(frozen=True)
class BarRow:
    label: str
    value: int
    value_text: str
    fill: str = PROGRESS_FILL


@cache
def _attr_name(name: str) -> str:
    # Trailing underscores allow Python keywords; underscores become SVG's hyphens.
    return name.rstrip("_").replace("_", "-")


def _attrs(**values: object) -> str:
    # Numbers need no escaping, and a chart is mostly numbers.
    return " ".join(
        [
            f'{_attr_name(name)}="{value if isinstance(value, int | float) else escape(value)}"'
            for name, value in values.items()
        ]
    )


def _spacing_width(char: str) -> float:
    # Thai vowels above/below and tone marks (category Mn) stack on their consonant.
    return 0.0 if unicodedata.category(char) in ("Mn", "Me", "Cf") else 1.0


@lru_cache(maxsize=4096)  # the same activities' labels, page after page
def fit_label(text: str, width: float, font_size: float = LABEL_SIZE) -> str:
    """`text`, shortened with an ellipsis to fit `width`; never ends on a lone Thai mark."""
    text = " ".join(text.split())
    room = width / (font_size * EM_RATIO)
    if sum(_spacing_width(c) for c in text) <= room:
        return text
    used = 0.0
    cut = 0
    for index, char in enumerate(text):
        used += _spacing_width(char)
        if used > room - 1:  # keep one glyph's room for the ellipsis
            break
        cut = index + 1
    # Cutting before a combining mark would strand it on the next glyph: include the marks.
    while cut < len(text) and _spacing_width(text[cut]) == 0.0:
        cut += 1
    return text[:cut].rstrip() + "…"


def _svg(chart_id: str, title: str, description: str, height: int, body: list[str]) -> Markup:
    head = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        class_="wf-chart mw-100 h-auto",
        width=WIDTH,
        height=height,
        viewBox=f"0 0 {WIDTH} {height}",
        role="img",
        aria_label=title,
        aria_describedby=f"{chart_id}-desc",
        id=chart_id,
    )
    parts = [
        f"<svg {head}>",
        f"<title {_attrs(id=f'{chart_id}-title')}>{escape(title)}</title>",
        f"<desc {_attrs(id=f'{chart_id}-desc')}>{escape(description)}</desc>",
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int,
    fill: str = TEXT_FILL,
    text_anchor: str | None = None,
    font_weight: str | None = None,
) -> str:
    # The elements below are written out rather than built by `_attrs`: a dashboard draws a
    # hundred of them, and their attributes are numbers and this module's constants.
    anchor = "" if text_anchor is None else f' text-anchor="{text_anchor}"'
    weight = "" if font_weight is None else f' font-weight="{font_weight}"'
    return (
        f'<text x="{x}" y="{y}" font-size="{size}" fill="{fill}"{anchor}{weight}>'
        f"{escape(text)}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: int) -> str:
    return (
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{stroke}" stroke-width="{width}"/>'
    )


def _rect(x: float, y: float, width: float, height: float, fill: str, rx: int | None = None) -> str:
    corner = "" if rx is None else f' rx="{rx}"'
    return (
        f'<rect x="{x}" y="{y}" width="{round(width, 2)}" height="{height}" fill="{fill}"{corner}/>'
    )


def _row_group(index: int) -> str:
    return f'<g class="chart-row" data-row="{index}">'


def progress_chart(
    rows: Sequence[ProgressRow],
    *,
    chart_id: str,
    title: str,
    description: str,
    certified_label: str,
    target_label: str,
    number: Callable[[int], str] = str,
) -> Markup:
    """A horizontal bar per activity: the certified levels filled, the target marked by a line.

    Every bar uses the same scale (the largest level count), so "level 2" lines up across rows;
    a bar turns green once its target is met.
    """
    scale_max = max((max(row.levels, row.target) for row in rows), default=1) or 1
    bar_width = WIDTH - VALUE_COLUMN
    unit = bar_width / scale_max
    body: list[str] = []

    # Legend: what the fill and the line mean.
    legend_y = 6
    body.append(_rect(0, legend_y, 14, 10, PROGRESS_FILL))
    body.append(_text(20, legend_y + 10, certified_label, size=VALUE_SIZE - 1, fill=MUTED_FILL))
    legend_x = min(WIDTH - 120, 28 + len(certified_label) * (VALUE_SIZE - 1) * EM_RATIO)
    body.append(_line(legend_x, legend_y - 2, legend_x, legend_y + 12, TARGET_STROKE, 3))
    body.append(
        _text(legend_x + 8, legend_y + 10, target_label, size=VALUE_SIZE - 1, fill=MUTED_FILL)
    )

    y = 30
    for index, row in enumerate(rows):
        label_y = y + LABEL_SIZE
        bar_y = label_y + 8
        fill = MET_FILL if row.met else PROGRESS_FILL
        target_x = round(min(row.target, scale_max) * unit, 2)
        body.append(_row_group(index))
        body.append(f"<title>{escape(row.label)}: {escape(row.value_text)}</title>")
        body.append(_text(0, label_y, fit_label(row.label, WIDTH), size=LABEL_SIZE))
        body.append(_rect(0, bar_y, row.levels * unit, BAR_HEIGHT, TRACK_FILL, rx=2))
        body.append(_rect(0, bar_y, min(row.certified, scale_max) * unit, BAR_HEIGHT, fill, rx=2))
        body.append(_line(target_x, bar_y - 3, target_x, bar_y + BAR_HEIGHT + 3, TARGET_STROKE, 3))
        body.append(
            _text(
                WIDTH,
                bar_y + BAR_HEIGHT - 2,
                row.value_text,
                size=VALUE_SIZE,
                text_anchor="end",
                font_weight="bold" if row.met else "normal",
            )
        )
        body.append("</g>")
        y += ROW_HEIGHT

    # Level scale under the bars: 0 … the largest level count.
    axis_y = y + 2
    body.append(_line(0, axis_y, bar_width, axis_y, MUTED_FILL, 1))
    for level in range(scale_max + 1):
        x = round(level * unit, 2)
        anchor = "start" if level == 0 else "end" if level == scale_max else "middle"
        body.append(_line(x, axis_y, x, axis_y + 4, MUTED_FILL, 1))
        label = number(level)
        body.append(
            _text(x, axis_y + 18, label, size=VALUE_SIZE - 1, fill=MUTED_FILL, text_anchor=anchor)
        )
    return _svg(chart_id, title, description, axis_y + 24, body)


def bar_chart(
    rows: Sequence[BarRow],
    *,
    chart_id: str,
    title: str,
    description: str,
) -> Markup:
    """A horizontal bar per row (e.g. activities per workflow state), scaled to the largest."""
    bar_width = WIDTH - VALUE_COLUMN
    scale_max = max((row.value for row in rows), default=0) or 1
    body: list[str] = []
    y = 0
    for index, row in enumerate(rows):
        label_y = y + LABEL_SIZE
        bar_y = label_y + 8
        body.append(_row_group(index))
        body.append(f"<title>{escape(row.label)}: {escape(row.value_text)}</title>")
        body.append(_text(0, label_y, fit_label(row.label, WIDTH), size=LABEL_SIZE))
        body.append(_rect(0, bar_y, bar_width, BAR_HEIGHT, TRACK_FILL, rx=2))
        body.append(_rect(0, bar_y, bar_width * row.value / scale_max, BAR_HEIGHT, row.fill, rx=2))
        body.append(
            _text(
                WIDTH,
                bar_y + BAR_HEIGHT - 2,
                row.value_text,
                size=VALUE_SIZE,
                text_anchor="end",
            )
        )
        body.append("</g>")
        y += ROW_HEIGHT
    return _svg(chart_id, title, description, max(y, ROW_HEIGHT), body)
