"""Languages: the locale of each request, and Babel's formatting for the templates.

The locale is the signed-in user's setting (``user.locale``, read from the cached user, so
no SQL), else the best match of the browser's ``Accept-Language``, else English. Flask-Babel
loads each catalog once per process and keeps the request's locale on the request context.
The API (``/api/v1``) always answers in English: its messages are part of its contract.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, parse_pattern
from babel.numbers import format_currency, format_decimal
from flask import Flask, g, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from webapp.extensions import babel

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "gettext",
    "init_app",
    "lazy_gettext",
    "select_locale",
]

DEFAULT_LOCALE = "en"
# Each locale with its own name, as the language setting offers it.
LOCALES = {"en": "English", "de": "Deutsch"}
API_PREFIX = "/api/v1"


def catalog() -> Any:
    """The request's translations, looked up once per request (Flask-Babel's ``gettext``
    looks them up again for each string: a form's forty labels cost 0.4 ms)."""
    if not has_request_context():
        return get_translations()
    found = g.get("_i18n_catalog")
    if found is None:
        found = g._i18n_catalog = get_translations()
    return found


def current_locale() -> str:
    """The request's locale code ("en", "de"), kept on ``g`` after the first call (Flask-Babel's
    ``get_locale`` makes several context lookups each time; a page formats dozens of values)."""
    if not has_request_context():
        return str(get_locale() or DEFAULT_LOCALE)
    found = g.get("_i18n_locale")
    if found is None:
        found = g._i18n_locale = str(get_locale() or DEFAULT_LOCALE)
    return found


def gettext(string: str, /, **variables: Any) -> str:
    """``string`` in the request's language, %-formatted with ``variables`` if any."""
    text = catalog().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, /, **variables: Any) -> str:
    """The singular or plural form for ``n`` in the request's language (``%(num)s`` is n)."""
    variables.setdefault("num", n)
    return catalog().ungettext(singular, plural, n) % variables


def lazy_gettext(string: str, /, **variables: Any) -> LazyString:
    """``gettext`` when the string is used: for labels and messages built at import."""
    return LazyString(gettext, string, **variables)

