"""What auditors type, read the same way by the explorer and the JSON API: filters, cursors,
activity codes, and dates in Bangkok time in the Buddhist era or the Common Era
(`parse_moment`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.auditors.paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_SEQ,
    AuditFilter,
    Page,
    page_of_entries,
)
from workflow_app.db import MAX_ID
from workflow_app.formatting import BANGKOK, BUDDHIST_ERA_OFFSET
from workflow_app.plans.models import Activity
from workflow_app.thai_text import to_arabic_digits

# A four-digit year from here on is Buddhist era: B.E. 2400 is 1857 C.E., before any log, and
# C.E. 2400 is far beyond any log.
FIRST_BUDDHIST_ERA_YEAR = 2400


class InvalidParameters(ValueError):
    """Parameters that cannot be read: parameter name → what is wrong (a lazy, translatable
    string)."""

    def __init__(self, errors: dict[str, Any]) -> None:
        # Only the names: the messages are lazy and need a request to be translated.
        super().__init__("invalid parameters: " + ", ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class PageRequest:
    audit_filter: AuditFilter
    after_seq: int | None = None
    before_seq: int | None = None
    limit: int = DEFAULT_LIMIT
    oldest_first: bool = False

    def load_page(self, session: Session) -> Page:
        """The page of entries these parameters ask for."""
        return page_of_entries(
            session,
            self.audit_filter,
            after_seq=self.after_seq,
            before_seq=self.before_seq,
            limit=self.limit,
            oldest_first=self.oldest_first,
        )


FILTER_PARAMETERS = ("activity", "plan", "level", "actor", "action", "from", "to")
PAGE_PARAMETERS = ("after_seq", "before_seq", "limit", "order")


def parse_page_request(session: Session, params: Mapping[str, str]) -> PageRequest:
    """Read the filter and cursor parameters shared by the explorer and the API.

    activity: an id, or a code such as `1.1.1` (Thai digits too; with `plan` when the code
    exists in several plans); plan, level: ids/numbers; actor: a username or id; action: exact or
    a prefix ending in `.`; from/to: see `parse_moment`; after_seq/before_seq: cursors;
    limit: 1…500; order: `desc` (newest first, the default) or `asc`.
    Raises InvalidParameters naming every parameter that is wrong.
    """
    errors: dict[str, Any] = {}
    values = {
        name: (params.get(name) or "").strip() for name in (*FILTER_PARAMETERS, *PAGE_PARAMETERS)
    }

    def number(name: str, high: int = MAX_ID, low: int = 0) -> int | None:
        if not values[name]:
            return None
        try:
            value = int(to_arabic_digits(values[name]), 10)
        except ValueError:
            errors[name] = _l("must be a whole number")
            return None
        if not low <= value <= high:
            errors[name] = _l("must be between %(low)s and %(high)s", low=low, high=high)
            return None
        return value

    plan_id = number("plan")
    level = number("level", high=1000)
    after_seq = number("after_seq", high=MAX_SEQ)
    before_seq = number("before_seq", high=MAX_SEQ)
    limit = number("limit", high=MAX_LIMIT, low=1)
    if after_seq is not None and before_seq is not None:
        errors["before_seq"] = _l("give either after_seq or before_seq, not both")
    order = values["order"] or "desc"
    if order not in ("asc", "desc"):
        errors["order"] = _l("must be asc or desc")

    activity_id = None
    if values["activity"] and "plan" not in errors:
        try:
            activity_id = resolve_activity(session, values["activity"], plan_id)
        except LookupError as error:
            errors["activity"] = error.args[0]

    action = values["action"] or None
    if action is not None and (len(action) > 60 or not re.fullmatch(r"[\w.:*-]+", action)):
        errors["action"] = _l("not an action name")

    actor = values["actor"] or None
    if actor is not None and len(actor) > 120:
        errors["actor"] = _l("too long")

    moments: dict[str, datetime | None] = {}
    for name, end in (("from", False), ("to", True)):
        try:
            moments[name] = parse_moment(values[name], end=end) if values[name] else None
        except ValueError:
            moments[name] = None
            errors[name] = _l(
                "not a date: write day/month/year in the Buddhist era (31/12/2567, "
                "optionally 14:30) or an ISO date (2024-12-31)"
            )
    if (
        moments.get("from") is not None
        and moments.get("to") is not None
        and moments["from"] >= moments["to"]  # type: ignore[operator]
    ):
        errors["to"] = _l("must be after the start")

    if errors:
        raise InvalidParameters(errors)
    return PageRequest(
        audit_filter=AuditFilter(
            activity_id=activity_id,
            plan_id=plan_id,
            level=level,
            actor=actor,
            action=action,
            time_from=moments.get("from"),
            time_to=moments.get("to"),
        ),
        after_seq=after_seq,
        before_seq=before_seq,
        limit=limit or DEFAULT_LIMIT,
        oldest_first=order == "asc",
    )


def resolve_activity(session: Session, value: str, plan_id: int | None = None) -> int:
    """An activity id from an id or a code; raises LookupError(message) when it names none or,
    without a plan, a code used by several plans."""
    value = to_arabic_digits(value.strip())
    if value.isascii() and value.isdigit():
        activity_id = int(value)
        if activity_id > MAX_ID:
            raise LookupError(_l("no such activity"))
        return activity_id
    query = select(Activity.id).where(Activity.code == value)
    if plan_id is not None:
        query = query.where(Activity.plan_id == plan_id)
    found = session.scalars(query.order_by(Activity.id).limit(2)).all()
    if not found:
        raise LookupError(_l("no activity has this code"))
    if len(found) > 1:
        raise LookupError(_l("several plans have an activity with this code: choose the plan"))
    return found[0]


_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_THAI = re.compile(
    r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"
    r"(?:\s+(?P<H>\d{1,2})[:.](?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*น\.)?)?"
)


def parse_moment(value: str, *, end: bool = False) -> datetime:
    """A date or date and time typed by a person, as an aware UTC datetime.

    Accepted: `31/12/2567` (day/month/year, Buddhist era, as Thai officials write dates),
    optionally with `14:30`; or ISO `2024-12-31`, `2024-12-31T14:30[:05[.123]]`, optionally with
    `Z` or an offset. A four-digit year of 2400 or more is Buddhist era in either form, so
    `2567-12-31` is read as B.E. too. Without an offset the time is Bangkok time. Thai digits are
    fine. With `end`, the result is the end of what was typed (exclusive): the next day for a
    date, the next minute for `14:30`: a "to" bound includes the whole day or minute typed.
    Raises ValueError otherwise.
    """
    cleaned = to_arabic_digits(value.strip())
    match = _THAI.fullmatch(cleaned) or _ISO.fullmatch(cleaned)
    if match is None:
        raise ValueError(f"not a date: {value!r}")
    parts = match.groupdict()
    year = int(parts["y"])
    if year >= FIRST_BUDDHIST_ERA_YEAR:
        year -= BUDDHIST_ERA_OFFSET
    fraction = parts.get("f") or ""
    moment = datetime(
        year,
        int(parts["m"]),
        int(parts["d"]),
        int(parts["H"] or 0),
        int(parts["M"] or 0),
        int(parts["S"] or 0),
        int(fraction.ljust(6, "0")) if fraction else 0,
    )  # raises ValueError for 31/02 and friends
    zone = parts.get("tz")
    if zone:
        moment = datetime.fromisoformat(moment.isoformat() + ("+00:00" if zone == "Z" else zone))
    else:
        moment = moment.replace(tzinfo=BANGKOK)
    if end:
        if parts["H"] is None:
            step = timedelta(days=1)
        elif parts["S"] is None:
            step = timedelta(minutes=1)
        elif not fraction:
            step = timedelta(seconds=1)
        else:
            step = timedelta(microseconds=1)
        moment += step
    return moment.astimezone(UTC)


def filter_params(params: Mapping[str, str], names: Sequence[str]) -> dict[str, str]:
    """The non-empty parameters among `names`, to carry a filter into paging links."""
    return {name: params[name] for name in names if (params.get(name) or "").strip()}
