"""The account form: shape in WTForms, rules from the model (one source of truth)."""

from __future__ import annotations

import json
from typing import Any

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length, Optional

from webapp.accounts import choices
from webapp.accounts.models import Account
from webapp.accounts.models.account import FIELDS
from webapp.core import validators
from webapp.core.fields import (
    BooleanField,
    HiddenField,
    StringField,
    SubmitField,
    SuggestField,
    TextAreaField,
)
from webapp.core.forms import OnceForm
from webapp.core.i18n import lazy_gettext as _l
from webapp.core.validators import annotations_json as parse_annotations
from webapp.errors import ValidationError

FIND = {"data-searchable": "find"}  # static/js/choices.js makes these searchable (Tom Select)


def _long_list(field: str) -> dict[str, Any]:
    """A long list's choices and the values a page suggests without JavaScript."""
    return {"choices": choices.LISTS[field], "suggest": choices.COMMON[field]}


class AccountForm(OnceForm, FlaskForm):
    """Create or edit an account; field names are the model's attribute names."""

    account_number = StringField(
        _l("Account number"),
        validators=[Optional(), Length(max=14)],
        description=_l("Leave blank to generate one (form 1234-5678-9012). It never changes."),
    )
    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=255)])
    name = StringField(
        _l("Name"),
        validators=[Optional(), Length(max=255)],
        description=_l("camelCase identifier; derived from the company name when blank."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional()])
    version = StringField(
        _l("Version"), default="1.0.0", description=_l("Semantic version, e.g. 1.0.0.")
    )
    annotations = TextAreaField(
        _l("Annotations"),
        default="{}",
        description=_l('A JSON object of scalars, e.g. {"tier": "gold"}.'),
    )
    tags = StringField(_l("Tags"), description=_l("Comma-separated labels, e.g. vip, beta."))
    phone_number = StringField(_l("Phone number"), validators=[Optional(), Length(max=64)])
    address1 = StringField(_l("Address line 1"), validators=[Optional(), Length(max=255)])
    address2 = StringField(_l("Address line 2"), validators=[Optional(), Length(max=255)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=255)])
    state = StringField(_l("State or region"), validators=[Optional(), Length(max=255)])
    postal_code = StringField(_l("Postal code"), validators=[Optional(), Length(max=20)])
    country = SuggestField(_l("Country"), default="USA", render_kw=FIND, **_long_list("country"))
    language = SuggestField(
        _l("Language"),
        default="en",
        render_kw={"data-searchable": "create"},  # any BCP 47 tag (en-GB, pt-BR)
        description=_l("BCP 47 tag, e.g. en or en-US: pick one or type your own."),
        **_long_list("language"),
    )
    timezone = SuggestField(
        _l("Time zone"), default="UTC", render_kw=FIND, **_long_list("timezone")
    )
    currency = SuggestField(_l("Currency"), default="USD", render_kw=FIND, **_long_list("currency"))
    is_active = BooleanField(_l("Active"), default=True)
    is_default_account = BooleanField(_l("Default account"))
    revision = HiddenField()
    save = SubmitField(_l("Save"))
    save_add = SubmitField(_l("Save and add another"))
    save_continue = SubmitField(_l("Save and continue editing"))

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

    @property
    def choices_url(self) -> str | None:
        """Where the browser finds the long lists in full (None: suggestions only)."""
        return choices.url()

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
