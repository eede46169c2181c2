"""Imports every model module, so the metadata (and Alembic) sees all tables."""

from workflow_app.accounts.models import ApiToken, RoleAssignment, Unit, UnitAncestor, User
from workflow_app.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry, AuditKey
from workflow_app.outbox.models import OutboxCursor, OutboxJob
from workflow_app.plans.models import Activity, ActivityLevel, Plan, Strategy, Tactic
from workflow_app.workflow.models import EvidenceItem, Submission, WorkflowDecision

__all__ = [
    "Activity",
    "ActivityLevel",
    "ApiToken",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditKey",
    "EvidenceItem",
    "OutboxCursor",
    "OutboxJob",
    "Plan",
    "RoleAssignment",
    "Strategy",
    "Submission",
    "Tactic",
    "Unit",
    "UnitAncestor",
    "User",
    "WorkflowDecision",
]
