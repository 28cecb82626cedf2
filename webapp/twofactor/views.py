"""The second sign-in step, enrolment, and one's own two-factor settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user

from webapp.auth import services as auth
from webapp.auth.models import User
from webapp.core import metrics
from webapp.core.i18n import gettext as _
from webapp.core.i18n import lazy_gettext as _l
from webapp.extensions import db
from webapp.twofactor import pending, services
from webapp.twofactor.forms import CodeForm, ConfirmPasswordForm, EnrolForm

bp = Blueprint("twofactor", __name__)

WRONG_CODE = _l("This code is not valid. Try the next code of your app, or a recovery code.")
SECRET_KEY = "2fa_secret"  # the secret being enrolled, until its first code is confirmed
CODES_KEY = "2fa_codes"  # new recovery codes, until their one showing


def _throttled(wait: int):
    metrics.throttled_sign_in()
    page = render_template("auth/throttled.html", minutes=wait // 60)
    return page, 429, {"Retry-After": str(wait)}


def _me() -> User:
    """The signed-in user as a row of this request's session (for changes and the secret)."""
    return db.session.get(User, current_user.id)


@bp.route("/login/code", methods=["GET", "POST"])
def code():
    """The second sign-in step; without a live password step, back to sign-in."""
    found = pending.pending_user()
    if found is None:
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    user, state = found
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("twofactor/code.html", form=form), 422 if form.errors else 200
    address = auth.client_address()
    wait = auth.retry_after(user.email, address)
    if wait is not None:
        return _throttled(wait)
    method = services.second_step(user, form.code.data, address)
    db.session.commit()
    if method is None:
        return render_template("twofactor/code.html", form=form, error=WRONG_CODE), 422
    auth.sign_in(user, state.get("remember", False))
    if method == "recovery":
        left = services.unused_recovery_codes(user)
        flash(_("You used a recovery code; %(left)s are left.", left=left), "warning")
    return redirect(state.get("next") or url_for("accounts.index"), 303)


@bp.route("/2fa/enrol", methods=["GET", "POST"])
def enrol():
    """Set up an authenticator app: a QR code and its secret, then a code to confirm."""
    if current_user.has_two_factor:
        return redirect(url_for("twofactor.settings"))
    secret = session.setdefault(SECRET_KEY, services.new_secret())
    form = EnrolForm()
    if form.validate_on_submit():
        user = _me()
        codes = services.enrol(user, secret, form.code.data, auth.client_address())
        if codes is not None:
            db.session.commit()
            for key in (SECRET_KEY, pending.ENROL_FLAG):
                session.pop(key, None)
            session[CODES_KEY] = codes
            return redirect(url_for("twofactor.recovery_codes"), 303)
        form.code.errors.append(_("This code does not match; check the app and try again."))
    svg = services.qr_svg(secret, current_user.email)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    page = render_template("twofactor/enrol.html", form=form, qr=svg, secret=grouped)
    return page, 422 if form.errors else 200


@bp.get("/2fa/recovery-codes")
def recovery_codes():
    """The new recovery codes, shown once: reloading shows them no more."""
    return render_template("twofactor/recovery_codes.html", codes=session.pop(CODES_KEY, None))


def _settings(status: int = 200, error: str | None = None, form: ConfirmPasswordForm | None = None):
    user = _me()
    unused = services.unused_recovery_codes(user) if user.has_two_factor else 0
    return render_template(
        "twofactor/settings.html",
        enabled=user.has_two_factor,
        unused=unused,
        required=services.is_required(),
        form=form or ConfirmPasswordForm(),
        error=error,
    ), status


@bp.get("/2fa")
def settings():
    """One's own two-factor sign-in: its state, new recovery codes, turning it off."""
    return _settings()


def _confirmed() -> tuple[User | None, ConfirmPasswordForm]:
    """The user when the form is valid and its password is theirs; else None."""
    form = ConfirmPasswordForm()
    user = _me()
    if not form.validate_on_submit() or not user.has_two_factor:
        return None, form
    address = auth.client_address()
    if auth.retry_after(user.email, address) is not None:
        abort(429)  # the sign-in limit guards this password check too
    if not user.check_password(form.password.data or ""):
        services.password_failure(user, address)
        db.session.commit()
        form.password.errors.append(_("This is not your password."))
        return None, form
    return user, form


@bp.post("/2fa/recovery-codes/new")
def regenerate():
    """Ten new recovery codes (password required); the old ones stop working."""
    user, form = _confirmed()
    if user is None:
        return _settings(422, form=form)
    session[CODES_KEY] = services.regenerate_recovery_codes(user, auth.client_address())
    db.session.commit()
    return redirect(url_for("twofactor.recovery_codes"), 303)


@bp.post("/2fa/disable")
def disable():
    """Turn two-factor sign-in off (password required), unless admins require it."""
    user, form = _confirmed()
    if user is None:
        return _settings(422, form=form)
    if services.is_required():
        return _settings(409, _("Two-factor sign-in is required for every staff user."))
    services.disable(user, auth.client_address())
    db.session.commit()
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("twofactor.settings"), 303)
