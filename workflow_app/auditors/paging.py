"""Which entries to list, and keyset pages of them.

Paging is keyset on `seq`, never OFFSET: a page is "the next N matching entries before (or after)
this seq", a range scan from the cursor in the primary key or one of the (column, seq) indexes,
so page 10,000 of a million entries costs what page 1 costs. The query plans are checked on both
databases by `tests/integration/test_audit_pages.py::test_page_queries_use_the_indexes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select, text, union_all
from sqlalchemy.orm import Session

from workflow_app.accounts.models import User
from workflow_app.audit.models import AuditEntry
from workflow_app.auditors.entries import EntryView, decode_entry
from workflow_app.db import MAX_ID

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_SEQ = 2**63 - 1


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
