"""Locale and time zone selection: Thai first, English on request, remembered per user."""

from __future__ import annotations

from flask import current_app, session
from flask_login import current_user

SUPPORTED_LOCALES = ("th", "en")


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    # Thai first (WORKFLOW_DEFAULT_LOCALE): officers' browsers often announce English, the office
    # language is Thai, so the browser's preference is not consulted.
    default = current_app.config.get("WORKFLOW_DEFAULT_LOCALE", "th")
    return default if default in SUPPORTED_LOCALES else "th"


def select_timezone() -> str:
    return "Asia/Bangkok"


def current_locale() -> str:
    """For templates: the locale of this request as a plain string ("th" or "en")."""
    from flask_babel import get_locale

    return str(get_locale() or "th")
