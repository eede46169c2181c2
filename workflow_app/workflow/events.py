"""What the engine announces inside each transition's transaction.

A receiver records its follow-up (a notification to send later, say) in that same transaction,
so the follow-up exists exactly when the transition committed. The engine knows no receiver;
they connect themselves when the application starts (`notifications.register`).
"""

from __future__ import annotations

from dataclasses import dataclass

from blinker import Namespace

from state_machines import Action

_signals = Namespace()
# Sent with the session as sender and `transition=AppliedTransition(...)`.
transition_applied = _signals.signal("transition-applied")


@dataclass(frozen=True)
class AppliedTransition:
    activity_id: int
    action: Action
    level: int
    from_state: str
    to_state: str
    version: int  # the activity's version after the transition
    submission_id: int | None
    submitted_by: int | None  # who submitted that submission
    actor_id: int
    comment: str
    audit_seq: int
