"""Forms of two-factor sign-in: the second step, enrolment, and actions confirmed by password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length

from webapp.core.fields import PasswordField, StringField
from webapp.core.i18n import lazy_gettext as _l


class CodeForm(FlaskForm):
    """The second sign-in step: a code from the authenticator app or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l(
            "The 6-digit code from your authenticator app, or one of your recovery codes."
        ),
    )


class EnrolForm(FlaskForm):
    """Confirm the new authenticator app by typing the code it shows."""

    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("The 6-digit code your authenticator app shows now."),
    )


class ConfirmPasswordForm(FlaskForm):
    """An action on one's own two-factor sign-in, confirmed with the password."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=1024)])
