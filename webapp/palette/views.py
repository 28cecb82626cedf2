"""The palette's answers: JSON for the script, and the same results as a page without it."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request
from flask_login import current_user

from webapp.auth.services import role_required
from webapp.core.replica import replica_reads
from webapp.palette import services

bp = Blueprint("palette", __name__)


@bp.app_context_processor
def palette_flag() -> dict[str, bool]:
    """Whether this page offers the search box and its shortcuts (staff only)."""
    return {"can_search": bool(current_user.is_authenticated and current_user.may("viewer"))}


@bp.get("/search")
@role_required("viewer")
@replica_reads
def page():
    """Accounts, pages and actions matching ``q``; an exact account number goes straight there."""
    results = services.find(request.args.get("q", ""), current_user)
    if results.jump:
        return redirect(results.jump)
    return render_template("palette/results.html", results=results)


@bp.get("/search/palette")
@role_required("viewer")
@replica_reads
def results():
    """The palette's results as JSON: ``{"q", "jump", "results": [{kind, label, detail, url}]}``."""
    return jsonify(services.find(request.args.get("q", ""), current_user).as_json())