AMOUNT_PATTERN = "#,##0.00####"  # costs are stored with 6 decimals
ROLE_NAMES = {
    "admin": lazy_gettext("admin"),
    "editor": lazy_gettext("editor"),
    "viewer": lazy_gettext("viewer"),
    "owner": lazy_gettext("owner"),  # per-account roles (members) below
    "member": lazy_gettext("member"),
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


def locale_context() -> dict[str, Any]:
    """Context processor: ``locale`` (the code ``<html lang>`` names) and the page's
    ``_``/``gettext``/``ngettext``, bound to the request's catalog once per page.

    Flask-Babel's own template callables look the catalog up again for every string (a
    dozen context lookups each); a list page has about a hundred strings.
    """
    locale = current_locale()
    callables = _CALLABLES.get(locale)
    if callables is None:
        callables = _CALLABLES[locale] = _template_callables(catalog())
    return {"locale": locale, **callables}


_CALLABLES: dict[str, dict[str, Callable[..., str]]] = {}  # per locale, for the process


def _template_callables(translations: Any) -> dict[str, Callable[..., str]]:
    """Jinja's "newstyle" gettext (escaped, always %-formatted) over one catalog."""
    ugettext, ungettext = translations.ugettext, translations.ungettext

    @pass_context
    def gettext(context: Any, string: str, /, **variables: Any) -> str:
        text = ugettext(string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    @pass_context
    def ngettext(context: Any, singular: str, plural: str, n: int, /, **variables: Any) -> str:
        variables.setdefault("num", n)  # a caller may pass num= formatted (1,234)
        text = ungettext(singular, plural, n)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def number(value: int | Decimal | float | None) -> str:
    """A count for the request's locale ("52,103", "52.103"); other numbers through Babel."""
    if value is None:
        return ""
    locale = current_locale()
    group = _group_symbol(locale)
    if type(value) is int and group is not None:  # Babel's formatting costs ~25 µs a number
        return f"{value:,}".replace(",", group)
    return format_decimal(value, locale=locale)


@lru_cache(maxsize=16)
def _group_symbol(locale: str) -> str | None:
    """The locale's thousands separator when it groups by threes (else None: ask Babel)."""
    parsed = Locale.parse(locale)
    if parsed.decimal_formats.get(None).pattern != "#,##0.###":
        return None
    return parsed.number_symbols["latn"]["group"]


def day(value: date | datetime | None, format: str = "medium") -> str:
    """A day for the request's locale ("Jan 31, 2026", "31.01.2026"); times are UTC."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()  # stored in UTC, shown in UTC (BABEL_DEFAULT_TIMEZONE)
    return _day(value, format, current_locale())


def moment(value: datetime | None) -> str:
    """A time for the request's locale, in UTC ("Jan 5, 2026, 7:03:09 AM", "05.01.2026,
    17:03:09"): Babel's medium format, built from its patterns once per locale (Babel itself
    takes ~50 µs a value, and the audit trail shows 50 a page)."""
    if value is None:
        return ""
    locale = current_locale()
    clock = _clock(locale)
    if clock is None:
        return format_datetime(value, "medium", tzinfo=UTC, locale=locale)
    value = value.astimezone(UTC) if value.tzinfo else value
    pattern, am, pm, joiner = clock
    hour12 = value.hour % 12 or 12
    time = pattern % {
        "h": hour12,
        "hh": f"{hour12:02d}",
        "H": value.hour,
        "HH": f"{value.hour:02d}",
        "mm": f"{value.minute:02d}",
        "ss": f"{value.second:02d}",
        "a": am if value.hour < 12 else pm,
    }
    return joiner.replace("{1}", day(value)).replace("{0}", time)


CLOCK_FIELDS = {"h", "hh", "H", "HH", "mm", "ss", "a"}


@lru_cache(maxsize=16)
def _clock(locale: str) -> tuple[str, str, str, str] | None:
    """The locale's medium time as a %-pattern, its AM/PM and date-time joiner (None: a
    pattern with other fields, left to Babel)."""
    parsed = Locale.parse(locale)
    pattern = parse_pattern(parsed.time_formats["medium"].pattern).format
    if not set(re.findall(r"%\((\w+)\)s", pattern)) <= CLOCK_FIELDS:
        return None
    periods = parsed.day_periods["format"]["abbreviated"]
    return pattern, periods["am"], periods["pm"], str(parsed.datetime_formats["medium"])


@lru_cache(maxsize=4096)
def _day(value: date, format: str, locale: str) -> str:
    """Babel's formatting costs ~20 µs; a page's dates repeat (rows made the same day)."""
    return format_date(value, format, locale=locale)


def role_label(role: str | None) -> str:
    """A staff role's name in the request's language (the code itself if unknown)."""
    return str(ROLE_NAMES.get(role or "", role or ""))


def money(amount: Decimal | float | int | None, currency: str) -> str:
    """An amount in its currency for the request's locale ("€1,234.56", "1.234,56 €"),
    keeping every stored decimal (costs carry six)."""
    if amount is None:
        return ""
    return format_currency(amount, currency, locale=current_locale(), decimal_quantization=False)


def amount(value: Decimal | float | int | None) -> str:
    """An amount for the request's locale, 2 to 6 decimals ("1,234.567891", "1.234,50")."""
    if value is None:
        return ""
    return format_decimal(value, format=AMOUNT_PATTERN, locale=current_locale())


def init_app(app: Flask) -> None:
    """Bind Flask-Babel (catalogs in ``webapp/translations``) and the ``locale`` variable."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(locale_context)
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["amount"] = amount
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["moment"] = moment
