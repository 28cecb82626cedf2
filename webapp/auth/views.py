"""Sign in, sign out, change one's password; the guard that every other page is behind."""

from __future__ import annotations

import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie

from webapp.audit import services as audit
from webapp.auth import services
from webapp.auth.forms import ButtonForm, LocaleForm, LoginForm, PasswordForm
from webapp.auth.models import User
from webapp.core import metrics
from webapp.core.i18n import gettext as _
from webapp.core.i18n import lazy_gettext as _l
from webapp.errors import API_PREFIX, ValidationError
from webapp.extensions import db
from webapp.myaccounts import services as reduced
from webapp.twofactor import pending
from webapp.twofactor import services as twofactor

bp = Blueprint("auth", __name__)

GENERIC_ERROR = _l("Wrong email or password, or this account may not use the dashboard.")
PUBLIC_ENDPOINTS = {"auth.login", "twofactor.code", "core.healthz", "static"}
# Endpoints that check an ``Authorization`` header themselves when one is sent.
BEARER_ENDPOINTS = {"observability.metrics"}
PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.logout", "auth.set_locale"}
# With pending.ENROL_FLAG set (two-factor required, none set up): only these pages until then.
ENROL_ENDPOINTS = {"twofactor.enrol", "twofactor.recovery_codes"} | PASSWORD_CHANGE_ENDPOINTS
# Activity is written to the session at most once a minute: writing it on every request
# re-signed and re-sent the cookie each time, for a 30-minute idle timeout.
LAST_SEEN_STEP = 60


def _to_login():
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.before_app_request
def guard():
    """Every page but sign-in, the health check and static files needs a live staff session.

    Unknown URLs redirect too, so an anonymous visitor learns nothing about which exist.
    """
    if request.endpoint in PUBLIC_ENDPOINTS or request.path.startswith(API_PREFIX):
        return None  # the API authenticates each request by its bearer token, never a cookie
    if request.endpoint in BEARER_ENDPOINTS and "Authorization" in request.headers:
        return None
    if not current_user.is_authenticated:
        return _to_login()
    if services.session_expired():
        session.clear()
        logout_user()
        flash(_("Your session expired; please sign in again."), "info")
        return _to_login()
    if not current_user.may("viewer"):
        reduced.enforce(request.endpoint, request.view_args)  # a member admin: default deny
    if time.time() - session.get("last_seen", 0) > LAST_SEEN_STEP:
        session["last_seen"] = time.time()
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        flash(_("Choose a new password before you go on."), "warning")
        return redirect(url_for("auth.change_password"))
    if session.get(pending.ENROL_FLAG) and request.endpoint not in ENROL_ENDPOINTS:
        flash(_("Set up two-factor sign-in before you go on."), "warning")
        return redirect(url_for("twofactor.enrol"))
    return None


@bp.app_context_processor
def permissions() -> dict[str, bool]:
    """Flags the templates use to show only the links and buttons a user may use.

    ``reduced_view``: a member admin (signed in, no staff role), who may manage contacts.
    """
    user = current_user
    return {
        "can_edit": bool(user.is_authenticated and user.may("editor")),
        "can_admin": bool(user.is_authenticated and user.may("admin")),
        "reduced_view": bool(user.is_authenticated and not user.may("viewer")),
    }


@user_loaded_from_cookie.connect
def _session_from_cookie(sender, user) -> None:
    services.start_session(remember=True)
    if user.is_staff and not user.has_two_factor and twofactor.is_required():  # rare
        session[pending.ENROL_FLAG] = True


def _home(user: User) -> str:
    """The accounts list for staff; a member admin's own accounts for the reduced view."""
    return url_for("accounts.index" if user.may("viewer") else "myaccounts.index")


def _next_url(user: User) -> str:
    """A safe local ``next`` this user may open, else their home page."""
    target = request.args.get("next")
    if not services.is_safe_next(target):
        return _home(user)
    return target if user.may("viewer") or reduced.may_open(target) else _home(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; on success start a fresh session and go to a safe ``next``."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.errors else 200
    address = services.client_address()
    wait = services.retry_after(form.email.data, address)
    if wait is not None:
        metrics.throttled_sign_in()
        return (
            render_template("auth/throttled.html", minutes=wait // 60),
            429,
            {"Retry-After": str(wait)},
        )
    user = services.authenticate(form.email.data, form.password.data, address)
    db.session.commit()
    if user is None:
        return render_template("auth/login.html", form=form, error=GENERIC_ERROR)
    if user.has_two_factor:
        pending.begin(user, form.remember.data, _next_url(user))
        return redirect(url_for("twofactor.code"), 303)
    # Read on this path only, never on ordinary pages; staff only: member admins do not enrol.
    must_enrol = user.is_staff and twofactor.is_required()
    services.sign_in(user, form.remember.data)
    if must_enrol:
        session[pending.ENROL_FLAG] = True
        return redirect(url_for("twofactor.enrol"), 303)
    return redirect(_next_url(user), 303)


@bp.post("/logout")
def logout():
    """End the session (POST with a CSRF token only; a GET is 405)."""
    if ButtonForm().validate_on_submit():
        user = current_user._get_current_object()
        audit.record("logout", actor=user, obj=user, client_addr=services.client_address())
        db.session.commit()
        session.clear()
        logout_user()  # after clear: it leaves the flag that deletes the remember-me cookie
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Change one's own password; every other session of this user ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(
                user, form.old_password.data, form.new_password.data, services.client_address()
            )
        except ValidationError as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            db.session.commit()
            login_user(user)  # this session carries the new token; the others no longer match
            flash(_("Your password was changed; other sessions have been signed out."), "success")
            return redirect(_home(user), 303)
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form, locale_form=_locale_form()), status


def _locale_form() -> LocaleForm:
    return LocaleForm(locale=current_user.locale or "", formdata=None)


@bp.post("/language")
def set_locale():
    """Keep the user's language (or follow the browser again), then back to the settings."""
    form = LocaleForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 400
        page = render_template("auth/password.html", form=PasswordForm(), locale_form=form)
        return page, status
    user = current_user._get_current_object()
    services.set_locale(user, form.locale.data or None, services.client_address())
    db.session.commit()
    flash(_("Your language setting was saved."), "success")
    return redirect(url_for("auth.change_password"), 303)
