"""Managing staff users: create, change role, (de)activate, reset a password.

Every change is audited in the same transaction; the last active admin can never be removed.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from webapp.audit import services as audit
from webapp.auth.models import User
from webapp.auth.services import create_user
from webapp.core.cache import safe_cache
from webapp.core.i18n import gettext as _
from webapp.errors import ValidationError
from webapp.extensions import db

__all__ = ["change_role", "create_staff", "reset_password", "set_active", "staff_users"]

ONE_TIME_SECONDS = 600


def staff_users() -> list[User]:
    """Every user with a staff role, admins first."""
    return list(
        db.session.scalars(
            select(User).where(User.role.is_not(None)).order_by(User.role, func.lower(User.email))
        )
    )


def _keep_an_admin(user: User, role: str | None, active: bool) -> None:
    """Refuse a change that would leave no active admin (the admins' rows are locked)."""
    if not (user.role == "admin" and user.is_active) or (role == "admin" and active):
        return
    admins = db.session.scalars(
        select(User.id).where(User.role == "admin", User.is_active.is_(True)).with_for_update()
    ).all()
    if [i for i in admins if i != user.id] == []:
        raise ValidationError("role", _("At least one active admin must remain."))


def create_staff(email: str, role: str, password: str | None, by: User) -> tuple[User, str | None]:
    """Create a staff user; returns it and the temporary password when one was generated."""
    temporary = None if password else secrets.token_urlsafe(12)
    user = create_user(email, password or temporary, role)
    user.must_change_password = temporary is not None
    audit.record(
        "user.create",
        actor=by,
        obj=user,
        changes={"email": [None, user.email], "role": [None, role]},
    )
    return user, temporary


def change_role(user: User, role: str, by: User) -> None:
    """Give a staff user another role."""
    if role == user.role:
        return
    _keep_an_admin(user, role, user.is_active)
    audit.record("user.role_change", actor=by, obj=user, changes={"role": [user.role, role]})
    user.role = role


def set_active(user: User, active: bool, by: User) -> None:
    """Deactivate (their sessions end at once) or reactivate a staff user."""
    if active == user.is_active:
        return
    _keep_an_admin(user, user.role, active)
    audit.record(
        "user.activate" if active else "user.deactivate",
        actor=by,
        obj=user,
        changes={"is_active": [user.is_active, active]},
    )
    user.is_active = active


def reset_password(user: User, by: User) -> str:
    """Set a temporary password, to be changed at next sign-in; other sessions end."""
    temporary = secrets.token_urlsafe(12)
    user.set_password(temporary)
    user.must_change_password = True
    audit.record("user.password_reset", actor=by, obj=user, changes={"password": "changed"})
    return temporary


def stash_once(text: str) -> str:
    """Keep a secret for one viewing (10 minutes at most); returns the key to fetch it by."""
    key = secrets.token_urlsafe(16)
    safe_cache.set(f"one-time:{key}", text, timeout=ONE_TIME_SECONDS)
    return key


def take_once(key: str) -> str | None:
    """The secret stored under ``key``, removed as it is read."""
    value = safe_cache.get(f"one-time:{key}")
    safe_cache.delete(f"one-time:{key}")
    return value
