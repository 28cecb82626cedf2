"""The form mixin that makes a write idempotent: a one-time key, claimed when the form is valid."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from wtforms.validators import Optional, Regexp

from webapp.core import idempotency
from webapp.core.fields import HiddenField
from webapp.core.i18n import lazy_gettext as _l

__all__ = ["OnceForm", "WriteKeyField"]


class WriteKeyField(HiddenField):
    """A fresh key when the form is rendered; on a POST exactly what was sent ("" if nothing)."""

    def __init__(self, **kwargs: Any) -> None:
        damaged = _l("This form is damaged; reload the page.")
        pattern = Regexp(idempotency.KEY_PATTERN, message=damaged)
        kwargs.setdefault("render_kw", {"id": False})  # many such forms share a page
        super().__init__(default=idempotency.new_key, validators=[Optional(), pattern], **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist else ""


class OnceForm:
    """Mix into a FlaskForm that writes (before FlaskForm in the bases) to save it only once.

    A valid POST claims its key before the view writes; a key already used makes the view
    answer as the first POST did (same 303 Location and flash) without running. A POST with
    no key (a script, a page rendered before this existed) works as before.
    """

    write_key = WriteKeyField()

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        """Flask-WTF's check, then claim the key; an invalid resend of a saved form replays."""
        if not self.is_submitted():  # type: ignore[attr-defined]
            return False
        valid = self.validate(extra_validators)  # type: ignore[attr-defined]
        key = self.write_key.data if not self.write_key.errors else ""
        if key and valid:
            idempotency.claim(key, current_user.id)
        elif key:  # the first save may be what makes this copy invalid (e.g. a taken number)
            idempotency.replay(key, current_user.id)
        return valid
