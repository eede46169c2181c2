"""What internal auditors ask of the log: filters, keyset pages and the chain head.

Shared by the pages (`audit.views`) and the JSON API (`audit.api`), so both read the same
parameters the same way and return the same entries.

Paging is keyset on `seq`, never OFFSET: a page is "the next N matching entries before (or after)
this seq", a range scan from the cursor in the primary key or one of the (column, seq) indexes,
so page 10,000 of a million entries costs what page 1 costs. The query plans are checked on both
databases by `tests/integration/test_audit_pages.py::test_page_queries_use_the_indexes`.

Dates typed by people (pages and API alike) are read in Bangkok time and may be written in the
Buddhist era or in the Common Era: see `parse_moment`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, select, text, union_all
from sqlalchemy.orm import Session

from workflow_app.accounts.models import User
from workflow_app.audit.canonical import format_time
from workflow_app.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry
from workflow_app.db import MAX_ID
from workflow_app.formatting import BANGKOK, BUDDHIST_ERA_OFFSET
from workflow_app.plans.models import Activity
from workflow_app.thai_text import to_arabic_digits

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_SEQ = 2**63 - 1
# A four-digit year from here on is Buddhist era: B.E. 2400 is 1857 C.E., before any log, and
# C.E. 2400 is far beyond any log.
FIRST_BUDDHIST_ERA_YEAR = 2400

# Subject members copied to indexed columns by append_entry.
_SUBJECT_COLUMNS = ("plan_id", "activity_id", "level", "submission_id")
_SUMMARY_CHARS = 120


# --- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to list; every given criterion must hold.

    `actor` is a username or a user id; `action` is an exact action, or a prefix when it ends in
    "." or "*" (`workflow.` = every workflow action). `time_from` is inclusive, `time_to`
    exclusive; both must be aware datetimes.
    """

    activity_id: int | None = None
    plan_id: int | None = None
    level: int | None = None
    actor: str | int | None = None
    action: str | None = None
    time_from: datetime | None = None
    time_to: datetime | None = None

    def __post_init__(self) -> None:
        for moment in (self.time_from, self.time_to):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("audit time filters take aware datetimes")

    @property
    def action_prefix(self) -> str | None:
        if self.action and self.action.endswith((".", "*")):
            return self.action.rstrip("*")
        return None

    def is_empty(self) -> bool:
        return self == AuditFilter()


@dataclass(frozen=True)
class EvidenceRef:
    """One piece of evidence as the audit entry recorded it."""

    kind: str
    name: str | None = None
    size: int | None = None
    sha256: str | None = None
    media_type: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class EntryView:
    """An entry decoded from its hashed `body`, for display and for the API.

    Everything shown comes from the body (what the chain protects); the indexed columns are only
    compared with it. `problem` says why the body could not be read or which columns disagree:
    a column changed behind the chain's back hides an entry from filters, so we show it."""

    seq: int
    recorded_at: datetime
    prev_hash: str
    entry_hash: str
    body_text: str
    document: dict[str, Any] | None
    time: datetime
    actor_id: int | None
    actor_username: str
    actor_roles: tuple[str, ...]
    action: str
    subject: dict[str, Any]
    from_state: str | None
    to_state: str | None
    payload: dict[str, Any]
    evidence: tuple[EvidenceRef, ...] = ()
    problem: str | None = None

    @property
    def activity_id(self) -> int | None:
        value = self.subject.get("activity_id")
        return value if isinstance(value, int) else None

    @property
    def level(self) -> int | None:
        value = self.subject.get("level")
        return value if isinstance(value, int) else None

    @property
    def code(self) -> str | None:
        value = self.subject.get("code")
        return value if isinstance(value, str) else None

    @property
    def notes(self) -> list[tuple[str, str]]:
        """Payload members other than evidence as (key, short text), comment and reason first."""
        first = [key for key in ("comment", "reason", "narrative") if key in self.payload]
        rest = sorted(key for key in self.payload if key not in first and key != "evidence")
        return [(key, _short_text(self.payload[key])) for key in first + rest]

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "prev_hash": self.prev_hash,
            "body": self.document,
            "problem": self.problem,
        }


