"""Bearer tokens: create (the secret shown once), revoke, and authenticate; no commits here.

The secret is 32 random bytes, so a plain SHA-256 of it is a safe thing to store: nobody can
guess a preimage, and unlike a password hash it costs nothing to check on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from webapp.api.models import SCOPE_ROLE, SCOPES, ApiToken
from webapp.audit import services as audit
from webapp.auth.models import ROLE_RANK, User
from webapp.core.types import utcnow
from webapp.errors import ValidationError
from webapp.extensions import db

__all__ = ["Caller", "authenticate", "create_token", "revoke_token", "revoke_all", "tokens_of"]

SECRET_PREFIX = "aa_"  # recognisable in logs and by secret scanners
LAST_USED_STEP = timedelta(minutes=1)  # last_used_at is written at most this often
MAX_DAYS = 3650
DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Caller:
    """Who a request acts as: the token's user, with the role its scope leaves them."""

    id: int
    email: str
    role: str
    scope: str
    prefix: str

    def may(self, minimum_role: str) -> bool:
        """True when the capped role is at least ``minimum_role``."""
        return ROLE_RANK[self.role] >= ROLE_RANK[minimum_role]

    @property
    def label(self) -> str:
        """How the audit trail names this caller: the user and the token used."""
        return f"{self.email} via token {self.prefix}"[:320]

    @property
    def actor(self) -> Actor:
        """The audit trail's actor: the user's id, labelled with the token."""
        return Actor(self.id, self.label)


@dataclass(frozen=True)
class Actor:
    """What ``audit.record`` reads from an actor: an id and an email-like label."""

    id: int
    email: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def capped_role(role: str | None, scope: str) -> str | None:
    """The lower of the user's staff role and what the scope allows."""
    if role not in ROLE_RANK:
        return None
    cap = SCOPE_ROLE[scope]
    return role if ROLE_RANK[role] <= ROLE_RANK[cap] else cap


def check_allowed(user: User, scope: str, days: int) -> None:
    """Refuse a token its user may not have: a scope beyond the role, or a bad lifetime."""
    if scope not in SCOPES:
        raise ValidationError("scope", "Choose read or write.")
    if not user.is_staff:
        raise ValidationError("email", "Only active staff users may have API tokens.")
    if scope == "write" and not user.may("editor"):
        raise ValidationError("scope", f"A {user.role} may only have read tokens.")
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError("expires_days", f"Choose 1 to {MAX_DAYS} days.")


def create_token(user: User, scope: str, days: int, name: str = "", by: object = None) -> str:
    """Add a token for ``user`` and audit it; returns the secret, which is never stored."""
    check_allowed(user, scope, days)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=(name or "").strip()[:100],
        scope=scope,
        prefix=secret[: len(SECRET_PREFIX) + 8],
        token_hash=_digest(secret),
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    changes = {"scope": [None, scope], "expires_at": [None, token.expires_at.isoformat()]}
    audit.record("token.create", actor=by or "cli", obj=token, changes=changes)
    return secret


def revoke_token(token: ApiToken, by: object = None) -> bool:
    """Revoke one token (audited); False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    changes = {"revoked_at": [None, token.revoked_at.isoformat()]}
    audit.record("token.revoke", actor=by or "cli", obj=token, changes=changes)
    return True


def revoke_all(user: User, by: object = None) -> int:
    """Revoke every live token of ``user``; returns how many."""
    return sum(revoke_token(token, by) for token in tokens_of(user.id) if token.revoked_at is None)


def tokens_of(user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first."""
    stmt = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    return list(db.session.scalars(stmt))


def authenticate(secret: str) -> Caller | None:
    """The caller a live token of an active staff user stands for, or None."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or not token.is_live():
        return None
    user = db.session.get(User, token.user_id)
    role = capped_role(user.role, token.scope) if user is not None and user.is_staff else None
    if role is None:
        return None
    caller = Caller(user.id, user.email, role, token.scope, token.prefix)
    _touch(token)
    return caller


def _touch(token: ApiToken) -> None:
    """Record the use, at most once a minute (a write per request would double the load)."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_STEP:
        return
    token.last_used_at = now
    db.session.commit()
