"""The internal auditors' screens: the log explorer, an activity's certification trail, the
chain's status with verification, the export, their JSON API and the `flask audit` commands.

They read the log (`workflow_app.audit`) and never write it but through its own functions
(checkpoints). Queries are split by purpose: `entries` (an entry as shown), `paging` (filters and
keyset pages), `parameters` (what people type), `chain` (the head and checkpoints).
"""

from workflow_app.auditors import trail_page, views  # noqa: F401  (register the pages)
from workflow_app.auditors.blueprint import audit_bp

__all__ = ["audit_bp"]
