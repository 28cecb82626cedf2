"""Sign-in, sign-out and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, EqualTo, Length

from webapp.core.fields import BooleanField, EmailField, PasswordField
from webapp.core.forms import OnceForm


class LoginForm(FlaskForm):
    """Email and password, with "remember me"."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Remember me on this computer for 14 days")


class ButtonForm(OnceForm, FlaskForm):
    """A button-only form, so that every action (sign-out included) is a POST with CSRF."""


class PasswordForm(FlaskForm):
    """Change one's own password; the current one is required."""

    old_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=12, max=1024)],
        description="At least 12 characters; not your email, not a common password.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )
