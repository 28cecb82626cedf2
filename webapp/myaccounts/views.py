"""A member admin's landing page: the accounts they administer, and nothing else."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from webapp.myaccounts import services

bp = Blueprint("myaccounts", __name__, url_prefix="/my")


@bp.get("/accounts")
def index():
    """The active accounts on which the signed-in user is a member admin (the reduced home)."""
    accounts = services.administered_accounts(current_user.id)
    return render_template("myaccounts/index.html", accounts=accounts)
