"""Billing filters: GET forms read from the query string, so CSRF is off (nothing changes)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from webapp.billing.models import CHARGE_TYPES
from webapp.core.fields import DateField, SelectField
from webapp.core.i18n import gettext as _
from webapp.core.i18n import lazy_gettext as _l

__all__ = ["BillingFilterForm", "DateRangeForm"]

DATE_HELP = _l("A day in UTC.")
BAD_DATE = _l("Use a date such as 2026-01-31.")
# Bounds of a day anyone means: the day after 9999-12-31 does not exist (the filters need it).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)
OUT_OF_RANGE = _l("Use a date between %(first)s and %(last)s.", first=FIRST_DAY, last=LAST_DAY)


def within_range(form: FlaskForm, field: DateField) -> None:
    """Refuse a day outside FIRST_DAY..LAST_DAY, at the field."""
    if isinstance(field.data, date) and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(OUT_OF_RANGE)


class DateRangeForm(FlaskForm):
    """A from/to date pair, both optional; the end may not come before the start."""

    class Meta:
        csrf = False  # a search form: a GET that changes nothing (as microblog's)

    date_from = DateField(
        _l("From"),
        validators=[Optional(), within_range],
        invalid_value_message=BAD_DATE,
        description=DATE_HELP,
    )
    date_to = DateField(
        _l("To"),
        validators=[Optional(), within_range],
        invalid_value_message=BAD_DATE,
        description=DATE_HELP,
    )

    def validate_date_to(self, field: DateField) -> None:
        """Refuse a range that ends before it starts."""
        start = self.date_from.data
        if isinstance(start, date) and field.data and field.data < start:
            raise ValidationError(_("The end date is before the start date."))

    def cleaned(self) -> dict[str, Any]:
        """The submitted values by field name (for the services)."""
        return {name: field.data for name, field in self._fields.items()}


class BillingFilterForm(DateRangeForm):
    """Filter an account's charges and daily records by date range, provider and type."""

    provider = SelectField(_l("Provider"), default="")
    charge_type = SelectField(
        _l("Charge type"),
        default="",
        choices=[SelectChoice("", _l("Any type")), *(SelectChoice(k) for k in CHARGE_TYPES)],
    )

    def set_providers(self, names: Iterable[str]) -> None:
        """Offer the providers the account's billing names (plus "any")."""
        self.provider.choices = [SelectChoice("", _("Any provider")), *map(SelectChoice, names)]
