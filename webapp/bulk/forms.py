"""The bulk form: which accounts (ticked or all matching), which action, and its value."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, StopValidation

from webapp.accounts.queries import ListQuery
from webapp.bulk import services
from webapp.core import validators
from webapp.core.fields import BooleanField, HiddenField, SelectField, StringField
from webapp.core.forms import OnceForm
from webapp.core.i18n import gettext as _
from webapp.core.i18n import lazy_gettext as _l
from webapp.errors import ValidationError


def action_choices() -> list[SelectChoice]:
    return [SelectChoice(name, action.label) for name, action in services.ACTIONS.items()]


class NumberListField(Field):
    """Account numbers posted as repeated ``selected`` values (the list's checkboxes)."""

    def __init__(self, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(label, default=list, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = list(dict.fromkeys(v.strip() for v in valuelist if v.strip()))

    def pre_validate(self, form: Any) -> None:
        if len(self.data) > services.BOUND:
            raise StopValidation(f"Select at most {services.BOUND:,} accounts at a time.")
        for number in self.data:
            if not validators.ACCOUNT_NUMBER_RE.fullmatch(number):
                raise StopValidation(_("The selection holds a malformed account number."))


class BulkForm(OnceForm, FlaskForm):
    """One change to many accounts; the selection rides along in hidden fields."""

    selected = NumberListField(_l("Accounts"))
    all_matching = BooleanField(_l("All matching accounts"))
    list_query = HiddenField()
    action = SelectField(_l("Action"), choices=action_choices)
    value = StringField(
        _l("Value"),
        validators=[Optional(), Length(max=255)],
        description=_l("A tag for the tag actions; a code or a time zone for the set actions."),
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """The shape, a selection, and the value checked by the account's own rules."""
        valid = super().validate(extra_validators)
        if not self.all_matching.data and not self.selected.data and not self.selected.errors:
            self.selected.errors.append(_("Tick at least one account, or choose all matching."))
            valid = False
        self.cleaned_value = None
        if self.action.data in services.ACTIONS and not self.value.errors:
            try:
                self.cleaned_value = services.clean_value(self.action.data, self.value.data)
            except ValidationError as exc:
                self.value.errors.append(exc.message)
                valid = False
        return valid

    def list_view(self) -> ListQuery:
        """The list's search, filters, order and page this form came from."""
        return ListQuery.from_args(dict(parse_qsl(self.list_query.data or "")))

    def selection(self) -> services.Selection:
        """The accounts the form selects."""
        return services.Selection(
            numbers=tuple(self.selected.data),
            query=self.list_view(),
            all_matching=bool(self.all_matching.data),
        )
