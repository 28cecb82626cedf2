"""The audit page's filter form: read from the query string (a GET, so no CSRF token)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, Regexp, ValidationError

from webapp.audit.queries import known_values
from webapp.core.fields import DateField, SelectField, StringField
from webapp.core.i18n import gettext as _
from webapp.core.i18n import lazy_gettext as _l

ACTION = r"^[a-z][a-z0-9_-]*(\.([a-z0-9_-]+)?)?$"
OBJECT_TYPE = r"^[A-Za-z_][A-Za-z0-9_]*$"
FILTERS = ("actor", "action", "object_type", "object_id", "from_date", "to_date")


def action_choices(current: str | None) -> list[SelectChoice]:
    """Any action, each area's prefix ("account."), then every known action."""
    actions = known_values("action")
    if current and current not in actions and not current.endswith("."):
        actions = sorted({*actions, current})
    prefixes = sorted({a.split(".")[0] + "." for a in actions if "." in a})
    if current and current.endswith(".") and current not in prefixes:
        prefixes = sorted({*prefixes, current})
    return [
        SelectChoice("", _("Any action")),
        *(SelectChoice(p, _("%(prefix)s* (all)", prefix=p), optgroup=_("Area")) for p in prefixes),
        *(SelectChoice(a, optgroup=_("Action")) for a in actions),
    ]


def object_type_choices(current: str | None) -> list[SelectChoice]:
    """Any object type, then every known one."""
    types = known_values("object_type")
    if current and current not in types:
        types = sorted({*types, current})
    return [SelectChoice("", _("Any object")), *(SelectChoice(t) for t in types)]


def _choice_field(label: Any, pattern: str, message: Any) -> SelectField:
    """A list of known values that also keeps a typed one, if it has the right shape."""
    return SelectField(
        label,
        validate_choice=False,
        validators=[Optional(), Length(max=64), Regexp(pattern, message=message)],
    )


class AuditFilterForm(FlaskForm):
    """Who, what, which object and which days; every filter optional."""

    class Meta:
        csrf = False  # a GET that changes nothing

    actor = StringField(
        _l("Actor"),
        validators=[Optional(), Length(max=320)],
        description=_l("Part of an email, or cli, system, anonymous."),
    )
    action = _choice_field(
        _l("Action"), ACTION, _l("Choose an action or an area from the list.")
    )
    object_type = _choice_field(
        _l("Object type"), OBJECT_TYPE, _l("Choose an object type from the list.")
    )
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=64)])
    from_date = DateField(_l("From (UTC)"), validators=[Optional()])
    to_date = DateField(_l("To (UTC)"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = action_choices(self.action.data)
        self.object_type.choices = object_type_choices(self.object_type.data)

    def validate_to_date(self, field: DateField) -> None:
        """The range must not end before it starts."""
        if field.data and self.from_date.data and field.data < self.from_date.data:
            raise ValidationError(_("The end date is before the start date."))

    def filters(self) -> dict[str, Any]:
        """The filters given, trimmed, as keyword arguments of the query."""
        values = {name: getattr(self, name).data for name in FILTERS}
        values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
        return {k: v for k, v in values.items() if v not in ("", None)}

    def args(self) -> dict[str, str]:
        """The filters as a query string, for paging and export links."""
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in self.filters().items()}
