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

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from state_machines import Action, State, check, fire
from workflow_app.accounts.models import User
from workflow_app.audit.append import AuditActor, append_entry
from workflow_app.db import write_transaction
from workflow_app.evidence.store import EvidenceStore, StoredFile
from workflow_app.evidence.validation import EvidenceError, validate_link
from workflow_app.notifications.transitions import notify_transition
from workflow_app.ops.request_log import log_event
from workflow_app.plans.models import Activity
from workflow_app.workflow.errors import WorkflowFailure
from workflow_app.workflow.models import EvidenceItem, Submission, WorkflowDecision
from workflow_app.workflow.queries import certified_submission, open_submission, snapshot_of

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

    @property
    def evidence_count(self) -> int:
        return len(self.links)


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
    # Committed: tell whoever acts next. Never raises; a mail failure is only logged.
    notify_transition(session, outcome)
    return outcome


def _perform(
    session: Session, user: User, activity_id: int, request: ActionRequest, store: EvidenceStore
) -> ActionOutcome:
    action = Action(request.action)
    inputs = _normalise(request)
    actor = user.as_actor()
    audit_actor = AuditActor.of(user)
    file_count = len(request.files)

    # A first check before touching any upload: a refused user's files are never stored.
    activity = _load(session, activity_id, lock=False)
    _ensure_allowed(session, actor, activity, action, inputs, file_count)

    stored: list[StoredFile] = []
    if action is Action.SUBMIT:
        stored = _store_files(store, request.files)

    try:
        with write_transaction(session):
            activity = _load(session, activity_id, lock=True)
            if (
                request.expected_version is not None
                and request.expected_version != activity.version
            ):
                raise WorkflowFailure.stale(request.expected_version, activity.version)
            submission = _ensure_allowed(session, actor, activity, action, inputs, file_count)
            return _apply(
                session,
                user,
                audit_actor,
                activity,
                submission,
                action,
                inputs,
                stored,
                request.publishable,
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
    if len(links) + len(request.files) > MAX_EVIDENCE_ITEMS:
        raise WorkflowFailure.invalid(
            f"At most {MAX_EVIDENCE_ITEMS} files and links per submission."
        )
    try:
        links = [validate_link(link) for link in links]
    except EvidenceError as error:
        raise WorkflowFailure(error.http_status, error.code, error.message) from None
    return _Inputs(comment=comment, narrative=narrative, links=links)


def _load(session: Session, activity_id: int, *, lock: bool) -> Activity:
    query = (
        select(Activity)
        .where(Activity.id == activity_id)
        .options(selectinload(Activity.unit))
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update()
    activity = session.scalar(query)
    if activity is None:
        raise WorkflowFailure.not_found("activity")
    return activity


def _ensure_allowed(
    session: Session,
    actor: Any,
    activity: Activity,
    action: Action,
    inputs: _Inputs,
    file_count: int,
) -> Submission | None:
    submission = open_submission(session, activity)
    decision = check(
        actor,
        snapshot_of(activity, submission),
        action,
        # A missing comment is an empty one here: None would mean "not known yet" to `check`.
        comment=(inputs.comment or "") if action in (Action.RETURN, Action.REVOKE) else None,
        has_narrative=bool(inputs.narrative) if action is Action.SUBMIT else None,
        evidence_count=inputs.evidence_count + file_count if action is Action.SUBMIT else None,
    )
    if not decision.allowed:
        assert decision.refusal is not None and decision.reason is not None
        raise WorkflowFailure.refused(decision.refusal, decision.reason)
    return submission


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
    user: User,
    audit_actor: AuditActor,
    activity: Activity,
    submission: Submission | None,
    action: Action,
    inputs: _Inputs,
    stored: list[StoredFile],
    publishable: bool,
) -> ActionOutcome:
    from_state = activity.state
    payload: dict[str, Any] = {}
    if action is Action.SUBMIT:
        submission = _new_submission(user, activity, inputs, stored)
        session.add(submission)
        payload = {"narrative": submission.narrative, "evidence": _evidence_payload(submission)}
    elif action is Action.REVOKE:
        level = activity.certified_level
        submission = certified_submission(session, activity, level)
        payload = {"reason": inputs.comment or ""}
    else:
        assert submission is not None, "the permission check guarantees a pending submission"
        if action is Action.FORWARD:
            submission.forwarded_by_id = user.id
        if action is Action.APPROVE:
            submission.publishable = publishable
            payload = {"publishable": publishable}
        if inputs.comment:
            payload["comment"] = inputs.comment
    level = activity.certified_level if action is Action.REVOKE else activity.certified_level + 1
    if submission is not None and action in _STATUS_AFTER:
        submission.status = _STATUS_AFTER[action]

    fire(activity, action)
    activity.version += 1
    session.flush()  # ids for the audit subject

    entry = append_entry(
        session,
        actor=audit_actor,
        action=f"workflow.{action.value}",
        subject={
            "plan_id": activity.plan_id,
            "activity_id": activity.id,
            "code": activity.code,
            "level": level,
            "submission_id": submission.id if submission is not None else None,
        },
        from_state=from_state,
        to_state=activity.state,
        payload=payload,
    )
    session.add(
        WorkflowDecision(
            activity_id=activity.id,
            submission_id=submission.id if submission is not None else None,
            level=level,
            action=action.value,
            actor_id=user.id,
            comment=inputs.comment or "",
            from_state=from_state,
            to_state=activity.state,
            created_at=entry.recorded_at,
            audit_seq=entry.seq,
        )
    )
    return ActionOutcome(
        activity_id=activity.id,
        action=action,
        from_state=from_state,
        to_state=activity.state,
        certified_level=activity.certified_level,
        version=activity.version,
        submission_id=submission.id if submission is not None else None,
        audit_seq=entry.seq,
    )


def _new_submission(
    user: User, activity: Activity, inputs: _Inputs, stored: list[StoredFile]
) -> Submission:
    items = [
        EvidenceItem(
            position=position,
            kind="file",
            filename=file.filename,
            sha256=file.sha256,
            size=file.size,
            media_type=file.media_type,
        )
        for position, file in enumerate(stored)
    ]
    items += [
        EvidenceItem(position=len(stored) + offset, kind="link", url=url)
        for offset, url in enumerate(inputs.links)
    ]
    return Submission(
        activity_id=activity.id,
        level=activity.certified_level + 1,
        narrative=inputs.narrative or "",
        status=State.SUBMITTED.value,
        submitted_by_id=user.id,
        evidence=items,
    )


def _evidence_payload(submission: Submission) -> list[dict[str, Any]]:
    """What the audit entry records of each piece of evidence: files by their SHA-256."""
    return [
        {
            "kind": "file",
            "name": item.filename,
            "size": item.size,
            "sha256": item.sha256,
            "media_type": item.media_type,
        }
        if item.kind == "file"
        else {"kind": "link", "url": item.url}
        for item in submission.evidence
    ]
