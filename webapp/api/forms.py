"""The /tokens page's form: a name, a scope and a lifetime for a new token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from webapp.api.services import DEFAULT_DAYS, MAX_DAYS
from webapp.core.fields import SelectField, StringField, SubmitField
from webapp.core.forms import OnceForm
from webapp.core.i18n import lazy_gettext as _l

__all__ = ["TokenForm"]


class TokenForm(OnceForm, FlaskForm):
    """Create a token for oneself; the secret is shown once, on the answer to this POST."""

    name = StringField(
        _l("Name"),
        validators=[Optional(), Length(max=100)],
        description=_l("What the token is for, e.g. the script that uses it."),
    )
    scope = SelectField(
        _l("Scope"),
        choices=[
            SelectChoice("read", "read: look only"),
            SelectChoice("write", "write: as your role allows"),
        ],
        default="read",
    )
    expires_days = SelectField(
        _l("Expires after"),
        choices=[SelectChoice(days, f"{days} days") for days in (7, 30, DEFAULT_DAYS, 365)],
        coerce=int,
        default=DEFAULT_DAYS,
        validators=[InputRequired(), NumberRange(1, MAX_DAYS)],
    )
    create = SubmitField(_l("Create token"))
