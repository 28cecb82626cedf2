"""Staff and platform users, their passwords, and resolving "the current user"."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypeAlias

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    String,
    exists,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column, relationship
from werkzeug.local import LocalProxy

from webapp.core import validators
from webapp.core.cache import ModelCache
from webapp.core.i18n import gettext as _
from webapp.core.models import TimestampMixin
from webapp.core.types import UTCDateTime
from webapp.errors import ConfigurationError, ValidationError
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.accounts.models.profile import UserProfile

__all__ = [
    "ROLE_RANK",
    "STAFF_ROLES",
    "ResolvedUserType",
    "User",
    "get_resolved_user",
    "is_authenticated_user",
]

STAFF_ROLES = ("admin", "editor", "viewer")
ROLE_RANK = {"viewer": 1, "editor": 2, "admin": 3}
# argon2id with the lightest of OWASP's equally strong settings (7 MiB, 5 passes, 1 lane; the
# cheat sheet lists it beside 19 MiB with 2 passes): a sign-in's hash is a worker's peak memory,
# and 19 MiB put a worker over its 80 MB budget. Stored hashes with other parameters still
# verify and are re-hashed at the next sign-in (check_password).
HASHER = PasswordHasher(time_cost=5, memory_cost=7 * 1024, parallelism=1)


@cache
def dummy_hash() -> str:
    """A hash to check against for unknown emails, so both cost the same (made on first use)."""
    return HASHER.hash(secrets.token_hex(16))


# Common bases: a password that is one of these plus digits or symbols is refused.
COMMON_PASSWORDS = frozenset(
    """password passw0rd qwerty qwertyuiop qwertyuiopas asdfghjkl iloveyou letmein welcome
    administrator admin changeme trustno1 football baseball sunshine princess abc monkey
    dragon master correcthorsebatterystaple secret login starwars whatever
    """.split()
)


def check_password_strength(password: Any, email: str | None = None) -> str:
    """A password of 12+ characters that is not the email and not a common password."""
    if not isinstance(password, str) or len(password) < 12:
        raise ValidationError("password", _("Use at least 12 characters."))
    lowered = password.lower()
    local_part = (email or "").lower().split("@")[0]
    if email and (lowered == email.lower() or (len(local_part) >= 4 and local_part in lowered)):
        raise ValidationError("password", _("The password must not contain the email address."))
    base = re.sub(r"[\d\W_]+$", "", lowered)
    if base in COMMON_PASSWORDS or not base or len(set(password)) < 4:
        raise ValidationError("password", _("This password is too common; choose another."))
    return password


class User(UserMixin, TimestampMixin, db.Model):
    """A person who signs in: staff with a role, or a platform user who is only a member."""

    __tablename__ = "user"
    __table_args__ = (CheckConstraint("role IN ('admin', 'editor', 'viewer')", name="role"),)
    # Signed-in users are read from here on each request; any change to any user outdates it.
    cache = ModelCache("user")

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    role: Mapped[str | None] = mapped_column(String(16))
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in (webapp/twofactor): the base32 TOTP secret is deferred, so the cached
    # signed-in user (shared cache) never carries it; only the sign-in path reads it.
    totp_secret: Mapped[str | None] = deferred(mapped_column(String(64)))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The dashboard's language for this user; None follows the browser (webapp/core/i18n.py).
    locale: Mapped[str | None] = mapped_column(String(8))

    user_profiles: Mapped[list[UserProfile]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def __init__(self, **fields: Any) -> None:
        fields.setdefault("is_active", True)
        fields.setdefault("session_token", secrets.token_hex(16))
        super().__init__(**fields)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role or 'platform'}>"

    @classmethod
    def get_cached(cls, pk: int) -> User | None:
        """The user with this id, from the cache (no SQL on a hit) or the database."""
        return cls.cache.fetch("pk", pk, lambda: db.session.get(cls, pk, populate_existing=True))

    def get_id(self) -> str:
        """Flask-Login's id: the row id and the session token, so a new token ends old sessions."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_staff(self) -> bool:
        """True for an active user with a staff role (who may use the dashboard)."""
        return bool(self.is_active and self.role in STAFF_ROLES)

    @property
    def has_two_factor(self) -> bool:
        """True when this user signs in with a code from an authenticator app too."""
        return self.totp_enabled_at is not None

    def may(self, minimum_role: str) -> bool:
        """True when this user's role is at least ``minimum_role`` (viewer < editor < admin)."""
        return self.is_staff and ROLE_RANK.get(self.role or "", 0) >= ROLE_RANK[minimum_role]

    def set_password(self, password: str) -> None:
        """Check the password's strength, store its argon2 hash and end other sessions."""
        check_password_strength(password, self.email)
        self.password_hash = HASHER.hash(password)
        self.session_token = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        """True when the password matches; re-hashes it when the hash parameters changed."""
        try:
            HASHER.verify(self.password_hash or dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return False
        if self.password_hash is None:
            return False
        if HASHER.check_needs_rehash(self.password_hash):
            self.password_hash = HASHER.hash(password)
        return True

    def clean(self, session: Session) -> None:
        """Normalise the email (lower case), keep it unique, and refuse an unknown role."""
        self.email = validators.email(self.email).lower()
        if self.role == "":
            self.role = None
        if self.role is not None and self.role not in STAFF_ROLES:
            raise ValidationError("role", _("Choose admin, editor or viewer."))
        taken = exists().where(func.lower(User.email) == self.email, User.id != (self.id or 0))
        with session.no_autoflush:
            if session.scalar(select(taken)):
                raise ValidationError("email", _("A user with this email already exists."))


Index("uq_user_email", func.lower(User.email), unique=True)


ResolvedUserType: TypeAlias = User | AnonymousUserMixin | Any | None
"""What ``get_resolved_user`` returns: a user, an anonymous user, a test double, or None."""


def get_resolved_user(user: Any) -> ResolvedUserType:
    """The concrete user behind ``user`` (Flask-Login's ``current_user`` proxy resolved)."""
    if user is None:
        return None
    if isinstance(user, LocalProxy):
        user = user._get_current_object()  # type: ignore[attr-defined]
        if user is None:
            return None
    if isinstance(user, (User, AnonymousUserMixin, UserMixin)):
        return user
    if not isinstance(user, (str, bytes, int, float)) and hasattr(user, "is_authenticated"):
        return user
    raise ConfigurationError(
        f"Expected a user, an anonymous user or None, not {type(user).__name__}."
    )


def is_authenticated_user(user: Any) -> bool:
    """True only for an authenticated user; never raises."""
    try:
        resolved = get_resolved_user(user)
        return resolved is not None and resolved.is_authenticated is True
    except Exception:
        return False
