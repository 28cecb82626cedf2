"""The Undo button's form: CSRF, a one-time key, and the page to return to."""

from __future__ import annotations

from flask_wtf import FlaskForm

from webapp.auth.services import is_safe_next
from webapp.core.fields import HiddenField
from webapp.core.forms import OnceForm


class UndoForm(OnceForm, FlaskForm):
    """Undo one action; ``next`` is the page the offer was shown on."""

    next = HiddenField()

    def back(self, default: str) -> str:
        """Where to go afterwards: the page the offer was on when it is local, else ``default``."""
        return self.next.data if is_safe_next(self.next.data) else default
