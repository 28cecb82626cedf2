"""Member screens of one account, and a user's page listing every account they belong to."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user

from webapp.accounts.models import Account, User, UserProfile
from webapp.accounts.services import account_or_404
from webapp.auth.forms import ButtonForm
from webapp.auth.services import role_required
from webapp.core.i18n import gettext as _
from webapp.core.i18n import role_label
from webapp.core.idempotency import finish
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.members import services
from webapp.members.forms import MemberForm, RoleForm

bp = Blueprint("members", __name__, url_prefix="/accounts/<string(length=14):number>/members")
users_bp = Blueprint("users", __name__, url_prefix="/users")


def _profile_or_404(account: Account, profile_id: int) -> UserProfile:
    """Load a membership of this account, or answer 404 (another account's included)."""
    profile = services.find_profile(account, profile_id)
    if profile is None:
        abort(404)
    return profile


def _page_args(per_page: int = services.DEFAULT_PER_PAGE) -> tuple[int, int]:
    return (
        request.args.get("page", 1, type=int),
        request.args.get("per_page", per_page, type=int),
    )


def _list(account: Account, status: int = 200, error: str | None = None, profile_id: int = 0):
    """The members page; after a refused change, with its message beside the member's row."""
    page, per_page = _page_args()
    members = services.members_page(account, request.args.get("q", ""), page, per_page)
    return render_template(
        "members/index.html",
        account=account,
        members_page=members,
        error=error,
        member_error=(profile_id, error) if error else None,
    ), status


@bp.get("/")
@role_required("viewer")
def index(number: str):
    """The account's members, searchable by email, paged."""
    return _list(account_or_404(number))


@bp.get("/candidates")
@role_required("editor")
def candidates(number: str):
    """Up to 10 emails of users who could be added, for the add form's suggestions (JSON)."""
    account = account_or_404(number)
    return jsonify(emails=services.candidates(account, request.args.get("q", "")))


@bp.route("/new", methods=["GET", "POST"])
@role_required("editor")
def create(number: str):
    """Attach an existing user by email, or invite a new platform user, with a role."""
    account = account_or_404(number)
    form = MemberForm()
    if form.validate_on_submit():
        try:
            profile, invited = services.add_member(
                account, form.email.data, form.role.data, form.invite.data, by=current_user
            )
            message = _added_message(profile, invited, form.role.data)
            return finish(message, url_for("members.index", number=number))
        except ValidationError as exc:
            db.session.rollback()
            getattr(form, exc.field, form.email).errors.append(exc.message)
    return render_template(
        "members/new.html", form=form, account=account, has_owner=services.has_owner(account.id)
    ), 422 if form.errors else 200


def _added_message(profile: UserProfile, invited: bool, chosen_role: str) -> str:
    done = _("Invited %(email)s as %(role)s.") if invited else _("Added %(email)s as %(role)s.")
    message = done % {"email": profile.user.email, "role": role_label(profile.role)}
    if profile.role != chosen_role:
        message += " " + _("The first member of an account is its owner.")
    return message


@bp.post("/<int:profile_id>/role")
@role_required("editor")
def change_role(number: str, profile_id: int):
    """Give a member another role; the last owner cannot be demoted while others remain."""
    account = account_or_404(number)
    profile, form = _profile_or_404(account, profile_id), RoleForm()
    if not form.validate_on_submit():
        return _list(account, 422, _("Choose owner, admin or member."), profile_id)
    email = profile.user.email
    try:
        changed = services.change_role(profile, form.role.data, by=current_user)
    except ValidationError as exc:
        db.session.rollback()
        return _list(account, 409, exc.message, profile_id)
    role = role_label(form.role.data)
    if changed:
        message = _("%(email)s is now %(role)s.", email=email, role=role)
    else:
        message = _("%(email)s keeps the role.", email=email)
    return finish(message, url_for("members.index", number=number))


@bp.route("/<int:profile_id>/delete", methods=["GET", "POST"])
@role_required("editor")
def delete(number: str, profile_id: int):
    """Confirm, then remove a member; the last owner goes only when nobody else remains."""
    account = account_or_404(number)
    profile, form = _profile_or_404(account, profile_id), ButtonForm()
    email, role, error = profile.user.email, profile.role, None
    if form.validate_on_submit():
        try:
            services.remove_member(profile, by=current_user)
        except ValidationError as exc:
            db.session.rollback()
            error = exc.message
        else:
            message = _("Removed %(email)s from %(name)s.", email=email, name=account.company_name)
            return finish(message, url_for("members.index", number=number))
    return render_template(
        "members/delete.html", account=account, email=email, role=role, form=form, error=error
    ), 409 if error else 200


@users_bp.get("/<int:user_id>")
@role_required("viewer")
def detail(user_id: int):
    """A user and every account they belong to, with their role in each."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    page, per_page = _page_args()
    return render_template(
        "members/user.html",
        user=user,
        invited=user.password_hash is None,
        memberships=services.user_memberships(user, page, per_page),
    )
