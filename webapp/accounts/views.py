"""Account screens (a placeholder list until the accounts screens land)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import func, select

from webapp.accounts.models import Account
from webapp.extensions import db

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.get("/")
@login_required
def index():
    """The accounts page: for now, how many accounts exist."""
    total = db.session.scalar(select(func.count()).select_from(Account))
    return render_template("accounts/index.html", total=total)
