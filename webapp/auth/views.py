"""Sign in and sign out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import services
from webapp.auth.forms import LoginForm, LogoutForm
from webapp.extensions import db

bp = Blueprint("auth", __name__)

GENERIC_ERROR = "Wrong email or password, or this account may not use the dashboard."
PUBLIC_ENDPOINTS = {"auth.login", "core.healthz", "static"}


@bp.before_app_request
def require_login():
    """Every page but sign-in, the health check and static files needs a signed-in user.

    Unknown URLs redirect too, so an anonymous visitor learns nothing about which exist.
    """
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _next_url() -> str:
    target = request.args.get("next")
    return target if services.is_safe_next(target) else url_for("accounts.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; on success start a fresh session and go to a safe ``next``."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()
            login_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(_next_url(), 303)
        error = GENERIC_ERROR
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    """End the session (POST with a CSRF token only)."""
    if LogoutForm().validate_on_submit():
        logout_user()
        session.clear()
        flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), 303)
