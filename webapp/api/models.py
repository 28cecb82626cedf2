"""Bearer tokens, the API's one-time request keys and its database rate counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.types import UTCDateTime, utcnow
from webapp.extensions import db

__all__ = ["ApiRequestKey", "ApiToken", "RateCounter"]

SCOPES = ("read", "write")
SCOPE_ROLE = {"read": "viewer", "write": "admin"}  # the most a scope lets a user do


class ApiToken(db.Model):
    """A bearer token: it acts as its user, capped by its scope; only its hash is stored."""

    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100), default="")
    scope: Mapped[str] = mapped_column(String(8))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def is_live(self, now: datetime | None = None) -> bool:
        """True while the token is neither revoked nor expired."""
        return self.revoked_at is None and self.expires_at > (now or utcnow())


class ApiRequestKey(db.Model):
    """A POST's ``Idempotency-Key``: the request's fingerprint and, once done, its answer."""

    __tablename__ = "api_request_key"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)


class RateCounter(db.Model):
    """Requests counted in one fixed window, when no Redis is configured (all hosts share it)."""

    __tablename__ = "rate_counter"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
