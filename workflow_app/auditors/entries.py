"""An audit entry as the auditors' screens show it: decoded from its hashed body, with the
indexed columns only compared against it."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from workflow_app.audit.canonical import format_time
from workflow_app.audit.models import AuditEntry

# Subject members copied to indexed columns by append_entry.
_SUBJECT_COLUMNS = ("plan_id", "activity_id", "level", "submission_id")
_SUMMARY_CHARS = 120


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
        row.recorded_at if body_time == recorded else parse_body_time(body_time) or row.recorded_at
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


def parse_body_time(value: Any) -> datetime | None:
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
