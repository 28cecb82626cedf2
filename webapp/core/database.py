"""Database connection settings and the list of model modules Alembic must see."""

from __future__ import annotations

import sqlite3
from typing import Any

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
