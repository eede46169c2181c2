"""Jinja filters that pick the user's locale and digit preference for the pure formatters."""

from __future__ import annotations

from typing import Any

from flask import Flask

from workflow_app import formatting
from workflow_app.thai_text import to_thai_digits
from workflow_app.web.context import thai_digits_on as _thai_digits
from workflow_app.web.i18n import current_locale as _locale


def register(app: Flask) -> None:
    app.jinja_env.globals["current_locale"] = _locale

    @app.template_filter("be_date")
    def be_date(value: Any, with_time: bool = False, short: bool = False) -> str:
        return formatting.format_date(
            value, locale=_locale(), with_time=with_time, short=short, thai_digits=_thai_digits()
        )

    @app.template_filter("baht")
    def baht(value: Any) -> str:
        return formatting.format_baht(value, thai_digits=_thai_digits())

    @app.template_filter("code")
    def code(value: str) -> str:
        return formatting.format_code(value, thai_digits=_thai_digits())

    @app.template_filter("digits")
    def digits(value: Any) -> str:
        text = str(value)
        return to_thai_digits(text) if _thai_digits() else text
