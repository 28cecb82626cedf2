"""Database connection settings and the list of model modules Alembic must see."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError

from webapp.extensions import db


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys on, WAL for concurrent readers, and a wait instead of 'database is locked'."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


def import_models() -> None:
    """Import every model module so the metadata (and Alembic) knows every table."""
    import webapp.accounts.models  # noqa: F401
    import webapp.api.models  # noqa: F401
    import webapp.audit.models  # noqa: F401
    import webapp.core.events  # noqa: F401
    import webapp.core.idempotency  # noqa: F401
    import webapp.imports.models  # noqa: F401
    import webapp.savedviews.models  # noqa: F401
    import webapp.twofactor.models  # noqa: F401


def _count_statement(*_: Any) -> None:
    """One more SQL statement for the request being answered (any engine, replicas too)."""
    if has_request_context():
        g.sql_count = g.get("sql_count", 0) + 1


def _start_count() -> None:
    # A test may push one app context around many requests, so ``g`` can outlive a request.
    g.sql_count = 0


def _count_header(response: Response) -> Response:
    response.headers["X-SQL-Count"] = str(statement_count())
    return response


def statement_count() -> int:
    """How many SQL statements this request has run so far."""
    return g.get("sql_count", 0)


def count_statements(app: Flask) -> None:
    """Count each request's SQL statements; with ``SQL_COUNT_HEADER`` also answer ``X-SQL-Count``.

    Call it before other ``before_request`` hooks so that theirs are counted too.
    """
    if not event.contains(Engine, "before_cursor_execute", _count_statement):
        event.listen(Engine, "before_cursor_execute", _count_statement)
    app.before_request(_start_count)
    if app.config.get("SQL_COUNT_HEADER"):
        app.after_request(_count_header)


def ping_idle_connections(app: Flask) -> None:
    """Check a pooled connection before use when it sat idle for ``DATABASE_IDLE_PING_SECONDS``.

    A connection in steady use is handed out as it is (no round trip per request, unlike
    ``pool_pre_ping``); one left idle across a server restart, a failover or a firewall's idle
    timeout is pinged first, and a dead one drops the whole pool so the request gets a fresh
    connection instead of an error. A link that breaks under traffic fails that one request
    (503, safe to resend) and SQLAlchemy invalidates the pool for the next ones.
    """
    idle_limit = app.config.get("DATABASE_IDLE_PING_SECONDS")
    if idle_limit is None:
        return
    with app.app_context():
        engine = db.engine

    def mark_idle(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_limit:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise InvalidatePoolError(f"idle connection is dead: {exc}") from exc

    event.listen(engine, "checkin", mark_idle)
    event.listen(engine, "checkout", ping_if_idle)
