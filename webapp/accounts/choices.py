"""The account form's long lists (countries, languages, time zones, currencies).

A page lists only the commonest few of each (a ``<datalist>``); the whole lists go to the
browser once, as one static JSON file whose name carries a hash of its content:
``static/options/choices.<hash>.json``. It is written when the app starts, so every worker and
host that renders a form also serves the file its page names, and served by Flask's static
route (no sign-in, no database, ``ETag``); ``static/js/choices.js`` fetches it with
``cache: "force-cache"``, so a browser asks for it again only when its content, and so its
name, changes. The server never trusts the list: the model's rules check every value.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zoneinfo
from functools import lru_cache
from pathlib import Path

import pycountry
from flask import Flask, current_app, url_for

from webapp.core.languages import ISO_639_1

__all__ = ["COMMON", "LISTS", "payload", "publish", "url"]

Pairs = list[tuple[str, str]]
EXTENSION_KEY = "account_choices"  # app.extensions[...]: the published file's name, or None


@lru_cache(maxsize=1)
def countries() -> Pairs:
    """ISO 3166-1 countries by name: (alpha-3, "Name (ALPHA-3)")."""
    found = sorted(pycountry.countries, key=lambda c: c.name)
    return [(c.alpha_3, f"{c.name} ({c.alpha_3})") for c in found]


@lru_cache(maxsize=1)
def currencies() -> Pairs:
    """ISO 4217 currencies by code: (code, "CODE · Name")."""
    found = sorted(pycountry.currencies, key=lambda c: c.alpha_3)
    return [(c.alpha_3, f"{c.alpha_3} · {c.name}") for c in found]


@lru_cache(maxsize=1)
def languages() -> Pairs:
    """Languages with a two-letter code, by name (any other BCP 47 tag may be typed); from our
    copy of ISO 639-1, since pycountry would load all 7,900 ISO 639-3 languages (5 MB)."""
    return [(code, f"{name} ({code})") for code, name in ISO_639_1]


@lru_cache(maxsize=1)
def time_zones() -> Pairs:
    """IANA time zone names, sorted."""
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


LISTS = {
    "country": countries,
    "language": languages,
    "timezone": time_zones,
    "currency": currencies,
}
# What most accounts use: the suggestions a page carries without JavaScript.
COMMON = {
    "country": (
        "USA", "GBR", "CAN", "DEU", "FRA", "ESP", "ITA", "NLD", "IRL", "SWE",
        "CHE", "AUS", "NZL", "JPN", "CHN", "IND", "SGP", "BRA", "MEX", "ZAF",
    ),
    "language": (
        "en", "es", "fr", "de", "pt", "it", "nl", "sv", "da", "nb",
        "fi", "pl", "ru", "tr", "ar", "he", "hi", "ja", "ko", "zh",
    ),
    "timezone": (
        "UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
        "America/Toronto", "America/Mexico_City", "America/Sao_Paulo", "Europe/London",
        "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Amsterdam",
        "Europe/Stockholm", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo",
        "Australia/Sydney",
    ),
    "currency": (
        "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK",
        "PLN", "JPY", "CNY", "INR", "SGD", "HKD", "KRW", "BRL", "MXN", "ZAR",
    ),
}  # fmt: skip


@lru_cache(maxsize=1)
def payload() -> bytes:
    """Every list as compact JSON: {"country": [["AFG", "Afghanistan (AFG)"], ...], ...}."""
    data = {field: pairs() for field, pairs in LISTS.items()}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def filename() -> str:
    """The file's path under static/, named by a hash of its content."""
    return f"options/choices.{hashlib.sha256(payload()).hexdigest()[:16]}.json"


def publish(app: Flask) -> None:
    """Write the file under the app's static folder unless it is there; a failure (a read-only
    checkout) is logged and the form keeps its server-rendered suggestions."""
    name = filename()
    target = Path(app.static_folder or "static") / name
    try:
        if not target.exists():
            _write_atomically(target, payload())
    except OSError:
        app.logger.warning("could not write %s: long lists only as suggestions", target)
        app.extensions[EXTENSION_KEY] = None
    else:
        app.extensions[EXTENSION_KEY] = name


def _write_atomically(target: Path, content: bytes) -> None:
    """Write to a temporary file beside the target, then rename: readers see all or nothing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".choices-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def url() -> str | None:
    """The published file's URL for this app, or None when it could not be written."""
    name = current_app.extensions.get(EXTENSION_KEY)
    return url_for("static", filename=name) if name else None
