"""Locale and time zone selection: Thai first, English on request, remembered per user."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Flask, current_app, g, has_app_context, session
from flask_babel import Domain, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

SUPPORTED_LOCALES = ("th", "en")
# Where this request's catalogue is kept, on Flask-Babel's own per-request namespace.
_CATALOGUE = "wf_catalogue"


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
    """The locale of this request as a plain string ("th" or "en"), for templates and filters.

    Flask-Babel's `get_locale` finds its per-request namespace through three proxy lookups
    before returning the locale it keeps there; a page asks for every date it formats."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    return str(locale or get_locale() or "th")


# --- translations, looked up once per request ----------------------------------------------------
# Flask-Babel resolves the request context, the domain and the locale again on every gettext
# call (about 10 µs), and a page makes hundreds. The catalogue is kept on Flask-Babel's
# per-request namespace (so it ends with the request) together with the locale and domain objects
# it was made for: `force_locale` and `flask_babel.refresh` replace the locale object, so a
# change of locale is seen at once. Catalogues themselves are already cached per process by
# Flask-Babel and never change while it runs.


def _babel_state() -> SimpleNamespace | None:
    """Flask-Babel's namespace for this request, None outside one or before its first use."""
    if not has_app_context():
        return None
    return getattr(g._get_current_object(), "_flask_babel", None)


def _cached(state: SimpleNamespace, domain: object) -> Any:
    """The kept catalogue if it was made for this request's current locale and `domain`."""
    cached = getattr(state, _CATALOGUE, None)
    locale = getattr(state, "babel_locale", None)
    if cached is None or locale is None or cached[0] is not locale or cached[1] is not domain:
        return None
    return cached[2]


class RequestCachedDomain(Domain):
    """The application's message domain; translates as Flask-Babel's, resolving the catalogue
    once per request and locale instead of on every call."""

    def get_translations(self) -> Any:
        state = _babel_state()
        translations = _cached(state, self) if state is not None else None
        if translations is None:
            translations = super().get_translations()  # resolves the locale and keeps it
            state = _babel_state()
            if state is not None:
                locale = getattr(state, "babel_locale", None)
                setattr(state, _CATALOGUE, (locale, self, translations))
        return translations


def catalogue() -> Any:
    """This request's translations (babel.support.Translations), for the templates' `_()`.
    Python code keeps using flask_babel's gettext, which reaches the same cached catalogue
    through `RequestCachedDomain`."""
    state = _babel_state()
    if state is not None:
        translations = _cached(state, getattr(state, "babel_domain", None))
        if translations is not None:
            return translations
    return get_translations()


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
    """`_()` in templates, as Jinja's new-style gettext does it (escaped where autoescaping is
    on, always %-formatted), in one call instead of Jinja's three (alias, wrapper, lookup)."""
    text = catalogue().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def install_gettext(app: Flask) -> None:
    """Templates' `_()` and friends through `catalogue()`: Flask-Babel's own installation goes
    through its slow lookup on every call. The new-style semantics are the same."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["_"] = _template_gettext
