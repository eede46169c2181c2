"""Small helpers shared by the command-line groups."""

from __future__ import annotations

import getpass

from workflow_app.audit.append import AuditActor


def cli_actor() -> AuditActor:
    """Who ran a command: the operating-system account, since the CLI has no login."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return AuditActor.system(f"cli:{name}")
