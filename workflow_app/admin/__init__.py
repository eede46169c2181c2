"""Administration: users, roles and unit scopes, units, plan imports, undelivered e-mail.

Importing the package registers every page on the one blueprint (`blueprint.admin_bp`).
"""

from workflow_app.admin import notifications, plan_import, units, users  # noqa: F401
from workflow_app.admin.blueprint import admin_bp

__all__ = ["admin_bp"]
