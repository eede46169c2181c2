"""The one way in for workflow changes: pages, API and CLI all call `perform_action`.

An action runs in one transaction that locks the activity (a row lock on PostgreSQL, BEGIN
IMMEDIATE on SQLite), checks the version the user saw and the workflow's permission for the
current state, applies the change through the machine, stores the submission or decision and
appends the audit entry. Either all of it commits or nothing does.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from state_machines import Action, Actor, State, check, fire
from workflow_app.accounts.models import User
from workflow_app.audit.append import AuditActor, append_entry
from workflow_app.db import write_transaction
from workflow_app.evidence.links import validate_link
from workflow_app.evidence.store import EvidenceStore, StoredFile
from workflow_app.evidence.validation import EvidenceError
from workflow_app.ops.request_log import log_event
from workflow_app.workflow.errors import WorkflowFailure
from workflow_app.workflow.rows import (
    ActivityState,
    certified_submission_id,
    insert_decision,
    insert_submission,
    load_state,
    save_state,
    set_certified_submission,
    submission_files,
    update_submission,
)

MAX_NARRATIVE_CHARS = 20_000
MAX_COMMENT_CHARS = 4_000
MAX_EVIDENCE_ITEMS = 20

# The submission status each action leaves behind.
_STATUS_AFTER = {
    Action.WITHDRAW: "withdrawn",
    Action.FORWARD: "forwarded",
    Action.RETURN: "returned",
    Action.APPROVE: "approved",
    Action.REVOKE: "revoked",
}


@dataclass(frozen=True)
class FileUpload:
    stream: BinaryIO
    filename: str


@dataclass(frozen=True)
class ActionRequest:
    action: Action
    expected_version: int | None = None
    comment: str | None = None  # the return comment, the revoke reason, or a note on approval
    narrative: str | None = None
    files: Sequence[FileUpload] = ()
    links: Sequence[str] = ()
    # Submit, answering a returned submission: its files to send again, by evidence item id.
    keep_files: Sequence[int] = ()
    publishable: bool = False  # approve: may the narrative and evidence be published?


@dataclass(frozen=True)
class ActionOutcome:
    activity_id: int
    action: Action
    from_state: str
    to_state: str
    certified_level: int
    version: int
    submission_id: int | None
    audit_seq: int


@dataclass
class _Inputs:
    comment: str | None
    narrative: str | None
    links: list[str] = field(default_factory=list)
    keep_files: list[int] = field(default_factory=list)

    @property
    def evidence_count(self) -> int:
        """Links and kept files; uploads are counted apart (they are stored first)."""
        return len(self.links) + len(self.keep_files)


def perform_action(
    session: Session,
    *,
    user: User,
    activity_id: int,
    request: ActionRequest,
    store: EvidenceStore,
) -> ActionOutcome:
    """Carry out one workflow action for `user`, or raise `WorkflowFailure` having written nothing
    to the database (stored evidence files are content-addressed, so an unused one is harmless).
    Either way one structured log line records the attempt."""
    started = time.perf_counter()
    fields = {"user": user.id, "action": str(request.action), "activity": activity_id}
    try:
        outcome = _perform(session, user, activity_id, request, store)
    except WorkflowFailure as failure:
        log_event(
            "transition",
            **fields,
            outcome=failure.code,
            status=failure.status,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
        )
        raise
    log_event(
        "transition",
        **fields,
        outcome="ok",
        status=200,
        to_state=outcome.to_state,
        audit_seq=outcome.audit_seq,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
    )
    return outcome


@dataclass(frozen=True)
class _Who:
    """What the transaction needs of the user, read before it starts: a rollback or commit
    expires the ORM user, and reloading it mid-transition would cost queries."""

    user_id: int
    actor: Actor
    audit: AuditActor

    @classmethod
    def of(cls, user: User) -> _Who:
        return cls(user_id=user.id, actor=user.as_actor(), audit=AuditActor.of(user))


def _perform(
    session: Session, user: User, activity_id: int, request: ActionRequest, store: EvidenceStore
) -> ActionOutcome:
    action = Action(request.action)
    inputs = _normalise(request)
    who = _Who.of(user)
    file_count = len(request.files)

    stored: list[StoredFile] = []
    if request.files:
        # A first check before touching any upload: a refused user's files are never stored.
        current = _load(session.connection(), activity_id, lock=False)
        _ensure_allowed(who.actor, current, action, inputs, file_count)
        stored = _store_files(store, request.files)

    try:
        with write_transaction(session):
            conn = session.connection()
            activity = _load(conn, activity_id, lock=True)
            # Permission before version: a refused user learns why, not that they were late.
            _ensure_allowed(who.actor, activity, action, inputs, file_count)
            if (
                request.expected_version is not None
                and request.expected_version != activity.version
            ):
                raise WorkflowFailure.stale(request.expected_version, activity.version)
            kept = _kept_files(conn, activity, inputs.keep_files, store)
            evidence = _evidence_rows(kept, stored, inputs.links)
            return _apply(
                session, conn, who, activity, action, inputs, evidence, request.publishable
            )
    except OperationalError as error:
        # SQLite's busy timeout or a PostgreSQL lock timeout: the other request still holds it.
        raise WorkflowFailure(409, "busy", "The activity is busy; try again.") from error


def _normalise(request: ActionRequest) -> _Inputs:
    for text in (request.comment, request.narrative, *request.links):
        # NUL cannot be stored in PostgreSQL text and has no place in a narrative or comment.
        if text is not None and "\x00" in text:
            raise WorkflowFailure.invalid("Text may not contain NUL characters.")
    comment = request.comment.strip() if request.comment is not None else None
    narrative = request.narrative.strip() if request.narrative is not None else None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise WorkflowFailure.invalid(f"The comment is longer than {MAX_COMMENT_CHARS} characters.")
    if narrative is not None and len(narrative) > MAX_NARRATIVE_CHARS:
        raise WorkflowFailure.invalid(
            f"The narrative is longer than {MAX_NARRATIVE_CHARS} characters."
        )
    links = [link.strip() for link in request.links if link and link.strip()]
    keep_files = list(dict.fromkeys(request.keep_files))
    if keep_files and request.action is not Action.SUBMIT:
        raise WorkflowFailure.invalid("Only a submission keeps files.", code="bad_kept_file")
    if len(links) + len(request.files) + len(keep_files) > MAX_EVIDENCE_ITEMS:
        raise WorkflowFailure.invalid(
            f"At most {MAX_EVIDENCE_ITEMS} files and links per submission."
        )
    try:
        links = [validate_link(link) for link in links]
    except EvidenceError as error:
        raise WorkflowFailure(error.http_status, error.code, error.message) from None
    return _Inputs(comment=comment, narrative=narrative, links=links, keep_files=keep_files)


def _load(conn: Connection, activity_id: int, *, lock: bool) -> ActivityState:
    activity = load_state(conn, activity_id, lock=lock)
    if activity is None:
        raise WorkflowFailure.not_found("activity")
    return activity


def _ensure_allowed(
    actor: Actor,
    activity: ActivityState,
    action: Action,
    inputs: _Inputs,
    file_count: int,
) -> None:
    permission = check(
        actor,
        activity.snapshot(),
        action,
        # A missing comment is an empty one here: None would mean "not known yet" to `check`.
        comment=(inputs.comment or "") if action in (Action.RETURN, Action.REVOKE) else None,
        has_narrative=bool(inputs.narrative) if action is Action.SUBMIT else None,
        evidence_count=inputs.evidence_count + file_count if action is Action.SUBMIT else None,
    )
    if not permission.allowed:
        assert permission.refusal is not None and permission.reason is not None
        raise WorkflowFailure.refused(permission.refusal, permission.reason)


def _kept_files(
    conn: Connection, activity: ActivityState, wanted: list[int], store: EvidenceStore
) -> list[dict[str, Any]]:
    """The returned submission's files that the officer sends again, as `evidence_items` values.

    Only files of the activity's returned submission qualify (an id of any other evidence is
    refused, so nobody attaches another activity's file by guessing its id), and each must still
    be in the store.
    """
    if not wanted:
        return []
    returned = activity.open_submission_id if activity.state == State.RETURNED.value else None
    found = submission_files(conn, returned, wanted) if returned is not None else []
    strangers = sorted(set(wanted) - {row["id"] for row in found})
    if strangers:
        raise WorkflowFailure.invalid(
            "Only files of the returned submission can be kept; not evidence "
            + ", ".join(str(item) for item in strangers)
            + ".",
            code="bad_kept_file",
        )
    for row in found:
        if not store.path_for(row["sha256"]).is_file():
            raise WorkflowFailure(
                409,
                "kept_file_missing",
                f"{row['filename']}: the stored file is missing; attach it again.",
            )
    return [
        {key: row[key] for key in ("filename", "sha256", "size", "media_type")} for row in found
    ]


def _store_files(store: EvidenceStore, files: Sequence[FileUpload]) -> list[StoredFile]:
    stored: list[StoredFile] = []
    for upload in files:
        try:
            stored.append(store.store(upload.stream, upload.filename))
        except EvidenceError as error:
            raise WorkflowFailure(
                error.http_status, error.code, f"{upload.filename}: {error.message}"
            ) from None
    return stored


def _apply(
    session: Session,
    conn: Connection,
    who: _Who,
    activity: ActivityState,
    action: Action,
    inputs: _Inputs,
    evidence: list[dict[str, Any]],
    publishable: bool,
) -> ActionOutcome:
    from_state = activity.state
    level = activity.certified_level if action is Action.REVOKE else activity.certified_level + 1
    submission_id = activity.open_submission_id
    payload: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if action is Action.SUBMIT:
        submission_id = insert_submission(
            conn,
            activity_id=activity.id,
            level=level,
            narrative=inputs.narrative or "",
            submitted_by=who.user_id,
            evidence=evidence,
        )
        payload = {"narrative": inputs.narrative or "", "evidence": _evidence_payload(evidence)}
    elif action is Action.REVOKE:
        submission_id = certified_submission_id(conn, activity.id, level)
        set_certified_submission(conn, activity.id, level, None)
        payload = {"reason": inputs.comment or ""}
    else:
        assert submission_id is not None, "the permission check guarantees a pending submission"
        if action is Action.FORWARD:
            changes["forwarded_by_id"] = who.user_id
        if action is Action.APPROVE:
            changes["publishable"] = publishable
            payload = {"publishable": publishable}
            set_certified_submission(conn, activity.id, level, submission_id)
        if inputs.comment:
            payload["comment"] = inputs.comment
    if submission_id is not None and action in _STATUS_AFTER:
        update_submission(conn, submission_id, status=_STATUS_AFTER[action], **changes)

    fire(activity, action)
    activity.keep_open_submission(submission_id)
    activity.version += 1
    save_state(conn, activity)

    entry = append_entry(
        session,
        actor=who.audit,
        action=f"workflow.{action.value}",
        subject={
            "plan_id": activity.plan_id,
            "activity_id": activity.id,
            "code": activity.code,
            "level": level,
            "submission_id": submission_id,
        },
        from_state=from_state,
        to_state=activity.state,
        payload=payload,
    )
    insert_decision(
        conn,
        activity_id=activity.id,
        submission_id=submission_id,
        level=level,
        action=action.value,
        actor_id=who.user_id,
        comment=inputs.comment or "",
        from_state=from_state,
        to_state=activity.state,
        created_at=entry.recorded_at,
        audit_seq=entry.seq,
    )
    return ActionOutcome(
        activity_id=activity.id,
        action=action,
        from_state=from_state,
        to_state=activity.state,
        certified_level=activity.certified_level,
        version=activity.version,
        submission_id=submission_id,
        audit_seq=entry.seq,
    )


def _evidence_rows(
    kept: list[dict[str, Any]], stored: list[StoredFile], links: list[str]
) -> list[dict[str, Any]]:
    """`evidence_items` rows: kept files, then new files, then links, each in the order given."""
    rows: list[dict[str, Any]] = [{"kind": "file", **file, "url": None} for file in kept]
    rows += [
        {
            "kind": "file",
            "filename": file.filename,
            "sha256": file.sha256,
            "size": file.size,
            "media_type": file.media_type,
            "url": None,
        }
        for file in stored
    ]
    rows += [
        {
            "kind": "link",
            "filename": None,
            "sha256": None,
            "size": None,
            "media_type": None,
            "url": url,
        }
        for url in links
    ]
    return [{**row, "position": position} for position, row in enumerate(rows)]


def _evidence_payload(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the audit entry records of each piece of evidence: files by their SHA-256."""
    return [
        {
            "kind": "file",
            "name": item["filename"],
            "size": item["size"],
            "sha256": item["sha256"],
            "media_type": item["media_type"],
        }
        if item["kind"] == "file"
        else {"kind": "link", "url": item["url"]}
        for item in evidence
    ]
