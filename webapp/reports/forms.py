"""The report's filters: a GET form read from the query string (CSRF off, nothing changes)."""

from __future__ import annotations

from typing import Any

from wtforms.validators import Length, Optional, ValidationError

from webapp.billing.forms import DateRangeForm
from webapp.core import validators
from webapp.core.fields import StringField
from webapp.core.i18n import gettext as _
from webapp.core.i18n import lazy_gettext as _l
from webapp.errors import ValidationError as RuleError
from webapp.reports.services import MAX_DAYS

__all__ = ["ReportForm"]


class ReportForm(DateRangeForm):
    """A date range of at most a year (default: the last 30 days) and an optional currency."""

    currency = StringField(
        _l("Currency"),
        validators=[Optional(), Length(max=3)],
        description=_l("ISO 4217 code; blank: every currency, each on its own."),
    )

    def validate_date_from(self, field: Any) -> None:
        """Refuse a range longer than MAX_DAYS (the chart has one bar per day)."""
        end = self.date_to.data
        if field.data and end and (end - field.data).days + 1 > MAX_DAYS:
            raise ValidationError(_("Choose a range of at most %(num)d days.", num=MAX_DAYS))

    def validate_currency(self, field: StringField) -> None:
        """An ISO 4217 code, any case."""
        try:
            field.data = validators.currency(field.data)
        except RuleError as exc:
            raise ValidationError(exc.message) from None
