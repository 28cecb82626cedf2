"""Signing staff in and out, and creating users (no commits here: callers commit once)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select

from webapp.auth.models import DUMMY_HASH, STAFF_ROLES, User
from webapp.core.types import utcnow
from webapp.errors import ValidationError
from webapp.extensions import db

__all__ = ["authenticate", "create_user", "is_safe_next", "load_user"]


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the active staff user whose id and session token match."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or user.session_token != token or not user.is_staff:
        return None
    return user


def find_user(email: str) -> User | None:
    """The user with this email, whatever its case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active staff user with these credentials, or None; the same work either way."""
    user = find_user(email or "")
    if user is None:
        User(password_hash=DUMMY_HASH).check_password(password or "")
        return None
    if not user.check_password(password or "") or not user.is_staff:
        return None
    user.last_login_at = utcnow()
    return user


def create_user(email: str, password: str | None, role: str | None) -> User:
    """Add a user to the session (a staff user when ``role`` is given)."""
    if role is not None and role not in STAFF_ROLES:
        raise ValidationError("role", f"Unknown role; choose one of {', '.join(STAFF_ROLES)}.")
    user = User(email=email, role=role)
    if password is not None:
        user.email = email.strip().lower()
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def is_safe_next(target: str | None) -> bool:
    """True for a local path only: no scheme, no host, no ``//`` or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
