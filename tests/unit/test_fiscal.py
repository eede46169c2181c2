"""The Thai fiscal calendar: years, quarters, due dates and the deadline rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow_app.plans.fiscal import (
    DUE_SOON_DAYS,
    active_quarter_on,
    deadline_status,
    due_date,
    fiscal_year_bounds,
    fiscal_year_of,
    next_due,
    planned_quarter,
    quarter_bounds,
    quarter_of,
)

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2400, 12, 31))
quarter_sets = st.lists(st.integers(1, 4), unique=True).map(sorted)


@pytest.mark.parametrize(
    ("day", "fiscal_year", "quarter"),
    [
        (date(2024, 9, 30), 2567, 4),
        (date(2024, 10, 1), 2568, 1),  # Q1 of FY 2568 is October-December 2024 C.E.
        (date(2024, 12, 31), 2568, 1),
        (date(2025, 1, 1), 2568, 2),
        (date(2025, 3, 31), 2568, 2),
        (date(2025, 4, 1), 2568, 3),
        (date(2025, 6, 30), 2568, 3),
        (date(2025, 7, 1), 2568, 4),
        (date(2025, 9, 30), 2568, 4),
        (date(2025, 10, 1), 2569, 1),
        (date(2024, 2, 29), 2567, 2),
    ],
)
def test_year_and_quarter_across_the_boundary(day: date, fiscal_year: int, quarter: int) -> None:
    assert fiscal_year_of(day) == fiscal_year
    assert quarter_of(day) == quarter


def test_quarter_bounds_of_fiscal_year_2568() -> None:
    assert quarter_bounds(2568, 1) == (date(2024, 10, 1), date(2024, 12, 31))
    assert quarter_bounds(2568, 2) == (date(2025, 1, 1), date(2025, 3, 31))
    assert quarter_bounds(2568, 3) == (date(2025, 4, 1), date(2025, 6, 30))
    assert quarter_bounds(2568, 4) == (date(2025, 7, 1), date(2025, 9, 30))
    assert fiscal_year_bounds(2568) == (date(2024, 10, 1), date(2025, 9, 30))


def test_leap_years_do_not_move_quarter_ends() -> None:
    # FY 2567 contains 29 February 2024; Q2 still ends on 31 March and holds 91 days.
    first, last = quarter_bounds(2567, 2)
    assert (first, last) == (date(2024, 1, 1), date(2024, 3, 31))
    assert (last - first).days + 1 == 91
    assert (quarter_bounds(2568, 2)[1] - quarter_bounds(2568, 2)[0]).days + 1 == 90
    start, end = fiscal_year_bounds(2567)
    assert (end - start).days + 1 == 366
    # 29 February is 31 days before the end of Q2, 1 March is 30: the leap day counts.
    assert deadline_status(2567, [2], 0, 1, date(2024, 2, 29)) == "on_track"
    assert deadline_status(2567, [2], 0, 1, date(2024, 3, 1)) == "due_soon"
    assert next_due(2567, [2], date(2024, 2, 29)) == date(2024, 3, 31)


@pytest.mark.parametrize("bad", [0, 5, -1])
def test_quarters_outside_one_to_four_are_refused(bad: int) -> None:
    with pytest.raises(ValueError):
        quarter_bounds(2568, bad)
    with pytest.raises(ValueError):
        due_date(2568, [1, bad])


def test_due_date_is_the_end_of_the_last_quarter() -> None:
    assert due_date(2568, [1, 2, 3, 4]) == date(2025, 9, 30)
    assert due_date(2568, [3, 1]) == date(2025, 6, 30)
    assert due_date(2568, [1]) == date(2024, 12, 31)
    assert due_date(2568, []) is None


def test_next_due_is_the_end_of_the_current_or_next_active_quarter() -> None:
    assert next_due(2568, [2, 4], date(2024, 9, 1)) == date(2025, 3, 31)  # before the year
    assert next_due(2568, [2, 4], date(2024, 11, 15)) == date(2025, 3, 31)  # inactive Q1
    assert next_due(2568, [2, 4], date(2025, 3, 31)) == date(2025, 3, 31)  # last day counts
    assert next_due(2568, [2, 4], date(2025, 4, 1)) == date(2025, 9, 30)
    assert next_due(2568, [2, 4], date(2025, 10, 1)) is None  # all quarters over
    assert next_due(2568, [], date(2025, 1, 1)) is None


def test_active_quarter_on() -> None:
    assert active_quarter_on(2568, [1, 3], date(2024, 10, 1)) == 1
    assert active_quarter_on(2568, [1, 3], date(2025, 2, 1)) is None
    assert active_quarter_on(2569, [1, 3], date(2024, 10, 1)) is None  # another fiscal year


class TestDeadlineStatus:
    def test_met_wins_whatever_the_date(self) -> None:
        assert deadline_status(2568, [1], 4, 4, date(2030, 1, 1)) == "met"
        assert deadline_status(2568, [4], 5, 4, date(2020, 1, 1)) == "met"

    def test_not_started_before_the_first_active_quarter(self) -> None:
        assert deadline_status(2568, [3, 4], 0, 2, date(2025, 3, 31)) == "not_started"
        assert deadline_status(2568, [3, 4], 0, 2, date(2025, 4, 1)) == "on_track"
        assert deadline_status(2568, [], 0, 2, date(2024, 9, 30)) == "not_started"

    def test_overdue_the_day_after_the_last_quarter_ends(self) -> None:
        assert deadline_status(2568, [1, 2], 1, 2, date(2025, 3, 31)) == "due_soon"
        assert deadline_status(2568, [1, 2], 1, 2, date(2025, 4, 1)) == "overdue"
        # Across the fiscal-year boundary: a Q4 activity is overdue on 1 October.
        assert deadline_status(2568, [4], 0, 1, date(2025, 9, 30)) == "due_soon"
        assert deadline_status(2568, [4], 0, 1, date(2025, 10, 1)) == "overdue"

    def test_due_soon_within_thirty_days_of_any_active_quarter_end(self) -> None:
        end = date(2024, 12, 31)
        assert deadline_status(2568, [1, 2, 3, 4], 0, 4, end - timedelta(DUE_SOON_DAYS)) == (
            "due_soon"
        )
        assert deadline_status(2568, [1, 2, 3, 4], 0, 4, end - timedelta(DUE_SOON_DAYS + 1)) == (
            "on_track"
        )

    def test_between_active_quarters_is_on_track(self) -> None:
        assert deadline_status(2568, [1, 3], 0, 2, date(2025, 3, 15)) == "on_track"

    def test_no_quarters_means_no_deadline(self) -> None:
        assert deadline_status(2568, [], 0, 2, date(2030, 1, 1)) == "on_track"


@given(days)
def test_every_date_is_in_exactly_one_quarter_whose_bounds_contain_it(day: date) -> None:
    year = fiscal_year_of(day)
    containing = [
        q for q in range(1, 5) if quarter_bounds(year, q)[0] <= day <= quarter_bounds(year, q)[1]
    ]
    assert containing == [quarter_of(day)]
    # Neighbouring fiscal years do not contain it either.
    for other in (year - 1, year + 1):
        first, last = fiscal_year_bounds(other)
        assert not first <= day <= last


@given(st.integers(1000, 3000))
def test_quarters_tile_the_fiscal_year(year: int) -> None:
    previous_end = fiscal_year_bounds(year - 1)[1]
    for quarter in range(1, 5):
        first, last = quarter_bounds(year, quarter)
        assert first == previous_end + timedelta(days=1)
        assert first <= last
        assert fiscal_year_of(first) == fiscal_year_of(last) == year
        assert quarter_of(first) == quarter_of(last) == quarter
        previous_end = last
    assert previous_end == date(year - 543, 9, 30)


@given(st.integers(2400, 2700), quarter_sets, st.integers(0, 6), st.integers(1, 6), days)
def test_deadline_status_agrees_with_the_dates(
    year: int, quarters: list[int], certified: int, target: int, today: date
) -> None:
    status = deadline_status(year, quarters, certified, target, today)
    due = due_date(year, quarters)
    upcoming = next_due(year, quarters, today)
    if certified >= target:
        assert status == "met"
        return
    if status == "overdue":
        assert due is not None and today > due and upcoming is None
    elif status == "due_soon":
        assert upcoming is not None and 0 <= (upcoming - today).days <= DUE_SOON_DAYS
    elif status == "not_started":
        assert today < fiscal_year_bounds(year)[1]
    else:
        assert status == "on_track"
        assert due is None or today <= due
    if due is not None and today > due:
        assert status == "overdue"
    if upcoming is not None:
        assert upcoming >= today and upcoming in {quarter_bounds(year, q)[1] for q in quarters}


def test_planned_quarter_is_the_current_or_next_active_one_else_the_last() -> None:
    assert planned_quarter(2568, [1, 2, 3, 4], date(2025, 1, 15)) == (2568, 2)
    assert planned_quarter(2568, [3, 4], date(2025, 1, 15)) == (2568, 3)
    assert planned_quarter(2568, [2], date(2025, 8, 1)) == (2568, 2)  # all over: the last one
    assert planned_quarter(2569, [1], date(2025, 8, 1)) == (2569, 1)  # next year's first
    assert planned_quarter(2568, [1, 2], date(2024, 12, 31)) == (2568, 1)  # its last day
    assert planned_quarter(2568, [], date(2024, 10, 1)) is None
