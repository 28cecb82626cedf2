"""Database connection settings and the list of model modules Alembic must see."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine


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
    import webapp.audit.models  # noqa: F401
    import webapp.core.events  # noqa: F401


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
