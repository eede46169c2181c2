"""The Thai government fiscal calendar (pure: no Flask, no database).

Fiscal year B.E. N runs from 1 October (N - 544 C.E.) to 30 September (N - 543 C.E.).
Q1 = October-December, Q2 = January-March, Q3 = April-June, Q4 = July-September.

Deadline rule (`deadline_status`), in this order:

1. ``met``: the certified level has reached the target level (whatever the date).
2. ``not_started``: today is before the first day of the activity's first quarter (or, for an
   activity with no quarters, before its fiscal year begins).
3. ``overdue``: the activity's last quarter has ended (today is after `due_date`) and the target
   has not been reached.
4. ``due_soon``: the end of the current or next active quarter (`next_due`) is at most
   `DUE_SOON_DAYS` days away. Every active quarter's end is a reporting checkpoint, not only
   the last one, because activities climb their levels across the year.
5. ``on_track``: anything else, including an activity with no quarters (it has no deadline).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Literal

BUDDHIST_ERA_OFFSET = 543
QUARTERS = (1, 2, 3, 4)
DUE_SOON_DAYS = 30

DeadlineStatus = Literal["met", "overdue", "due_soon", "on_track", "not_started"]
DEADLINE_STATUSES: tuple[DeadlineStatus, ...] = (
    "overdue",
    "due_soon",
    "on_track",
    "not_started",
    "met",
)

# (first month, last month, last day of the last month) of each fiscal quarter.
_QUARTER_MONTHS = {1: (10, 12, 31), 2: (1, 3, 31), 3: (4, 6, 30), 4: (7, 9, 30)}


def fiscal_year_of(day: date) -> int:
    """The fiscal year (B.E.) containing `day`: October starts the next year's budget."""
    return day.year + BUDDHIST_ERA_OFFSET + (1 if day.month >= 10 else 0)


def quarter_of(day: date) -> int:
    """The fiscal quarter (1-4) containing `day`."""
    return (day.month + 2) // 3 % 4 + 1


def _check_quarter(quarter: int) -> None:
    if quarter not in QUARTERS:
        raise ValueError(f"fiscal quarter must be 1-4, not {quarter!r}")


def quarter_bounds(fiscal_year_be: int, quarter: int) -> tuple[date, date]:
    """First and last day of `quarter` of fiscal year `fiscal_year_be`."""
    _check_quarter(quarter)
    first_month, last_month, last_day = _QUARTER_MONTHS[quarter]
    # Q1 falls in the calendar year before the one the fiscal year is named after.
    year_ce = fiscal_year_be - BUDDHIST_ERA_OFFSET - (1 if quarter == 1 else 0)
    return date(year_ce, first_month, 1), date(year_ce, last_month, last_day)


def fiscal_year_bounds(fiscal_year_be: int) -> tuple[date, date]:
    return quarter_bounds(fiscal_year_be, 1)[0], quarter_bounds(fiscal_year_be, 4)[1]


def _sorted_quarters(quarters: Iterable[int]) -> list[int]:
    values = sorted(set(quarters))
    for quarter in values:
        _check_quarter(quarter)
    return values


def due_date(fiscal_year_be: int, quarters: Iterable[int]) -> date | None:
    """The last day of the activity's last quarter; None when it names no quarter."""
    values = _sorted_quarters(quarters)
    if not values:
        return None
    return quarter_bounds(fiscal_year_be, values[-1])[1]


def active_quarter_on(fiscal_year_be: int, quarters: Iterable[int], today: date) -> int | None:
    """The activity's quarter containing `today`, if `today` falls in one of them."""
    if fiscal_year_of(today) != fiscal_year_be:
        return None
    quarter = quarter_of(today)
    return quarter if quarter in _sorted_quarters(quarters) else None


def next_due(fiscal_year_be: int, quarters: Iterable[int], today: date) -> date | None:
    """The end of the current or next quarter in which the activity is active; None once its
    last quarter has ended (or when it names no quarter)."""
    for quarter in _sorted_quarters(quarters):
        end = quarter_bounds(fiscal_year_be, quarter)[1]
        if end >= today:
            return end
    return None


def planned_quarter(
    fiscal_year_be: int, quarters: Iterable[int], today: date
) -> tuple[int, int] | None:
    """(fiscal year, quarter) the activity's work is planned for as of `today`: its current or
    next active quarter, or its last one once all have ended; None when it names no quarter."""
    values = _sorted_quarters(quarters)
    if not values:
        return None
    upcoming = [q for q in values if quarter_bounds(fiscal_year_be, q)[1] >= today]
    return (fiscal_year_be, upcoming[0] if upcoming else values[-1])


def deadline_status(
    fiscal_year_be: int,
    quarters: Iterable[int],
    certified_level: int,
    target_level: int,
    today: date,
) -> DeadlineStatus:
    """Where an activity stands against its schedule; the rule is in the module docstring."""
    if certified_level >= target_level:
        return "met"
    values = _sorted_quarters(quarters)
    if not values:
        start = fiscal_year_bounds(fiscal_year_be)[0]
        return "not_started" if today < start else "on_track"
    if today < quarter_bounds(fiscal_year_be, values[0])[0]:
        return "not_started"
    upcoming = next_due(fiscal_year_be, values, today)
    if upcoming is None:
        return "overdue"
    if upcoming - today <= timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "on_track"
