"""The Undo button: reverse the action a confirmation offered to undo, or say why not."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from webapp.auth.services import role_required
from webapp.core.i18n import gettext as _
from webapp.core.i18n import ngettext, number
from webapp.core.idempotency import finish
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.undo import services
from webapp.undo.forms import UndoForm

bp = Blueprint("undo", __name__, url_prefix="/undo")


@bp.app_template_global()
def undo_form() -> UndoForm:
    """A fresh Undo form (CSRF token and one-time key) for an offer in the flash."""
    return UndoForm(formdata=None)


bp.add_app_template_global(services.seconds_left, "undo_seconds_left")


@bp.post("/<int:event_id>")
@role_required("editor")
def undo(event_id: int):
    """Undo the action of event N (and its batch): 303 back, or 409 saying what changed."""
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400)
    event = services.check(event_id, current_user)
    try:
        count = services.undo(event, by=current_user)
    except services.Conflict as conflict:
        db.session.rollback()
        return render_template(
            "undo/conflict.html", event=event, differences=conflict.differences
        ), 409
    except (ValidationError, IntegrityError, StaleDataError):
        db.session.rollback()
        abort(409, _("Someone changed these records while undoing; nothing was undone."))
    message = ngettext(
        "Undone: %(action)s (event %(id)s), %(count)s record restored.",
        "Undone: %(action)s (event %(id)s), %(count)s records restored.",
        count,
        action=event.action,
        id=event.id,
        count=number(count),
    )
    return finish(message, form.back(url_for("accounts.index")))
