"""Forms of the member screens: add (attach or invite) and change a member's role."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from webapp.accounts.models import MEMBER_ROLES
from webapp.core.fields import BooleanField, EmailField, SelectField
from webapp.core.forms import OnceForm
from webapp.core.i18n import lazy_gettext as _l

ROLE_TITLES = {"owner": _l("Owner"), "admin": _l("Admin"), "member": _l("Member")}
ROLE_CHOICES = [SelectChoice(role, ROLE_TITLES[role]) for role in MEMBER_ROLES]


class MemberForm(OnceForm, FlaskForm):
    """Attach a user by email, or invite a new platform user, with a per-account role."""

    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=320)],
        description=_l("Start typing to pick an existing user."),
    )
    role = SelectField(_l("Role in this account"), choices=ROLE_CHOICES, default="member")
    invite = BooleanField(
        _l("Invite as a new platform user"),
        description=_l(
            "When no user has this email: create one, with no staff role and no "
            "password until they set one."
        ),
    )


class RoleForm(OnceForm, FlaskForm):
    """Give a member another per-account role."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
