"""Forms of saved views: save the list's current query under a name, rename one."""

from __future__ import annotations

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import ValidationError as FieldError
from wtforms.validators import DataRequired, Length

from webapp.core.fields import BooleanField, HiddenField, StringField
from webapp.core.forms import OnceForm
from webapp.core.i18n import lazy_gettext as _l
from webapp.savedviews import services

__all__ = ["RenameViewForm", "SaveViewForm"]
TAKEN = "You already have a view of that name; choose another."


class SaveViewForm(OnceForm, FlaskForm):
    """A name for the list's current query, private or shared with all staff."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    shared = BooleanField(_l("Share with all staff"))
    query = HiddenField()

    def validate_name(self, field: StringField) -> None:
        """Names are unique per owner."""
        if services.name_taken(current_user.id, field.data or ""):
            raise FieldError(TAKEN)


class RenameViewForm(OnceForm, FlaskForm):
    """A new name for a saved view."""

    name = StringField(_l("New name"), validators=[DataRequired(), Length(max=80)])

    def __init__(self, *args: object, owner_id: int, view_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.owner_id, self.view_id = owner_id, view_id

    def validate_name(self, field: StringField) -> None:
        """Names stay unique per owner (the view's owner, when an admin renames it)."""
        if services.name_taken(self.owner_id, field.data or "", except_id=self.view_id):
            raise FieldError(TAKEN)
