"""Cache generations in the database: one counter per cached model, bumped by the commit itself.

A transaction that changed rows of a cached model runs ``UPDATE cache_generation SET value =
value + 1 WHERE name IN (...)`` as its last statement before COMMIT (``bump``, from the
``before_commit`` hook), so the invalidation is committed with the write or not at all: it can
never be lost, and a commit makes no cache writes whatever the backend. The names are sorted
and the rows locked only for the commit itself, so two writers never wait on each other in a
cycle. Readers read every generation with one small SELECT, at most once per request (or app
context), and again after any commit of this process that bumped one (``current``).
"""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import BigInteger, Column, String, Table, update
from sqlalchemy.orm import Session

from webapp.extensions import Base, db

__all__ = [
    "bump",
    "cache_generation",
    "changes_pending",
    "committed",
    "current",
    "forget",
    "mark_changed",
]

cache_generation = Table(
    "cache_generation",
    Base.metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

PENDING = "cache_generations_pending"  # session.info: names this transaction changed
BUMPED = "cache_generations_bumped"  # session.info: this transaction's bump has run
MEMO = "_cache_generations"
READ = "SELECT name, value FROM cache_generation"  # flask.g: (local commits seen, {name: value})


class _LocalCommits:
    """How many bumps any session of this process has committed: older memos are read again."""

    count = 0


def mark_changed(session: Session, name: str) -> None:
    """Remember that this transaction changed rows of the model cached under ``name``."""
    session.info.setdefault(PENDING, set()).add(name)


def changes_pending(session: Session, name: str) -> bool:
    """True while the session holds changes (flushed or not) not yet committed."""
    return name in session.info.get(PENDING, ()) or bool(
        session.new or session.dirty or session.deleted
    )


def current() -> dict[str, int]:
    """Every model's generation: one SELECT per request (or app context) and after a local bump.

    The count of local commits is taken before the SELECT, so a commit that lands while it
    runs makes the next call read again.
    """
    if not has_app_context():
        return {}
    memo = g.get(MEMO)
    if memo is not None and memo[0] == _LocalCommits.count:
        return memo[1]
    seen = _LocalCommits.count
    # Plain SQL on the session's connection: a fifth of an ORM select's cost, and no autoflush.
    values = dict(db.session.connection().exec_driver_sql(READ).all())
    setattr(g, MEMO, (seen, values))
    return values


def bump(session: Session) -> None:
    """Add one to the generation of every model this transaction changed (one UPDATE)."""
    names = session.info.pop(PENDING, None)
    if not names:
        return
    column = cache_generation.c.value
    session.execute(
        update(cache_generation)
        .where(cache_generation.c.name.in_(sorted(names)))
        .values(value=column + 1)
    )
    session.info[BUMPED] = True


def committed(session: Session) -> None:
    """After COMMIT: a bump makes every memo of this process read the generations again."""
    if session.info.pop(BUMPED, False):
        _LocalCommits.count += 1


def forget(session: Session) -> None:
    """After a rollback of the whole transaction: nothing it marked or bumped happened."""
    session.info.pop(PENDING, None)
    session.info.pop(BUMPED, None)


def bumped(session: Session) -> bool:
    """True once this transaction's bump has run (a later flush must bump on its own)."""
    return bool(session.info.get(BUMPED))
