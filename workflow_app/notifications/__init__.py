"""E-mail notifications: who hears of a workflow transition, the daily digest, the SMTP sender.

Nothing here runs in a request. A transition records one outbox job in its own transaction
(`recording`), and the outbox worker (`flask notify worker`) turns it into one e-mail job per
recipient and sends each (`jobs`), with retries, after the commit.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Listen to the engine's transitions (once per process: the signal is global)."""
    from workflow_app.notifications.recording import record_transition
    from workflow_app.workflow.events import transition_applied

    transition_applied.connect(record_transition)
