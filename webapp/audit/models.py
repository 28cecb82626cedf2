"""The audit trail: one append-only row per recorded change or sign-in event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.types import UTCDateTime, utcnow
from webapp.extensions import db

__all__ = ["AuditEvent"]


class AuditEvent(db.Model):
    """Who did what to which object, when, from where; with old and new values per field.

    ``actor_id`` is a plain number (no foreign key) so entries outlive the users they name;
    ``actor`` keeps the email, or "system" / "cli" / "anonymous".
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_action_email_created_at", "action", "email", "created_at"),
        Index(
            "ix_audit_event_action_client_addr_created_at", "action", "client_addr", "created_at"
        ),
        Index("ix_audit_event_object", "object_type", "object_id", "created_at"),
        Index("ix_audit_event_account_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(320), default="system")
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    # The account the event belongs to (the account itself or one of its related records).
    account_id: Mapped[int | None] = mapped_column(Integer)
    client_addr: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Events written together by one action (a bulk change, a default moved): undone together.
    batch: Mapped[str | None] = mapped_column(String(32), index=True)
    # For an undo: the event (the first of its batch) that it reversed.
    undo_of: Mapped[int | None] = mapped_column(Integer, index=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id} by {self.actor}>"
