"""Writing audit events (in the caller's transaction) and counting recent sign-in failures."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select

from webapp.audit.models import AuditEvent
from webapp.core.types import utcnow
from webapp.extensions import db

__all__ = ["SECRET_FIELDS", "failures_since", "new_batch", "record", "record_many", "redact"]

SECRET_FIELDS = frozenset({"password", "password_hash", "session_token", "totp_secret"})


def redact(changes: dict[str, Any]) -> dict[str, Any]:
    """Secrets are recorded as "changed", never with their values."""
    return {
        field: "changed" if field in SECRET_FIELDS else value for field, value in changes.items()
    }


def new_batch() -> str:
    """A fresh id naming the events one action writes together."""
    return secrets.token_hex(16)


def _account_id(obj: Any) -> int | None:
    """The account an object belongs to: the account itself, or a related record's owner."""
    if getattr(obj, "__tablename__", None) == "account":
        return obj.id
    return getattr(obj, "account_id", None)


def record(
    action: str,
    *,
    actor: Any = None,
    obj: Any = None,
    changes: dict | None = None,
    email: str = "",
    client_addr: str = "",
    batch: str | None = None,
    undo_of: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it commits (or rolls back) with the change itself."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor=_label(actor),
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "id", "") or "") if obj is not None else "",
        account_id=_account_id(obj),
        email=(email or "").strip().lower()[:320],
        client_addr=client_addr or "",
        changes=redact(changes or {}),
        batch=batch,
        undo_of=undo_of,
    )
    db.session.add(event)
    return event


def _label(actor: Any) -> str:
    return getattr(actor, "email", None) or (actor if isinstance(actor, str) else "system")


def record_many(
    events: list[tuple[str, int, dict[str, Any]]], *, object_type: str, actor: Any = None
) -> None:
    """Insert many account events in one statement (imports): (action, account id, changes)."""
    if not events:
        return
    common = {"actor_id": getattr(actor, "id", None), "actor": _label(actor)}
    common |= {"object_type": object_type, "email": "", "client_addr": "", "created_at": utcnow()}
    rows = [
        {**common, "action": action, "object_id": str(ident), "account_id": ident,
         "changes": redact(changes)}
        for action, ident, changes in events
    ]  # fmt: skip
    db.session.execute(insert(AuditEvent), rows)


def failures_since(since: datetime, email: str, client_addr: str) -> tuple[int, int]:
    """How many failed sign-ins since ``since`` named this email, and came from this address."""
    email = (email or "").strip().lower()
    rows = db.session.execute(
        select(
            func.count().filter(AuditEvent.email == email),
            func.count().filter(AuditEvent.client_addr == client_addr),
        ).where(
            AuditEvent.action == "login.failure",
            AuditEvent.created_at >= since,
            or_(AuditEvent.email == email, AuditEvent.client_addr == client_addr),
        )
    ).one()
    return int(rows[0]), int(rows[1])


def window_start(minutes: int) -> datetime:
    """The start of a sliding window ending now."""
    return utcnow() - timedelta(minutes=minutes)
