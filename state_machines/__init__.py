"""The workflow definition: pure Python, the one place that decides who may do what."""

from state_machines.access import (
    may_administer,
    may_read_audit_log,
    may_verify_audit_log,
    may_view_activity,
)
from state_machines.diagram import mermaid
from state_machines.level_workflow import (
    MACHINE,
    PENDING_STATES,
    Action,
    Blocker,
    InvalidTransition,
    State,
    WorkflowError,
    certifies_last_level,
    consistency_problem,
    current_state,
    fire,
    has_certified_level,
    sources,
    state_blocker,
    target_reached,
)
from state_machines.permissions import (
    ActivitySnapshot,
    Decision,
    PendingSubmission,
    Refusal,
    available_actions,
    check,
    required_roles,
)
from state_machines.roles import Actor, Grant, Role

__all__ = [
    "MACHINE",
    "PENDING_STATES",
    "Action",
    "ActivitySnapshot",
    "Actor",
    "Blocker",
    "Decision",
    "Grant",
    "InvalidTransition",
    "PendingSubmission",
    "Refusal",
    "Role",
    "State",
    "WorkflowError",
    "available_actions",
    "certifies_last_level",
    "check",
    "consistency_problem",
    "current_state",
    "fire",
    "has_certified_level",
    "may_administer",
    "may_read_audit_log",
    "may_verify_audit_log",
    "may_view_activity",
    "mermaid",
    "required_roles",
    "sources",
    "state_blocker",
    "target_reached",
]
