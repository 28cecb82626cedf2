"""One source of truth for field rules: each function normalises a value or raises.

Models call these from their ``clean`` step and forms wrap them as WTForms validators, so
the browser, the Python API and every write path refuse the same input with the same words.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable
from functools import lru_cache, wraps
from typing import Any

import langcodes
import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from webapp.core.i18n import gettext as _
from webapp.errors import ValidationError

ACCOUNT_NUMBER_RE = re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{4}", re.ASCII)
CAMEL_NAME_RE = re.compile(r"[a-z][a-zA-Z0-9]*", re.ASCII)
SEMVER_RE = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?",
    re.ASCII,
)
POSTAL_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]*", re.ASCII)
TAG_RE = re.compile(r"[\w][\w .:/+-]*")
SCALARS = (str, int, float, bool, type(None))
MAX_TAG_LENGTH = 50


def _text(value: Any) -> str:
    """Strip a value that should be text; None becomes the empty string."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("value", _("Must be text."))
    if "\x00" in value:
        raise ValidationError("value", _("Must not contain NUL characters."))
    return value.strip()


def bounded_text(field: str, value: Any, max_length: int = 255, required: bool = False) -> str:
    """Trimmed text of at most ``max_length`` characters, required when asked."""
    try:
        text = _text(value)
    except ValidationError as exc:
        raise ValidationError(field, exc.message) from None
    if required and not text:
        raise ValidationError(field, _("This field is required."))
    if len(text) > max_length:
        raise ValidationError(field, _("At most %(num)d characters.", num=max_length))
    return text


def account_number(value: Any) -> str:
    """An account number is exactly ``####-####-####`` in ASCII digits, nothing around it."""
    if not isinstance(value, str) or not ACCOUNT_NUMBER_RE.fullmatch(value):
        raise ValidationError("account_number", _("Use the form 1234-5678-9012 (ASCII digits)."))
    return value


def camel_name(value: Any, field: str = "name") -> str:
    """A camelCase identifier: a lower-case letter, then letters and digits, ≤ 255."""
    text = bounded_text(field, value, required=True)
    if not CAMEL_NAME_RE.fullmatch(text):
        raise ValidationError(
            field, _("Use camelCase: start with a lower-case letter, then letters and digits only.")
        )
    return text


def derive_camel_name(text: str) -> str:
    """Make a camelCase name from free text ("Acme Corp" → "acmeCorp")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_text)
    name = "".join(
        w.lower() if i == 0 else w[:1].upper() + w[1:].lower() for i, w in enumerate(words)
    )
    if not name or not name[0].isalpha():
        name = "account" + name[:1].upper() + name[1:]
    return name[:255]


def semantic_version(value: Any) -> str:
    """A semantic version MAJOR.MINOR.PATCH (pre-release and build parts allowed)."""
    text = bounded_text("version", value, 64, required=True)
    if not SEMVER_RE.fullmatch(text):
        raise ValidationError("version", _("Use a semantic version such as 1.0.0."))
    return text


def annotations(value: Any) -> dict[str, Any]:
    """A JSON object whose keys are text and whose values are scalars (no lists or objects)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError("annotations", _('Must be a JSON object, such as {"tier": "gold"}.'))
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("annotations", _("Every key must be non-empty text."))
        if not isinstance(item, SCALARS) or (isinstance(item, float) and not math.isfinite(item)):
            raise ValidationError(
                "annotations",
                _(
                    "The value of %(key)s must be text, a number, true/false or null.",
                    key=repr(key),
                ),
            )
    return dict(value)


def annotations_json(text: str | None) -> dict[str, Any]:
    """The annotations typed as JSON text (a form field, a CSV cell): an object of scalars."""
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ValidationError(
            "annotations",
            _(
                "Not valid JSON (line %(line)d, column %(column)d).",
                line=exc.lineno,
                column=exc.colno,
            ),
        ) from None
    return annotations(value)


