"""Languages: the locale of each request, and Babel's formatting for the templates.

The locale is the signed-in user's setting (``user.locale``, read from the cached user, so
no SQL), else the best match of the browser's ``Accept-Language``, else English. Flask-Babel
loads each catalog once per process and keeps the request's locale on the request context.
The API (``/api/v1``) always answers in English: its messages are part of its contract.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import get_locale, lazy_gettext
from flask_login import current_user

from webapp.extensions import babel

__all__ = ["DEFAULT_LOCALE", "LOCALES", "init_app", "select_locale"]

DEFAULT_LOCALE = "en"
# Each locale with its own name, as the language setting offers it.
LOCALES = {"en": "English", "de": "Deutsch"}
_OFFERED = tuple(LOCALES)
API_PREFIX = "/api/v1"
ROLE_NAMES = {
    "admin": lazy_gettext("admin"),
    "editor": lazy_gettext("editor"),
    "viewer": lazy_gettext("viewer"),
}


def select_locale() -> str:
    """The user's setting, else the browser's best match among ours, else English."""
    if not has_request_context() or request.path.startswith(API_PREFIX):
        return DEFAULT_LOCALE
    chosen = getattr(current_user, "locale", None)
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(_OFFERED, default=DEFAULT_LOCALE)


def locale_context() -> dict[str, str]:
    """Context processor: ``locale``, the code ``<html lang>`` names."""
    return {"locale": str(get_locale() or DEFAULT_LOCALE)}


def role_label(role: str | None) -> str:
    """A staff role's name in the request's language (the code itself if unknown)."""
    return str(ROLE_NAMES.get(role or "", role or ""))


def init_app(app: Flask) -> None:
    """Bind Flask-Babel (catalogs in ``webapp/translations``) and the ``locale`` variable."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(locale_context)
    app.jinja_env.globals["role_label"] = role_label
