"""One-time form keys: a form sent twice (back button, double click, retry) is saved once.

Every form that writes carries a random ``write_key`` made when the form is rendered. The
write's transaction starts by inserting the key (``claim``); the view ends with ``finish``,
which stores the answer (the redirect's Location and the flash) on the key's row and commits
it together with the change. A second POST with the same key collides with the row: on
PostgreSQL its INSERT waits on the unique key until the first transaction ends, on SQLite on
the write lock; it then finds the stored answer and repeats it (``replay``), writing nothing.
A write that fails rolls back its key with it, so the corrected form may use the same key.
Keys older than ``KEEP`` are purged now and then by ``claim`` and by ``flask keys purge``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import Flask, abort, flash, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import Integer, String, Text, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.wrappers import Response

from webapp.core.types import UTCDateTime, utcnow
from webapp.extensions import db

__all__ = [
    "KEEP",
    "WriteKey",
    "claim",
    "finish",
    "init_app",
    "new_key",
    "purge",
    "replay",
    "replay_missing",
]

KEEP = timedelta(hours=24)
PURGE_ONE_IN = 500  # one claim in this many also deletes expired keys (an indexed range delete)
KEY_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
OTHER_USER = "This form was opened by another user. Reload the page and try again."
LOST = "This form was sent twice at once and its first answer is gone. Reload and check."


class WriteKey(db.Model):
    """A form's one-time key and, once its write committed, the answer it gave."""

    __tablename__ = "idempotency_key"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    location: Mapped[str | None] = mapped_column(String(2000))
    message: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(16))


def new_key() -> str:
    """A fresh random key for one rendering of one form."""
    return secrets.token_urlsafe(16)


def claim(key: str, user_id: int) -> None:
    """Reserve ``key`` in the current transaction; a key already used answers as it did then."""
    row = WriteKey(key=key, user_id=user_id, created_at=utcnow(), status="pending")
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        replay(key, user_id)
        abort(409, LOST)  # the key went (purged) between our INSERT and our read
    g.write_key = row
    if secrets.randbelow(PURGE_ONE_IN) == 0:
        purge()


def replay(key: str, user_id: int) -> None:
    """If ``key`` was used, abort with the first answer (or 422 when it is another user's)."""
    row = db.session.get(WriteKey, key)
    if row is None:
        return
    if row.user_id != user_id:
        abort(422, OTHER_USER)
    abort(_answer(row))


def replay_missing() -> Response | None:
    """For a POST that found nothing (404): its first copy's answer, if that copy deleted it."""
    key = request.form.get("write_key", "")
    if not key or not current_user.is_authenticated:
        return None
    row = db.session.get(WriteKey, key[:64])
    if row is None or row.user_id != current_user.id:
        return None
    return _answer(row)


def _answer(row: WriteKey) -> Response:
    """The stored answer again: the same flash and the same 303."""
    if row.message:
        flash(row.message, row.category or "success")
    return redirect(row.location or url_for("accounts.index"), 303)


def finish(message: str | None, location: str, category: str = "success") -> Response:
    """Record the answer on the claimed key, commit the write, flash and redirect (303)."""
    row = g.pop("write_key", None)
    if row is not None:
        row.status, row.location, row.message, row.category = "done", location, message, category
    db.session.commit()
    if message:
        flash(message, category)
    return redirect(location, 303)


def purge(now: datetime | None = None) -> int:
    """Delete keys older than ``KEEP``; returns how many went."""
    cutoff = (now or utcnow()) - KEEP
    result = db.session.execute(delete(WriteKey).where(WriteKey.created_at < cutoff))
    return result.rowcount or 0


def init_app(app: Flask) -> None:
    """Give templates ``write_key()`` for hand-written forms (lone buttons, inline selects)."""
    app.add_template_global(new_key, "write_key")