def tags(values: Iterable[Any] | str | None) -> set[str]:
    """A set of short labels, trimmed and lower-cased; text is split on commas."""
    if values is None:
        return set()
    if isinstance(values, str):
        values = values.split(",")
    labels = set()
    for raw in values:
        label = " ".join(_text(raw).split()).lower() if isinstance(raw, str) else None
        if label is None:
            raise ValidationError("tags", _("Every tag must be text."))
        if not label:
            continue
        if len(label) > MAX_TAG_LENGTH or not TAG_RE.fullmatch(label):
            raise ValidationError(
                "tags",
                _(
                    "Tags are up to %(num)d letters, digits, spaces or . : / + - _",
                    num=MAX_TAG_LENGTH,
                ),
            )
        labels.add(label)
    return labels


def cached_text_rule(field: str) -> Callable[[Callable[[str], str]], Callable[[Any], str]]:
    """Memoize a rule over text; anything else is refused before the cache sees it."""

    def decorate(rule: Callable[[str], str]) -> Callable[[Any], str]:
        cached = lru_cache(maxsize=1024)(rule)

        @wraps(rule)
        def checked(value: Any) -> str:
            if not isinstance(value, str):
                raise ValidationError(field, _("Must be text."))
            return cached(value)

        return checked

    return decorate


@cached_text_rule("country")
def country(value: str) -> str:
    """An ISO 3166-1 country, given as alpha-2 or alpha-3 in any case, stored as alpha-3."""
    code = value.strip().upper()
    found = None
    if len(code) == 2:
        found = pycountry.countries.get(alpha_2=code)
    elif len(code) == 3:
        found = pycountry.countries.get(alpha_3=code)
    if found is None:
        raise ValidationError("country", _("Use an ISO 3166-1 country code such as USA or US."))
    return found.alpha_3


def alpha2(alpha3: str | None) -> str | None:
    """The alpha-2 code of a stored alpha-3 country (the phone number's region hint)."""
    found = pycountry.countries.get(alpha_3=alpha3) if alpha3 else None
    return found.alpha_2 if found else None


@cached_text_rule("language")
def language(value: str) -> str:
    """A BCP 47 language tag, stored in canonical case (``en-us`` → ``en-US``)."""
    tag = value.strip()
    if not tag or not langcodes.tag_is_valid(tag):
        raise ValidationError("language", _("Use a BCP 47 language tag such as en or en-US."))
    return langcodes.standardize_tag(tag)


@lru_cache(maxsize=1)
def _time_zones() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def time_zone(value: Any) -> str:
    """An IANA time zone name such as Europe/Paris, matched case-insensitively."""
    name = _time_zones().get(value.strip().lower()) if isinstance(value, str) else None
    if name is None:
        raise ValidationError("timezone", _("Use an IANA time zone such as UTC or Europe/Paris."))
    return name


@cached_text_rule("currency")
def currency(value: str) -> str:
    """An ISO 4217 currency code such as USD, stored upper-case."""
    code = value.strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError("currency", _("Use an ISO 4217 currency code such as USD or EUR."))
    return code


def phone_number(value: Any, region: str | None = None, field: str = "phone_number") -> str | None:
    """A valid phone number, stored in E.164 form; the country is the hint for local numbers."""
    text = bounded_text(field, value, 64)
    if not text:
        return None
    return _e164(text, region, field)


@lru_cache(maxsize=8192)
def _e164(text: str, region: str | None, field: str) -> str:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(field, _("Enter a valid phone number, such as +1 212 555 0100."))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def postal_code(value: Any) -> str:
    """At most 20 letters, digits, spaces and hyphens."""
    text = bounded_text("postal_code", value, 20)
    if text and not POSTAL_CODE_RE.fullmatch(text):
        raise ValidationError("postal_code", _("Use letters, digits, spaces and hyphens only."))
    return text


def email(value: Any, field: str = "email") -> str:
    """A deliverable-looking email address (syntax only; no DNS look-up), domain lower-cased."""
    text = bounded_text(field, value, 320, required=True)
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(field, _("Enter a valid email address.")) from None


Rule = Callable[[Any, dict[str, Any]], Any]


def apply_rules(values: dict[str, Any], rules: dict[str, Rule]) -> dict[str, Any]:
    """Run each field's rule (in the rules' order) on the values given; raise all errors at once.

    A rule gets the raw value and the fields cleaned so far (a phone number needs its country).
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, rule in rules.items():
        if field in values:
            try:
                cleaned[field] = rule(values[field], cleaned)
            except ValidationError as exc:
                errors[field] = exc.message
    if errors:
        raise ValidationError(errors)
    return cleaned
