"""Today, as deadlines and reports count it: the date in Bangkok.

The one place the application asks what day it is. Deployments never set `WORKFLOW_TODAY`;
tests and demonstrations pin the day with it (an ISO date) to show a quarter's deadlines.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_app_context

from workflow_app.formatting import BANGKOK


def today() -> date:
    if has_app_context():
        configured = current_app.config.get("WORKFLOW_TODAY")
        if configured:
            return configured if isinstance(configured, date) else date.fromisoformat(configured)
    return datetime.now(BANGKOK).date()
