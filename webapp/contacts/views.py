"""Contact screens of one account: list, add, edit, delete, make primary."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import Account, AccountContact
from webapp.accounts.services import account_or_404
from webapp.auth.forms import ButtonForm
from webapp.auth.services import is_safe_next, role_required
from webapp.contacts import services
from webapp.contacts.forms import ContactForm
from webapp.core.i18n import gettext as _
from webapp.core.idempotency import finish
from webapp.core.paging import positive_int
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.presence import services as presence
from webapp.undo import services as undo

bp = Blueprint("contacts", __name__, url_prefix="/accounts/<string(length=14):number>/contacts")
PER_PAGE = 25


def _contact_or_404(number: str, contact_id: int) -> tuple[Account, AccountContact]:
    """Load the account and one of its contacts; another account's contact is 404 too."""
    account = account_or_404(number)
    contact = db.session.get(AccountContact, contact_id)
    if contact is None or contact.account_id != account.id:
        abort(404)
    return account, contact


def _back_url(account: Account) -> str:
    """Where to go after a change or a cancel: a safe local ``next``, else the contact list."""
    target = request.args.get("next")
    if is_safe_next(target):
        return target
    return url_for("contacts.index", number=account.account_number)


def _back(account: Account):
    """303 back to where the change was started from."""
    return redirect(_back_url(account), 303)


def _save(
    form: ContactForm, account: Account, contact: AccountContact | None, write: Callable[[], str]
):
    """Run ``write`` for a valid form and commit, then go back; else show the form (422)."""
    if form.validate_on_submit():
        try:
            return finish(write(), _back_url(account))
        except ValidationError as exc:
            db.session.rollback()
            form.add_errors(exc)
        except IntegrityError as exc:  # another person saved the same email or primary first
            db.session.rollback()
            form.add_errors(_lost_race(exc))
    status = 422 if form.errors else 200
    return render_template(
        "contacts/form.html",
        form=form,
        account=account,
        contact=contact,
        back_url=_back_url(account),
        presence=_presence(account, contact),
    ), status


def _presence(account: Account, contact: AccountContact | None) -> presence.Notice | None:
    """Who else edits this contact (none on the new-contact form); renews the caller."""
    if contact is None:
        return None
    args = {"number": account.account_number, "contact_id": contact.id}
    return presence.notice("contact", contact.id, current_user, **args)


def _lost_race(exc: IntegrityError) -> ValidationError:
    """The field message for a unique index that refused a row the checks had just allowed."""
    if "uq_account_contact_primary" in str(exc.orig):
        return ValidationError("is_primary", _("Someone just made another contact primary."))
    return ValidationError("email", _("This account already has a contact with this email."))


def _int_arg(name: str, default: int) -> int:
    value = request.args.get(name, "")
    return positive_int(value, default)


@bp.get("/")
@role_required("viewer")
def index(number: str):
    """The account's contacts: searchable by name or email, paged, primary first."""
    account = account_or_404(number)
    page = services.contacts_page(account, request.args.get("q", ""), _int_arg("page", 1), PER_PAGE)
    return render_template("contacts/index.html", account=account, contacts_page=page)


@bp.route("/new", methods=["GET", "POST"])
@role_required("editor")
def create(number: str):
    """Add a contact to the account."""
    account = account_or_404(number)
    form = ContactForm(account)

    def write() -> str:
        contact = services.create_contact(account, form.cleaned, by=current_user)
        return _("Added contact %(name)s.", name=contact.full_name)

    return _save(form, account, None, write)


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
@role_required("editor")
def edit(number: str, contact_id: int):
    """Edit a contact of the account."""
    account, contact = _contact_or_404(number, contact_id)
    form = ContactForm(account, obj=contact)

    def write() -> str:
        changes = services.update_contact(contact, form.cleaned, by=current_user)
        if not changes:
            return _("Nothing changed.")
        return _("Saved contact %(name)s.", name=contact.full_name)

    return _save(form, account, contact, write)


@bp.route("/<int:contact_id>/delete", methods=["GET", "POST"])
@role_required("editor")
def delete(number: str, contact_id: int):
    """Confirm, then delete a contact."""
    account, contact = _contact_or_404(number, contact_id)
    form = ButtonForm()
    if form.validate_on_submit():
        name = contact.full_name
        event = services.delete_contact(contact, by=current_user)
        return undo.finish(_("Deleted contact %(name)s.", name=name), _back_url(account), event)
    return render_template(
        "contacts/delete.html",
        account=account,
        contact=contact,
        form=form,
        back_url=_back_url(account),
    )


@bp.post("/<int:contact_id>/make-primary")
@role_required("editor")
def make_primary(number: str, contact_id: int):
    """Make a contact the account's primary one; the old primary loses the flag."""
    account, contact = _contact_or_404(number, contact_id)
    if ButtonForm().validate_on_submit():
        services.make_primary(contact, by=current_user)
        message = _("%(name)s is the primary contact.", name=contact.full_name)
        return finish(message, _back_url(account))
    return _back(account)
