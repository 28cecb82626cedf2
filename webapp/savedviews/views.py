"""Saved views: the stable URL of each, save the list's query, rename, delete, manage page."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.auth.forms import ButtonForm
from webapp.auth.services import role_required
from webapp.core.i18n import gettext as _
from webapp.core.idempotency import finish
from webapp.savedviews import services
from webapp.savedviews.forms import RenameViewForm, SaveViewForm

bp = Blueprint("savedviews", __name__, url_prefix="/accounts/views")


def _list_url(query: str) -> str:
    """The accounts list showing a saved query."""
    return url_for("accounts.index") + (f"?{query}" if query else "")


def _manage(status: int = 200, **forms: object):
    """The manage page, with a form that failed (and its view id) when there is one."""
    views = services.managed_views(current_user)
    return render_template("savedviews/index.html", views=views, **forms), status


@bp.get("/")
@role_required("viewer")
def index():
    """Every view this user sees, with rename and delete where they may."""
    return _manage(save_form=SaveViewForm(query=services.normalise(request.args.to_dict())))


@bp.post("/")
@role_required("viewer")
def create():
    """Save the list's current query under a name; back to the list it shows (303)."""
    form = SaveViewForm()
    if not form.validate_on_submit():
        return _manage(422, save_form=form)
    view = services.create_view(
        form.name.data, form.query.data or "", form.shared.data, by=current_user
    )
    return finish(_("Saved the view “%(name)s”.", name=view.name), _list_url(view.query))


@bp.get("/<int:view_id>")
@role_required("viewer")
def show(view_id: int):
    """The view's stable URL: the list with its saved query."""
    view = services.view_or_404(view_id, current_user)
    return redirect(_list_url(view.query))


@bp.post("/<int:view_id>/rename")
@role_required("viewer")
def rename(view_id: int):
    """Rename a view (its owner, or an admin for a shared one)."""
    view = services.editable_or_403(view_id, current_user)
    form = RenameViewForm(owner_id=view.owner_id, view_id=view.id)
    if not form.validate_on_submit():
        return _manage(422, rename_form=form, failed_id=view.id)
    services.rename_view(view, form.name.data, by=current_user)
    return finish(_("Renamed the view to “%(name)s”.", name=view.name), url_for("savedviews.index"))


@bp.post("/<int:view_id>/delete")
@role_required("viewer")
def delete(view_id: int):
    """Delete a view (its owner, or an admin for a shared one)."""
    view = services.editable_or_403(view_id, current_user)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.delete_view(view, by=current_user)
    return finish(_("Deleted the view “%(name)s”.", name=view.name), url_for("savedviews.index"))