def _short_text(value: Any) -> str:
    text_value = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text_value) > _SUMMARY_CHARS:
        return text_value[: _SUMMARY_CHARS - 1] + "…"
    return text_value


def decode_entry(row: AuditEntry) -> EntryView:
    """Read an entry from its body, falling back to the columns where the body cannot be read
    (a tampered entry must still be shown, not break the page)."""
    body = bytes(row.body)
    body_text = body.decode("utf-8", errors="replace")
    document: dict[str, Any] | None = None
    problem: str | None = None
    try:
        parsed = json.loads(body)
        if isinstance(parsed, dict):
            document = parsed
        else:
            problem = "the body is not a JSON object"
    except ValueError as error:
        problem = f"the body is not valid JSON: {error}"
    doc = document or {}

    actor = doc.get("actor") if isinstance(doc.get("actor"), dict) else {}
    subject = doc.get("subject") if isinstance(doc.get("subject"), dict) else {}
    payload = doc.get("payload") if isinstance(doc.get("payload"), dict) else {}
    roles = actor.get("roles") if isinstance(actor.get("roles"), list) else []
    recorded = format_time(row.recorded_at)
    # The body's time is the recorded one but in a tampered entry: parse the text only then.
    body_time = doc.get("time")
    time_value = (
        row.recorded_at if body_time == recorded else _parse_body_time(body_time) or row.recorded_at
    )

    view = EntryView(
        seq=row.seq,
        recorded_at=row.recorded_at,
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
        body_text=body_text,
        document=document,
        time=time_value,
        actor_id=actor.get("id") if document is not None else row.actor_id,
        actor_username=str(actor.get("username", row.actor_username)),
        actor_roles=tuple(str(role) for role in roles),
        action=str(doc.get("action", row.action)),
        subject=subject
        if document is not None
        else {name: getattr(row, name) for name in _SUBJECT_COLUMNS},
        from_state=_str_or_none(doc.get("from_state")),
        to_state=_str_or_none(doc.get("to_state")),
        payload=payload,
        evidence=_evidence_refs(payload.get("evidence")),
        problem=problem,
    )
    if problem is None:
        differing = _columns_differing(row, doc, recorded)
        if differing:
            view = _with_problem(
                view, "indexed columns differ from the hashed body: " + ", ".join(differing)
            )
    return view


def _with_problem(view: EntryView, problem: str) -> EntryView:
    return replace(view, problem=problem)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _parse_body_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _evidence_refs(value: Any) -> tuple[EvidenceRef, ...]:
    if not isinstance(value, list):
        return ()
    refs = []
    for item in value:
        if not isinstance(item, dict):
            continue
        refs.append(
            EvidenceRef(
                kind=str(item.get("kind", "")),
                name=_str_or_none(item.get("name")),
                size=item.get("size") if isinstance(item.get("size"), int) else None,
                sha256=_str_or_none(item.get("sha256")),
                media_type=_str_or_none(item.get("media_type")),
                url=_str_or_none(item.get("url")),
            )
        )
    return tuple(refs)


def _columns_differing(row: AuditEntry, doc: dict[str, Any], recorded: str) -> list[str]:
    """The indexed columns that disagree with the body; `recorded` is `format_time` of the
    row's recorded_at."""
    actor = doc.get("actor") if isinstance(doc.get("actor"), dict) else {}
    subject = doc.get("subject") if isinstance(doc.get("subject"), dict) else {}
    expected: dict[str, Any] = {
        "seq": doc.get("seq"),
        "actor_id": actor.get("id"),
        "actor_username": actor.get("username"),
        "action": doc.get("action"),
        **{name: subject.get(name) for name in _SUBJECT_COLUMNS},
    }
    differing = [name for name, value in expected.items() if getattr(row, name) != value]
    if doc.get("time") != recorded:
        differing.append("recorded_at")
    return differing


