"""The JSON API under /api/v1: the same operations as the pages, for scripts and other systems."""

from workflow_app.api.views import api_bp

__all__ = ["api_bp"]
