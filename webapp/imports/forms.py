"""The import forms: an upload (the dry run starts) and a lone Apply button."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired

from webapp.core.fields import FileField
from webapp.core.forms import OnceForm
from webapp.core.i18n import lazy_gettext as _l

__all__ = ["ApplyForm", "UploadForm"]


class UploadForm(OnceForm, FlaskForm):
    """A CSV in the export's columns, or JSON Lines: checked first, never written at once."""

    file = FileField(
        _l("File"),
        validators=[FileRequired("Choose a CSV or JSON Lines file to check.")],
        description=_l("CSV with the export's header row (any subset of its columns), or JSON "
        "Lines (one object per line). Rows with an account number update that account; "
        "rows without one create an account."),
    )


class ApplyForm(OnceForm, FlaskForm):
    """Apply a checked file: every row or none, in one transaction."""