# --- pages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of entries in display order, with the cursors to its neighbours.

    `newer_after_seq` / `older_before_seq` are the cursors to pass as `after_seq` / `before_seq`
    for the next page in that direction, or None when there is nothing more that way."""

    entries: list[EntryView]
    limit: int
    oldest_first: bool
    newer_after_seq: int | None
    older_before_seq: int | None

    @property
    def has_newer(self) -> bool:
        return self.newer_after_seq is not None

    @property
    def has_older(self) -> bool:
        return self.older_before_seq is not None


@dataclass
class _Plan:
    """A filter turned into SQL: conditions on one table, and the action values when a prefix
    matches several actions (each then gets its own index range, see `_seq_query`)."""

    conditions: list[ColumnElement[bool]] = field(default_factory=list)
    actions: list[str] | None = None
    empty: bool = False


def page_of_entries(
    session: Session,
    audit_filter: AuditFilter,
    *,
    after_seq: int | None = None,
    before_seq: int | None = None,
    limit: int = DEFAULT_LIMIT,
    oldest_first: bool = False,
) -> Page:
    """The matching entries next to a cursor: newest first unless `oldest_first`.

    Without a cursor: the newest (or oldest) `limit` entries. `before_seq=N`: the `limit`
    matching entries just below seq N; `after_seq=N`: those just above N. At most one cursor.
    """
    if after_seq is not None and before_seq is not None:
        raise ValueError("give after_seq or before_seq, not both")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    plan = _plan(session, audit_filter)
    if plan.empty:
        return Page([], limit, oldest_first, None, None)

    seq = AuditEntry.seq
    ascending = after_seq is not None or (before_seq is None and oldest_first)
    cursor: list[ColumnElement[bool]] = []
    # Whether anything matches beyond the cursor, the other way from the page. Nothing matching
    # lies between the cursor and the page (it holds the nearest matches), so this is whether
    # the page has neighbours that way; it is asked in the page's own statement.
    beyond: list[ColumnElement[bool]] = []
    if after_seq is not None:
        cursor.append(seq > after_seq)
        beyond.append(seq <= after_seq)
    if before_seq is not None:
        cursor.append(seq < before_seq)
        beyond.append(seq >= before_seq)
    # One more than asked for says whether the scan direction has more.
    fetched = _fetch(session, plan, cursor, beyond, ascending=ascending, count=limit + 1)
    rows = [row for row in fetched if _on_page(row.seq, after_seq, before_seq)]
    rows.sort(key=lambda row: row.seq, reverse=not ascending)
    more_beyond = len(rows) < len(fetched)
    more_in_scan_direction = len(rows) > limit
    rows = rows[:limit]
    seqs = [row.seq for row in rows]

    # Where the page's interval ends on each side, also when it is empty.
    if seqs:
        top, bottom = max(seqs), min(seqs)
    elif after_seq is not None:
        top, bottom = after_seq, after_seq + 1
    elif before_seq is not None:
        top, bottom = before_seq - 1, before_seq
    else:
        return Page([], limit, oldest_first, None, None)

    if ascending:
        has_newer, has_older = more_in_scan_direction, more_beyond
    else:
        has_newer, has_older = more_beyond, more_in_scan_direction

    views = [decode_entry(row) for row in rows]
    views.sort(key=lambda view: view.seq, reverse=not oldest_first)
    return Page(
        entries=views,
        limit=limit,
        oldest_first=oldest_first,
        newer_after_seq=top if has_newer else None,
        older_before_seq=bottom if has_older else None,
    )


def _on_page(seq: int, after_seq: int | None, before_seq: int | None) -> bool:
    return (after_seq is None or seq > after_seq) and (before_seq is None or seq < before_seq)


def _fetch(
    session: Session,
    plan: _Plan,
    cursor: list[ColumnElement[bool]],
    beyond: list[ColumnElement[bool]],
    *,
    ascending: bool,
    count: int,
) -> list[AuditEntry]:
    """The first `count` matches past the cursor in scan order, and with `beyond` conditions
    also the nearest match on the other side of the cursor, in one statement (unordered)."""
    page = _entries_query(plan, cursor, ascending=ascending, count=count)
    if not beyond:
        return list(session.scalars(page))
    # Each branch is wrapped as a subquery: SQLite refuses LIMIT inside a bare compound member.
    nearest = _entries_query(plan, beyond, ascending=not ascending, count=1)
    both = union_all(select(page.subquery()), select(nearest.subquery()))
    return list(session.scalars(select(AuditEntry).from_statement(both)))


def _entries_query(
    plan: _Plan, cursor: list[ColumnElement[bool]], *, ascending: bool, count: int
) -> Select[tuple[AuditEntry]]:
    order = AuditEntry.seq.asc() if ascending else AuditEntry.seq.desc()
    if plan.actions is None:
        return select(AuditEntry).where(*plan.conditions, *cursor).order_by(order).limit(count)
    wanted = _seq_query(plan, cursor, ascending=ascending, count=count)
    return (
        select(AuditEntry)
        .where(AuditEntry.seq.in_(select(wanted.c.seq)))
        .order_by(order)
        .limit(count)
    )


def _seq_query(
    plan: _Plan, cursor: list[ColumnElement[bool]], *, ascending: bool, count: int
) -> Any:
    """The first `count` seqs of each action of a prefix, as one UNION ALL.

    `action IN (…) ORDER BY seq LIMIT n` cannot walk the (action, seq) index in seq order: the
    database would scan the primary key filtering (slow for a rare prefix) or sort every match.
    One index range per action, each cut at `count`, is at most k·count rows whatever the size.
    """
    assert plan.actions is not None
    order = AuditEntry.seq.asc() if ascending else AuditEntry.seq.desc()
    # Each branch is wrapped as a subquery: SQLite refuses LIMIT inside a bare compound member.
    branches = [
        select(
            select(AuditEntry.seq)
            .where(*plan.conditions, *cursor, AuditEntry.action == action)
            .order_by(order)
            .limit(count)
            .subquery()
            .c.seq
        )
        for action in plan.actions
    ]
    return union_all(*branches).subquery()


def _plan(session: Session, audit_filter: AuditFilter) -> _Plan:
    plan = _Plan()
    conditions = plan.conditions
    if audit_filter.activity_id is not None:
        conditions.append(AuditEntry.activity_id == audit_filter.activity_id)
    if audit_filter.plan_id is not None:
        conditions.append(AuditEntry.plan_id == audit_filter.plan_id)
    if audit_filter.level is not None:
        conditions.append(AuditEntry.level == audit_filter.level)
    if audit_filter.actor is not None:
        conditions.extend(_actor_conditions(session, audit_filter.actor))
    if audit_filter.action:
        prefix = audit_filter.action_prefix
        if prefix is None:
            conditions.append(AuditEntry.action == audit_filter.action)
        else:
            # Resolved against the actions that exist: LIKE 'x%' uses a b-tree index only under
            # the C collation, and comparing ranges under a Thai or English collation is wrong.
            matching = [action for action in distinct_actions(session) if action.startswith(prefix)]
            if not matching:
                plan.empty = True
            elif len(matching) == 1:
                conditions.append(AuditEntry.action == matching[0])
            else:
                plan.actions = matching
    if audit_filter.time_from is not None or audit_filter.time_to is not None:
        window = seq_window(session, audit_filter.time_from, audit_filter.time_to)
        if window is None:
            plan.empty = True
        else:
            if audit_filter.time_from is not None:
                conditions.append(AuditEntry.seq >= window[0])
            if audit_filter.time_to is not None:
                conditions.append(AuditEntry.seq <= window[1])
    return plan


def _actor_conditions(session: Session, actor: str | int) -> list[ColumnElement[bool]]:
    """A username names the account (whatever it was called then) when one has it; otherwise
    digits are an account id, and anything else the name logged (system actors: `system:x`)."""
    if isinstance(actor, int):
        return [AuditEntry.actor_id == actor]
    user_id = session.scalar(select(User.id).where(User.username == actor))
    if user_id is not None:
        return [AuditEntry.actor_id == user_id]
    if actor.isascii() and actor.isdigit() and int(actor) <= MAX_ID:
        return [AuditEntry.actor_id == int(actor)]
    # No account: only system actors (id null) or a name nobody holds any more; the null test
    # lets the (actor_id, seq) index narrow the scan.
    if actor.startswith("system:"):
        return [AuditEntry.actor_id.is_(None), AuditEntry.actor_username == actor]
    return [AuditEntry.actor_username == actor]


def seq_window(
    session: Session, time_from: datetime | None, time_to: datetime | None
) -> tuple[int, int] | None:
    """The seqs recorded in [time_from, time_to), as (first, last), or None when there are none.

    append_entry takes the time while it holds the chain-head lock, so recorded_at rises with
    seq and the window is exact; each end is one lookup in the recorded_at index. (Were the
    server clock set back, an entry near an end would be placed by its seq, not its time.)
    """
    first, last = 1, MAX_SEQ
    if time_from is not None:
        found = session.scalar(
            select(AuditEntry.seq)
            .where(AuditEntry.recorded_at >= time_from)
            .order_by(AuditEntry.recorded_at, AuditEntry.seq)
            .limit(1)
        )
        if found is None:
            return None
        first = found
    if time_to is not None:
        found = session.scalar(
            select(AuditEntry.seq)
            .where(AuditEntry.recorded_at < time_to)
            .order_by(AuditEntry.recorded_at.desc(), AuditEntry.seq.desc())
            .limit(1)
        )
        if found is None:
            return None
        last = found
    return (first, last) if first <= last else None


# A loose index scan: one (action, seq) index probe per distinct action, instead of reading
# every row as SELECT DISTINCT would on both databases.
_DISTINCT_ACTIONS = text(
    """
    WITH RECURSIVE found(action) AS (
        SELECT MIN(action) FROM audit_entries
        UNION ALL
        SELECT (SELECT MIN(e.action) FROM audit_entries e WHERE e.action > found.action)
        FROM found WHERE found.action IS NOT NULL
    )
    SELECT action FROM found WHERE action IS NOT NULL
    """
)


def distinct_actions(session: Session) -> list[str]:
    return sorted(str(action) for action in session.scalars(_DISTINCT_ACTIONS))


def action_choices(session: Session) -> list[str]:
    """For the action select: each family prefix (`workflow.`) followed by its actions."""
    choices: list[str] = []
    for action in distinct_actions(session):
        family, dot, _rest = action.partition(".")
        if dot and f"{family}." not in choices:
            choices.append(f"{family}.")
        choices.append(action)
    return choices


# --- the head ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointInfo:
    seq: int
    entry_hash: str
    signed_at: str  # the exact signed text, `YYYY-MM-DDTHH:MM:SS.ffffffZ`
    key_id: str

    @property
    def signed_at_time(self) -> datetime | None:
        return _parse_body_time(self.signed_at)

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
        }


@dataclass(frozen=True)
class Head:
    seq: int
    entry_hash: str
    recorded_at: datetime | None
    last_checkpoint: CheckpointInfo | None
    checkpoint_count: int

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "recorded_at": format_time(self.recorded_at) if self.recorded_at else None,
            "last_checkpoint": self.last_checkpoint.as_json() if self.last_checkpoint else None,
            "checkpoint_count": self.checkpoint_count,
        }


def head(session: Session) -> Head:
    """The chain head as the appenders keep it, and the highest signed checkpoint."""
    row = session.get(AuditChainHead, 1)
    seq, entry_hash = (row.seq, row.entry_hash) if row is not None else (0, "0" * 64)
    recorded_at = (
        session.scalar(select(AuditEntry.recorded_at).where(AuditEntry.seq == seq)) if seq else None
    )
    checkpoint = session.scalar(
        select(AuditCheckpoint)
        .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
        .limit(1)
    )
    # One checkpoint per thousand entries or per hour: counting them stays cheap.
    total = session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0
    return Head(
        seq=seq,
        entry_hash=entry_hash,
        recorded_at=recorded_at,
        last_checkpoint=None
        if checkpoint is None
        else CheckpointInfo(
            seq=checkpoint.seq,
            entry_hash=checkpoint.entry_hash,
            signed_at=checkpoint.signed_at,
            key_id=checkpoint.key_id,
        ),
        checkpoint_count=int(total),
    )


# --- reading parameters (pages and API) -------------------------------------------------------


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
