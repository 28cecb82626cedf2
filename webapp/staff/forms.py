"""Forms of the staff-user screens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from webapp.auth.models import STAFF_ROLES
from webapp.core.fields import EmailField, PasswordField, SelectField
from webapp.core.forms import OnceForm
from webapp.core.i18n import lazy_gettext as _l

ROLE_TITLES = {"admin": _l("Admin"), "editor": _l("Editor"), "viewer": _l("Viewer")}
ROLE_CHOICES = [SelectChoice(role, ROLE_TITLES[role]) for role in STAFF_ROLES]


class StaffCreateForm(OnceForm, FlaskForm):
    """A new staff user; a blank password means "generate a temporary one"."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="viewer")
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(min=12, max=1024)],
        description=_l(
            "Leave blank to generate a temporary password, to be changed at first sign-in."
        ),
    )


class RoleForm(OnceForm, FlaskForm):
    """Change a staff user's role."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
