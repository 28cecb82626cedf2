"""The account form: shape in WTForms, rules from the model (one source of truth)."""

from __future__ import annotations

import json
import zoneinfo
from functools import lru_cache
from typing import Any

import pycountry
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from webapp.accounts.models import Account
from webapp.accounts.models.account import FIELDS
from webapp.core import validators
from webapp.core.languages import ISO_639_1
from webapp.core.widgets import LongSelectField
from webapp.errors import ValidationError


@lru_cache(maxsize=1)
def country_choices() -> list[SelectChoice]:
    countries = sorted(pycountry.countries, key=lambda c: c.name)
    return [SelectChoice(c.alpha_3, f"{c.name} ({c.alpha_3})") for c in countries]


@lru_cache(maxsize=1)
def currency_choices() -> list[SelectChoice]:
    currencies = sorted(pycountry.currencies, key=lambda c: c.alpha_3)
    return [SelectChoice(c.alpha_3, f"{c.alpha_3} · {c.name}") for c in currencies]


@lru_cache(maxsize=1)
def language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, f"{name} ({code})") for code, name in ISO_639_1]


@lru_cache(maxsize=1)
def timezone_choices() -> list[SelectChoice]:
    return [SelectChoice(name) for name in sorted(zoneinfo.available_timezones())]


FIND = {"data-searchable": "find"}  # static/js/app.js makes these searchable (Tom Select)


class AccountForm(FlaskForm):
    """Create or edit an account; field names are the model's attribute names."""

    account_number = StringField(
        "Account number",
        validators=[Optional(), Length(max=14)],
        description="Leave blank to generate one (form 1234-5678-9012). It never changes.",
    )
    company_name = StringField("Company name", validators=[DataRequired(), Length(max=255)])
    name = StringField(
        "Name",
        validators=[Optional(), Length(max=255)],
        description="camelCase identifier; derived from the company name when blank.",
    )
    description = TextAreaField("Description", validators=[Optional()])
    version = StringField("Version", default="1.0.0", description="Semantic version, e.g. 1.0.0.")
    annotations = TextAreaField(
        "Annotations", default="{}", description='A JSON object of scalars, e.g. {"tier": "gold"}.'
    )
    tags = StringField("Tags", description="Comma-separated labels, e.g. vip, beta.")
    phone_number = StringField("Phone number", validators=[Optional(), Length(max=64)])
    address1 = StringField("Address line 1", validators=[Optional(), Length(max=255)])
    address2 = StringField("Address line 2", validators=[Optional(), Length(max=255)])
    city = StringField("City", validators=[Optional(), Length(max=255)])
    state = StringField("State or region", validators=[Optional(), Length(max=255)])
    postal_code = StringField("Postal code", validators=[Optional(), Length(max=20)])
    country = LongSelectField("Country", default="USA", choices=country_choices, render_kw=FIND)
    language = LongSelectField(
        "Language",
        default="en",
        choices=language_choices,
        validate_choice=False,  # any BCP 47 tag (en-GB, pt-BR): the model's rule decides
        render_kw={"data-searchable": "create"},
        description="BCP 47 tag, e.g. en or en-US: pick one or type your own.",
    )
    timezone = LongSelectField("Time zone", default="UTC", choices=timezone_choices, render_kw=FIND)
    currency = LongSelectField("Currency", default="USD", choices=currency_choices, render_kw=FIND)
    is_active = BooleanField("Active", default=True)
    is_default_account = BooleanField("Default account")
    revision = HiddenField()
    save = SubmitField("Save")
    save_add = SubmitField("Save and add another")
    save_continue = SubmitField("Save and continue editing")

    def validate(self, extra_validators: Any = None) -> bool:
        """WTForms' shape checks, then the model's own rules on the whole record."""
        valid = super().validate(extra_validators)
        errors: dict[str, str] = {}
        values = {name: getattr(self, name).data for name in FIELDS}
        values["annotations"] = _collect(errors, parse_annotations, self.annotations.data) or {}
        self.cleaned = _collect(errors, Account.clean_values, values) or {}
        self.cleaned["tags"] = _collect(errors, validators.tags, self.tags.data or "") or set()
        if self.account_number.data:
            _collect(errors, validators.account_number, self.account_number.data.strip())
        for field, message in errors.items():
            if message not in getattr(self, field).errors:
                getattr(self, field).errors.append(message)
        return valid and not errors

    def load(self, account: Account) -> None:
        """Fill the form from a stored account (GET of the edit page)."""
        self.process(obj=account)
        self.annotations.data = json.dumps(account.annotations or {}, indent=2, sort_keys=True)
        self.tags.data = ", ".join(sorted(account.tags))


def _collect(errors: dict[str, str], check: Any, value: Any) -> Any:
    """Run one check; on failure add its messages to ``errors`` and return None."""
    try:
        return check(value)
    except ValidationError as exc:
        errors.update(exc.errors)
        return None


def parse_annotations(text: str | None) -> dict[str, Any]:
    """Read the annotations field as a JSON object of scalars."""
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ValidationError(
            "annotations", f"Not valid JSON (line {exc.lineno}, column {exc.colno})."
        ) from None
    return validators.annotations(value)
