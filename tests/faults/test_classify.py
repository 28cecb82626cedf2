"""Which database errors mean "unavailable, retry" (503) and which are bugs (500)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError

from webapp.core.faults import is_unavailable


def _wrapped(kind: type[DBAPIError], orig: Exception, invalidated: bool = False) -> DBAPIError:
    return kind("SELECT 1", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    "error",
    [
        _wrapped(OperationalError, sqlite3.OperationalError("database is locked")),
        _wrapped(OperationalError, sqlite3.OperationalError("unable to open database file")),
        _wrapped(InterfaceError, Exception("connection already closed")),
        _wrapped(ProgrammingError, Exception("server closed the connection"), invalidated=True),
    ],
)
def test_outages_are_unavailable(error: DBAPIError):
    assert is_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        _wrapped(OperationalError, sqlite3.OperationalError("no such table: account")),
        _wrapped(ProgrammingError, Exception("syntax error")),
        ValueError("not a database error"),
    ],
)
def test_bugs_are_not(error: Exception):
    assert not is_unavailable(error)
