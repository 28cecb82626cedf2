"""Database connection settings and the list of model modules Alembic must see."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

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
    import webapp.audit.models  # noqa: F401
    import webapp.core.events  # noqa: F401
    import webapp.core.idempotency  # noqa: F401


def count_statements(app: Flask) -> None:
    """With ``SQL_COUNT_HEADER`` on (benchmarks), answer each request with ``X-SQL-Count``."""

    def count(*_: Any) -> None:
        if has_request_context():
            g.sql_count = g.get("sql_count", 0) + 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)

    @app.after_request
    def header(response: Response) -> Response:
        response.headers["X-SQL-Count"] = str(g.get("sql_count", 0))
        return response
