"""Signing staff in and out, throttling, session lifetimes and roles (callers commit once)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, request, session
from flask_login import current_user, login_user
from sqlalchemy import func, select

from webapp.audit import services as audit
from webapp.auth.models import ROLE_RANK, STAFF_ROLES, User, dummy_hash
from webapp.core.i18n import gettext as _
from webapp.core.types import utcnow
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.myaccounts import services as reduced

__all__ = [
    "authenticate",
    "create_user",
    "is_safe_next",
    "load_user",
    "may_sign_in",
    "retry_after",
    "role_required",
    "session_expired",
    "sign_in",
    "start_session",
]

F = TypeVar("F", bound=Callable[..., Any])


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user whose id and session token match, if they may sign in.

    The user comes from the cache under the ``user`` generation, so a staff page reads no
    user row; any change to a user (role, is_active, password) outdates every cached user.
    """
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = User.get_cached(int(raw_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user if may_sign_in(user) else None


def may_sign_in(user: User) -> bool:
    """Staff (no SQL), or a member admin of an active account (one query, SPEC section 3)."""
    return user.is_staff or reduced.admit(user)


def find_user(email: str) -> User | None:
    """The user with this email, whatever its case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def client_address() -> str:
    """The client's address: the socket's, or the one a trusted proxy (ProxyFix) vouched for."""
    return request.remote_addr or ""


def retry_after(email: str, address: str) -> int | None:
    """Seconds to wait before this email or address may try again, or None when allowed."""
    limit = current_app.config["LOGIN_FAILURE_LIMIT"]
    window = current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
    by_email, by_address = audit.failures_since(audit.window_start(window), email, address)
    if max(by_email, by_address) < limit:
        return None
    return window * 60


def authenticate(email: str, password: str, address: str) -> User | None:
    """The user with these credentials who may sign in, or None; records the attempt either way."""
    user = find_user(email or "")
    if user is None:
        User(password_hash=dummy_hash()).check_password(password or "")
    elif user.check_password(password or "") and may_sign_in(user):
        # With two-factor, the sign-in succeeds only at the second step (webapp/twofactor).
        action = "login.password_ok" if user.has_two_factor else "login.success"
        if not user.has_two_factor:
            user.last_login_at = utcnow()
        audit.record(action, actor=user, obj=user, email=email, client_addr=address)
        return user
    audit.record("login.failure", actor="anonymous", email=email, client_addr=address)
    return None


def start_session(remember: bool) -> None:
    """Mark the times the new session's idle and absolute limits count from."""
    now = time.time()
    session["login_at"] = session["last_seen"] = now
    session["remember"] = bool(remember)
    session["sid"] = secrets.token_urlsafe(16)


def sign_in(user: User, remember: bool) -> None:
    """Log the (committed) user in on a fresh session."""
    User.get_cached(user.id)  # fresh after the commit: the next page reads no user row
    session.clear()
    login_user(user, remember=remember)
    start_session(remember)


def session_expired() -> bool:
    """True when the session was idle too long or lived past its absolute lifetime."""
    config = current_app.config
    now = time.time()
    login_at = session.get("login_at", now)
    last_seen = session.get("last_seen", now)
    if session.get("remember"):
        return now - login_at > config["REMEMBER_COOKIE_DURATION"].total_seconds()
    return (
        now - last_seen > config["IDLE_TIMEOUT_MINUTES"] * 60
        or now - login_at > config["SESSION_LIFETIME_HOURS"] * 3600
    )


def role_required(minimum: str) -> Callable[[F], F]:
    """Let through staff whose role is at least ``minimum`` (viewer < editor < admin); else 403.

    A member admin (no staff role) gets the page only where the reduced view allows it, else
    404: the guard has checked the same already, this keeps every view safe on its own.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not current_user.may("viewer"):
                reduced.enforce(request.endpoint, request.view_args)
            elif ROLE_RANK.get(current_user.role, 0) < ROLE_RANK[minimum]:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def create_user(email: str, password: str | None, role: str | None) -> User:
    """Add a user to the session (a staff user when ``role`` is given)."""
    if role is not None and role not in STAFF_ROLES:
        raise ValidationError("role", f"Unknown role; choose one of {', '.join(STAFF_ROLES)}.")
    user = User(email=(email or "").strip(), role=role)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, old: str, new: str, address: str) -> None:
    """Set a new password after checking the old one; every other session of the user ends."""
    if not user.check_password(old or ""):
        raise ValidationError("old_password", _("This is not your current password."))
    if old == new:
        message = _("Choose a password different from the current one.")
        raise ValidationError("new_password", message)
    try:
        user.set_password(new)
    except ValidationError as exc:
        raise ValidationError("new_password", exc.message) from None
    user.must_change_password = False
    audit.record(
        "password.change",
        actor=user,
        obj=user,
        changes={"password": "changed"},
        client_addr=address,
    )


def set_locale(user: User, locale: str | None, address: str) -> None:
    """Keep the user's language (None: follow the browser); audited like other settings."""
    if user.locale == locale:
        return
    changes = {"locale": [user.locale, locale]}
    user.locale = locale
    audit.record("user.locale", actor=user, obj=user, changes=changes, client_addr=address)


def is_safe_next(target: str | None) -> bool:
    """True for a local path only: no scheme, no host, no ``//`` or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
