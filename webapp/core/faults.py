"""The database failing: which errors mean "unavailable", and an error page that needs no SQL.

A request whose database connection fails answers 503 with ``Retry-After``. The handler first
puts the request in a state where nothing can reach the broken session again: the session is
rolled back and removed (errors from that are swallowed: the link is already known to be down),
and the signed-in user is replaced, for the rest of the request, by what was already in memory.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import current_app, g
from sqlalchemy import exc as sa
from sqlalchemy import inspect

from webapp.extensions import db

__all__ = ["RETRY_AFTER_SECONDS", "UserInMemory", "is_unavailable", "settle"]

RETRY_AFTER_SECONDS = 5
# SQLite's words for "someone else holds the file" or "the file cannot be reached".
SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o error", "readonly database")

try:  # the PostgreSQL driver's own class, raised when psycopg is used without SQLAlchemy
    from psycopg import InterfaceError as PgInterfaceError
    from psycopg import OperationalError as PgOperationalError
except ImportError:  # pragma: no cover - psycopg is a dependency, but SQLite works without it
    PgInterfaceError = PgOperationalError = ()  # type: ignore[assignment,misc]

DRIVER_ERRORS: tuple[type[BaseException], ...] = (
    sa.DBAPIError,
    sa.TimeoutError,  # the pool had no connection to give within its timeout
    PgOperationalError,  # type: ignore[misc]
    PgInterfaceError,  # type: ignore[misc]
)


def is_unavailable(error: BaseException) -> bool:
    """True when ``error`` says the database cannot be reached now (retry later), not a bug."""
    if isinstance(error, (sa.TimeoutError, PgOperationalError, PgInterfaceError)):
        return True
    if not isinstance(error, sa.DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, sa.InterfaceError):
        return True
    if isinstance(error.orig, sqlite3.OperationalError):
        message = str(error.orig).lower()  # "no such table" is a bug, not an outage
        return any(words in message for words in SQLITE_UNAVAILABLE)
    return isinstance(error, sa.OperationalError)


class UserInMemory:
    """The signed-in user as far as memory knows them: enough for the layout, never a query."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, email: str, role: str | None) -> None:
        self.email, self.role = email, role

    def get_id(self) -> None:
        """No id: this stand-in must never be written to the session cookie."""
        return None

    def may(self, minimum_role: str) -> bool:
        """True when the remembered role is at least ``minimum_role``."""
        from webapp.auth.models import ROLE_RANK

        return ROLE_RANK.get(self.role or "", 0) >= ROLE_RANK[minimum_role]


def _user_in_memory() -> Any:
    """The loaded user's email and role if both are in memory, else an anonymous user."""
    user = g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    loaded = state.dict if state is not None else {}
    if "email" in loaded and "role" in loaded:
        return UserInMemory(loaded["email"], loaded["role"])
    if user is not None and state is None:
        return user  # already anonymous (or a stand-in): nothing to load
    return current_app.login_manager.anonymous_user()


def settle() -> None:
    """Drop the broken session and pin the current user to memory, so the page needs no SQL."""
    user = _user_in_memory()
    for step in (db.session.rollback, db.session.remove):
        try:
            step()
        except Exception:  # the connection is gone; SQLAlchemy has already invalidated it
            current_app.logger.debug("cleanup after a database failure failed", exc_info=True)
    # Flask-Login keeps the request's user in g._login_user; setting it here means
    # ``current_user`` never calls the user loader (a query) again in this request.
    g._login_user = user
