"""The contact form: shape in WTForms, rules from the model (one source of truth)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length, Optional

from webapp.accounts.models import Account, AccountContact
from webapp.accounts.models.contact import FIELDS
from webapp.core.fields import BooleanField, EmailField, StringField, SubmitField
from webapp.core.forms import OnceForm
from webapp.core.i18n import lazy_gettext as _l
from webapp.errors import ValidationError


class ContactForm(OnceForm, FlaskForm):
    """Add or edit a contact; field names are the model's attribute names."""

    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=150)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=150)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    phone_number = StringField(
        _l("Phone number"),
        validators=[Optional(), Length(max=64)],
        description=_l("Local numbers are read with the account's country, e.g. +1 212 555 0100."),
    )
    is_primary = BooleanField(
        _l("Primary contact"),
        description=_l("The account's current primary contact loses the flag."),
    )
    is_test = BooleanField(_l("Test contact"))
    welcomed = BooleanField(_l("Welcomed"))
    save = SubmitField(_l("Save"))

    def __init__(self, account: Account, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        self.cleaned: dict[str, Any] = {}

    def validate(self, extra_validators: Any = None) -> bool:
        """WTForms' shape checks, then the model's own field rules."""
        valid = super().validate(extra_validators)
        values = {name: getattr(self, name).data for name in FIELDS}
        try:
            self.cleaned = AccountContact.clean_values(values, self.account.country)
        except ValidationError as exc:
            self.add_errors(exc)
            return False
        flags = ("is_primary", "is_test", "welcomed")
        self.cleaned.update({name: bool(getattr(self, name).data) for name in flags})
        return valid

    def add_errors(self, exc: ValidationError) -> None:
        """Show each message of a refused save next to its field."""
        for name, message in exc.errors.items():
            field = getattr(self, name, None) or self.email
            if message not in field.errors:
                field.errors = [*field.errors, message]
