"""Languages: the locale of each request, and Babel's formatting for the templates.

The locale is the signed-in user's setting (``user.locale``, read from the cached user, so
no SQL), else the best match of the browser's ``Accept-Language``, else English. Flask-Babel
loads each catalog once per process and keeps the request's locale on the request context.
The API (``/api/v1``) always answers in English: its messages are part of its contract.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from flask import Flask, has_request_context, request
from flask_babel import get_locale, lazy_gettext
from flask_login import current_user

from webapp.extensions import babel

__all__ = ["DEFAULT_LOCALE", "LOCALES", "init_app", "select_locale"]

DEFAULT_LOCALE = "en"
# Each locale with its own name, as the language setting offers it.
LOCALES = {"en": "English", "de": "Deutsch"}
API_PREFIX = "/api/v1"
AMOUNT_PATTERN = "#,##0.00####"  # costs are stored with 6 decimals
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
    return browser_locale(request.accept_languages)


def browser_locale(accepted) -> str:
    """The first of the browser's languages (by quality) that we offer, by primary subtag.

    Werkzeug's ``best_match`` prefers an exact "en" at q=0.5 over "de-AT" at q=1.
    """
    for value, _quality in accepted:
        primary = value.split("-", 1)[0].split("_", 1)[0].lower()
        if primary in LOCALES:
            return primary
    return DEFAULT_LOCALE


def locale_context() -> dict[str, str]:
    """Context processor: ``locale``, the code ``<html lang>`` names."""
    return {"locale": str(get_locale() or DEFAULT_LOCALE)}


def role_label(role: str | None) -> str:
    """A staff role's name in the request's language (the code itself if unknown)."""
    return str(ROLE_NAMES.get(role or "", role or ""))


def money(amount: Decimal | float | int | None, currency: str) -> str:
    """An amount in its currency for the request's locale ("€1,234.56", "1.234,56 €"),
    keeping every stored decimal (costs carry six)."""
    if amount is None:
        return ""
    return format_currency(amount, currency, locale=get_locale(), decimal_quantization=False)


def amount(value: Decimal | float | int | None) -> str:
    """An amount for the request's locale, 2 to 6 decimals ("1,234.567891", "1.234,50")."""
    if value is None:
        return ""
    return format_decimal(value, format=AMOUNT_PATTERN, locale=get_locale())


def init_app(app: Flask) -> None:
    """Bind Flask-Babel (catalogs in ``webapp/translations``) and the ``locale`` variable."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(locale_context)
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["amount"] = amount
