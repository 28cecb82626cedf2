"""Presence on the account and contact edit forms: the poll (JSON) and the leave beacon."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from flask_login import current_user
from flask_wtf import FlaskForm

from webapp.accounts.models import AccountContact
from webapp.accounts.services import account_or_404
from webapp.auth.services import role_required
from webapp.extensions import db
from webapp.presence import services

bp = Blueprint("presence", __name__, url_prefix="/accounts/<string(length=14):number>")
CONTACT = "/contacts/<int:contact_id>/presence"


def _contact_id(number: str, contact_id: int) -> int:
    """The contact's id if it belongs to the account; else 404."""
    account = account_or_404(number)
    contact = db.session.get(AccountContact, contact_id)
    if contact is None or contact.account_id != account.id:
        abort(404)
    return contact.id


def _poll(kind: str, object_id: int):
    """Renew the caller's line; the other editors' names, never cached by the browser."""
    editors = services.arrive(kind, object_id, current_user)
    response = jsonify(editors=editors, poll_seconds=services.poll_seconds())
    response.headers["Cache-Control"] = "no-store"
    return response


def _leave(kind: str, object_id: int):
    """Drop the caller's line now rather than at expiry (204); CSRF checked."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    services.leave(kind, object_id, current_user)
    return "", 204


@bp.get("/presence")
@role_required("editor")
def account(number: str):
    """Who else has this account's edit form open (JSON); renews the caller's presence."""
    return _poll("account", account_or_404(number).id)


@bp.post("/presence/leave")
@role_required("editor")
def account_leave(number: str):
    """The account's edit form was left."""
    return _leave("account", account_or_404(number).id)


@bp.get(CONTACT)
@role_required("editor")
def contact(number: str, contact_id: int):
    """Who else has this contact's edit form open (JSON); renews the caller's presence."""
    return _poll("contact", _contact_id(number, contact_id))


@bp.post(f"{CONTACT}/leave")
@role_required("editor")
def contact_leave(number: str, contact_id: int):
    """The contact's edit form was left."""
    return _leave("contact", _contact_id(number, contact_id))


bp.add_app_template_global(services.poll_seconds, "presence_poll_seconds")
