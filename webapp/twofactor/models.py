"""Single-use recovery codes and the deployment-wide settings (such as "require two-factor")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.types import UTCDateTime
from webapp.extensions import db

__all__ = ["AppSetting", "RecoveryCode"]


class RecoveryCode(db.Model):
    """One recovery code of a user: only its SHA-256 is kept, and when it was used."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # SHA-256 suffices: each code is 50 random bits, not a password a person chose.
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AppSetting(db.Model):
    """A deployment-wide setting an admin changes on a screen: a key and its text value."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
