"""Bulk actions on the accounts list: a preview of each row's change, then one transaction."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from webapp.auth.services import role_required
from webapp.bulk import services
from webapp.bulk.forms import BulkForm
from webapp.core.i18n import gettext as _
from webapp.core.i18n import number
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.undo import services as undo

bp = Blueprint("bulk", __name__, url_prefix="/accounts/bulk")


@bp.app_template_global()
def bulk_actions() -> dict[str, services.Action]:
    """The bulk actions, for the toolbar of the accounts list."""
    return services.ACTIONS


def _again(form: BulkForm, exc: ValidationError | None = None, status: int = 422):
    """The form again (422) with the input kept and each message by its field."""
    for name, message in (exc.errors if exc else {}).items():
        target = form.value if name in ("value", "action") else form.selected
        target.errors.append(message)
    return render_template("bulk/preview.html", form=form, preview=None), status


@bp.post("/preview")
@role_required("editor")
def preview():
    """What the change would do to each selected account, with Apply to confirm it."""
    form = BulkForm()
    if not form.validate_on_submit():
        return _again(form)
    try:
        result = services.preview(form.selection(), form.action.data, form.cleaned_value)
    except ValidationError as exc:
        return _again(form, exc)
    return render_template("bulk/preview.html", form=form, preview=result)


@bp.post("/apply")
@role_required("editor")
def apply():
    """Apply the change to every selected account in one transaction, then back to the list."""
    form = BulkForm()
    if not form.validate_on_submit():
        return _again(form)
    try:
        changed, unchanged, event = services.apply(
            form.selection(), form.action.data, form.cleaned_value, by=current_user
        )
        message = _(
            "%(changed)s changed, %(unchanged)s unchanged.",
            changed=number(changed),
            unchanged=number(unchanged),
        )
        return undo.finish(message, url_for("accounts.index", **form.list_view().args()), event)
    except ValidationError as exc:
        db.session.rollback()
        return _again(form, exc)
    except StaleDataError:
        db.session.rollback()
        message = "Someone changed a selected account meanwhile. Nothing was changed; try again."
        return _again(form, ValidationError("selected", message), 409)
