"""Sign-in, sign-out and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from webapp.core.fields import BooleanField, EmailField, PasswordField, SelectField
from webapp.core.forms import OnceForm
from webapp.core.i18n import LOCALES
from webapp.core.i18n import lazy_gettext as _l


class LoginForm(FlaskForm):
    """Email and password, with "remember me"."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Remember me on this computer for 14 days"))


class ButtonForm(OnceForm, FlaskForm):
    """A button-only form, so that every action (sign-out included) is a POST with CSRF."""


class PasswordForm(FlaskForm):
    """Change one's own password; the current one is required."""

    old_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=12, max=1024)],
        description=_l("At least 12 characters; not your email, not a common password."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class LocaleForm(FlaskForm):
    """The dashboard's language for this user, or the browser's (each language in its own name)."""

    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("The browser's language")),
            *(SelectChoice(code, name) for code, name in LOCALES.items()),
        ],
        default="",
    )
