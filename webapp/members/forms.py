"""Forms of the member screens: add (attach or invite) and change a member's role."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from webapp.accounts.models import MEMBER_ROLES
from webapp.core.fields import BooleanField, EmailField, SelectField
from webapp.core.forms import OnceForm

ROLE_CHOICES = [SelectChoice(role, role.capitalize()) for role in MEMBER_ROLES]


class MemberForm(OnceForm, FlaskForm):
    """Attach a user by email, or invite a new platform user, with a per-account role."""

    email = EmailField(
        "Email",
        validators=[DataRequired(), Length(max=320)],
        description="Start typing to pick an existing user.",
    )
    role = SelectField("Role in this account", choices=ROLE_CHOICES, default="member")
    invite = BooleanField(
        "Invite as a new platform user",
        description="When no user has this email: create one, with no staff role and no "
        "password until they set one.",
    )


class RoleForm(OnceForm, FlaskForm):
    """Give a member another per-account role."""

    role = SelectField("Role", choices=ROLE_CHOICES)
