"""Presence of an account's editors: the poll (JSON) and the leave beacon."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from flask_login import current_user
from flask_wtf import FlaskForm

from webapp.accounts.services import account_or_404
from webapp.auth.services import role_required
from webapp.presence import services

bp = Blueprint("presence", __name__, url_prefix="/accounts/<string(length=14):number>/presence")


@bp.get("")
@role_required("editor")
def poll(number: str):
    """Renew the caller's presence on the account's edit form; the other editors' names."""
    account = account_or_404(number)
    editors = services.arrive("account", account.id, current_user)
    response = jsonify(editors=editors, poll_seconds=services.poll_seconds())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/leave")
@role_required("editor")
def leave(number: str):
    """The edit form was left: drop the caller's presence now rather than at expiry (204)."""
    account = account_or_404(number)
    if not FlaskForm().validate_on_submit():
        abort(400)
    services.leave("account", account.id, current_user)
    return "", 204


bp.add_app_template_global(services.poll_seconds, "presence_poll_seconds")
