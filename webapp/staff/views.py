"""Staff-user screens (admins only)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from webapp.auth.forms import ButtonForm
from webapp.auth.models import User
from webapp.auth.services import client_address, role_required
from webapp.core.i18n import gettext as _
from webapp.core.i18n import role_label
from webapp.core.idempotency import finish
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.staff import services
from webapp.staff.forms import RoleForm, StaffCreateForm
from webapp.twofactor import services as twofactor

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _staff_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role is None:
        abort(404)
    return user


def _list(status: int = 200, error: str | None = None):
    return render_template(
        "staff/index.html",
        users=services.staff_users(),
        role_form=RoleForm(),
        error=error,
        require_2fa=twofactor.is_required(),
    ), status


def _apply(change: Callable[[], str]):
    """Run one change: commit it and say so, or roll back and show the list with the reason."""
    try:
        message = change()
    except ValidationError as exc:
        db.session.rollback()
        return _list(409, exc.message)
    return finish(message, url_for("staff.index"))


@bp.get("/")
@role_required("admin")
def index():
    """Every staff user with their role and state."""
    return _list()


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def create():
    """Create a staff user, with a password or a temporary one shown once."""
    form = StaffCreateForm()
    if form.validate_on_submit():
        try:
            user, temporary = services.create_staff(
                form.email.data, form.role.data, form.password.data, by=current_user
            )
        except ValidationError as exc:
            db.session.rollback()
            getattr(form, exc.field, form.email).errors.append(exc.message)
        else:
            target = url_for("staff.index")
            if temporary:
                key = services.stash_once(temporary)
                target = url_for("staff.temporary", key=key, user_id=user.id)
            role = role_label(user.role)
            return finish(_("Created %(role)s %(email)s.", role=role, email=user.email), target)
    return render_template("staff/new.html", form=form), 422 if form.errors else 200


@bp.post("/<int:user_id>/role")
@role_required("admin")
def change_role(user_id: int):
    """Change a staff user's role."""
    user, form = _staff_or_404(user_id), RoleForm()
    if not form.validate_on_submit():
        return _list(422, _("Choose admin, editor or viewer."))

    def change() -> str:
        services.change_role(user, form.role.data, by=current_user)
        return _("%(email)s is now %(role)s.", email=user.email, role=role_label(user.role))

    return _apply(change)


@bp.post("/<int:user_id>/<any(activate, deactivate):action>")
@role_required("admin")
def set_active(user_id: int, action: str):
    """Activate or deactivate a staff user."""
    user = _staff_or_404(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)

    def change() -> str:
        services.set_active(user, action == "activate", by=current_user)
        if user.is_active:
            return _("%(email)s is active.", email=user.email)
        return _("%(email)s is deactivated.", email=user.email)

    return _apply(change)


@bp.post("/<int:user_id>/reset-password")
@role_required("admin")
def reset_password(user_id: int):
    """Give a staff user a temporary password, shown once."""
    user = _staff_or_404(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    temporary = services.reset_password(user, by=current_user)
    key = services.stash_once(temporary)
    return finish(None, url_for("staff.temporary", key=key, user_id=user.id))


@bp.get("/<int:user_id>/temporary-password")
@role_required("admin")
def temporary(user_id: int):
    """Show a temporary password once; reloading the page shows it no more."""
    user = _staff_or_404(user_id)
    password = services.take_once(request.args.get("key", ""))
    return render_template("staff/temporary.html", user=user, password=password)


@bp.post("/two-factor/<any(require, allow):action>")
@role_required("admin")
def require_2fa(action: str):
    """Require (or stop requiring) two-factor sign-in of every staff user."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    required = action == "require"
    twofactor.set_required(required, by=current_user)
    if required:
        message = _("Two-factor sign-in is now required for every staff user.")
    else:
        message = _("Two-factor sign-in is now optional.")
    return finish(message, url_for("staff.index"))


@bp.post("/<int:user_id>/reset-2fa")
@role_required("admin")
def reset_2fa(user_id: int):
    """Remove a staff user's authenticator app and recovery codes (they set it up again)."""
    user = _staff_or_404(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    twofactor.reset(user, by=current_user, address=client_address())
    message = _("Two-factor sign-in of %(email)s was reset.", email=user.email)
    return finish(message, url_for("staff.index"))
