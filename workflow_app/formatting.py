"""Display formats for Thai officials: Buddhist-era dates, baht, optional Thai digits (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from workflow_app.thai_text import to_thai_digits

BANGKOK = ZoneInfo("Asia/Bangkok")
BUDDHIST_ERA_OFFSET = 543

THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
ENGLISH_MONTHS_SHORT = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def to_bangkok(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BANGKOK)


def format_date(
    value: date | datetime | None,
    *,
    locale: str = "th",
    with_time: bool = False,
    short: bool = False,
    thai_digits: bool = False,
) -> str:
    """`26 พฤศจิกายน 2569` (Thai, Buddhist era) or `26 Nov 2026 (B.E. 2569)` in English.

    Datetimes are shown in Asia/Bangkok; they are stored in UTC.
    """
    if value is None:
        return ""
    time_part = ""
    if isinstance(value, datetime):
        local = to_bangkok(value)
        time_part = f" {local:%H:%M}" if with_time else ""
        day = local.date()
    else:
        day = value
    be_year = day.year + BUDDHIST_ERA_OFFSET
    if locale == "th":
        month = (THAI_MONTHS_SHORT if short else THAI_MONTHS)[day.month - 1]
        text = f"{day.day} {month} {be_year}{time_part}"
        if with_time and not short:
            text += " น."
        return to_thai_digits(text) if thai_digits else text
    month = ENGLISH_MONTHS_SHORT[day.month - 1]
    return f"{day.day} {month} {day.year} (B.E. {be_year}){time_part}"


def format_baht(value: Decimal | int | None, *, thai_digits: bool = False) -> str:
    """Thousands separators, satang only when there are any: `2,500,000` / `1,250.50`."""
    if value is None:
        return ""
    amount = Decimal(value)
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return to_thai_digits(text) if thai_digits else text


def format_code(code: str, *, thai_digits: bool = False) -> str:
    """Activity codes are stored with Arabic digits ("1.1.1") and shown in either form."""
    return to_thai_digits(code) if thai_digits else code
