"""Why a workflow action failed, with the HTTP status the pages and the API answer with."""

from __future__ import annotations

from state_machines import Refusal
from workflow_app.failure import Failure

# 409 for "the world moved on" (state or version), 422 for missing input, 403 for who you are.
_STATUS_BY_REFUSAL: dict[Refusal, int] = {
    Refusal.WRONG_STATE: 409,
    Refusal.NOTHING_TO_REVOKE: 409,
    Refusal.PENDING_BLOCKS_REVOKE: 409,
    Refusal.COMMENT_REQUIRED: 422,
    Refusal.REASON_REQUIRED: 422,
    Refusal.EVIDENCE_REQUIRED: 422,
}


class WorkflowFailure(Failure):
    """An action that was not carried out; nothing was written."""

    @classmethod
    def refused(cls, refusal: Refusal, message: str) -> WorkflowFailure:
        return cls(_STATUS_BY_REFUSAL.get(refusal, 403), refusal.value, message)

    @classmethod
    def not_found(cls, what: str) -> WorkflowFailure:
        return cls(404, "not_found", f"{what} not found")

    @classmethod
    def stale(cls, expected: int, actual: int) -> WorkflowFailure:
        return cls(
            409,
            "stale_version",
            f"The activity changed since you loaded it (version {expected}, now {actual}). "
            "Reload and try again.",
        )

    @classmethod
    def invalid(cls, message: str, code: str = "invalid") -> WorkflowFailure:
        return cls(422, code, message)
