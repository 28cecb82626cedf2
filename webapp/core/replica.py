"""Read-only pages on a PostgreSQL streaming replica (``DATABASE_REPLICA_URL``), failing soft.

A view marked ``@replica_reads`` runs its queries on the replica unless the user committed a
write within ``REPLICA_READ_OWN_WRITES_SECONDS`` (a time kept in the signed session cookie, so
every host knows it), or the replica is down or lags more than ``REPLICA_MAX_LAG_SECONDS``;
then, and for every other view, the primary answers. A streamed body (CSV) must pass through
``streamed``: it runs after the request's session is gone. Each worker checks the replica at
most every ``CHECK_SECONDS`` and logs once when it goes down or falls behind. With no replica
set, the decorator costs one dictionary look-up and nothing else is installed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request, session
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from webapp.extensions import READ_ENGINE, db

__all__ = [
    "CHECK_SECONDS",
    "WROTE_AT",
    "Replica",
    "health",
    "init_app",
    "primary_reads",
    "streamed",
]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
EXTENSION = "replica"
WROTE_AT = "wrote_at"
CHECK_SECONDS = 5.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Caught up with the primary's flushed WAL: no lag. Behind: the age of the last transaction
# replayed, an upper bound (an idle primary makes it look older than it is).
LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_replay_lsn() >= CAST(:primary AS pg_lsn) THEN 0"
    " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Status:
    """The replica as last measured: ``ok``, ``lagging`` or ``down``, and its lag in seconds."""

    state: str
    lag: float | None = None


class Replica:
    """One worker's replica: its engine and last known state."""

    def __init__(self, uri: str, max_lag: float, own_writes: float) -> None:
        self.engine = create_engine(uri, pool_pre_ping=True, connect_args={"connect_timeout": 3})
        self.max_lag, self.own_writes = max_lag, own_writes
        self.check_every = CHECK_SECONDS
        self.status = Status("unknown")
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def usable(self) -> bool:
        """True when the last check (made now if due, by one thread) found the replica ok."""
        due = time.monotonic() - self._checked_at >= self.check_every
        if due and self._lock.acquire(blocking=False):
            try:
                self.check()
            finally:
                self._lock.release()
        return self.status.state == "ok"

    def check(self) -> Status:
        """Measure the lag now against the primary's WAL position; log a change of state."""
        self._checked_at = time.monotonic()
        primary = _primary_lsn()
        try:
            with self.engine.connect() as conn:
                lag = conn.scalar(LAG_SQL, {"primary": primary})
        except SQLAlchemyError as exc:
            return self._set(Status("down"), exc)
        lag = None if lag is None else round(float(lag), 3)
        ok = lag is not None and lag <= self.max_lag
        return self._set(Status("ok" if ok else "lagging", lag))

    def _set(self, status: Status, error: Exception | None = None) -> Status:
        previous, self.status = self.status.state, status
        if status.state == "down" and previous != "down":
            log.warning("replica unusable, reading from the primary: %s", error)
        elif status.state == "lagging" and previous != "lagging":
            log.warning(
                "replica %s s behind (limit %s s), reading from the primary",
                status.lag,
                self.max_lag,
            )
        elif status.state == "ok" and previous in ("down", "lagging"):
            log.warning("replica back in use (%s s behind)", status.lag)
        return status

    def route(self, db_session: Session) -> bool:
        """Point this request's session at the replica when allowed; connect now to know."""
        wrote_at = session.get(WROTE_AT)
        if wrote_at is not None and time.time() - wrote_at < self.own_writes:
            return False  # read your own writes: the replica may not have them yet
        if not self.usable():
            return False
        db_session.info[READ_ENGINE] = self.engine
        try:
            db_session.connection()
        except SQLAlchemyError as exc:
            self.failed(db_session, exc)
            return False
        return True

    def failed(self, db_session: Session, error: Exception) -> None:
        """Back to the primary for this request; the replica rests until its next check."""
        db_session.rollback()
        db_session.info.pop(READ_ENGINE, None)
        self._checked_at = time.monotonic()  # no second wait on a replica that just failed
        self._set(Status("down"), error)


def _primary_lsn() -> str | None:
    try:
        with db.engine.connect() as conn:
            return conn.scalar(text("SELECT CAST(pg_current_wal_flush_lsn() AS text)"))
    except SQLAlchemyError:
        return None  # the primary's own health check reports it; the lag falls back to age


def replica_reads(view: F) -> F:
    """Let a read-only view run its queries on the replica (see this module's docstring)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        replica = current_app.extensions.get(EXTENSION)
        if replica is None or not replica.route(db.session):
            return view(*args, **kwargs)
        try:
            return view(*args, **kwargs)
        except SQLAlchemyError as exc:  # a read-only view: safe to run again on the primary
            replica.failed(db.session, exc)
            return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def streamed(rows: Iterator[T]) -> Iterator[T]:
    """``rows`` read where this request reads: a streamed body outlives the request's session."""
    engine = db.session.info.get(READ_ENGINE)
    return rows if engine is None else _streamed_on(engine, rows)


def _streamed_on(engine: Engine, rows: Iterator[T]) -> Iterator[T]:
    # Runs inside stream_with_context's contexts, in a fresh session: route it again.
    db.session.info[READ_ENGINE] = engine
    try:
        db.session.connection()
    except SQLAlchemyError as exc:
        current_app.extensions[EXTENSION].failed(db.session, exc)
    yield from rows


@contextmanager
def primary_reads() -> Iterator[None]:
    """Read from the primary inside the block: what the shared cache stores must be current."""
    info = db.session.info
    engine = info.pop(READ_ENGINE, None)
    try:
        yield
    finally:
        if engine is not None:
            info[READ_ENGINE] = engine


def health() -> dict[str, Any]:
    """For /healthz: the replica's state and lag measured now; empty with no replica."""
    replica = current_app.extensions.get(EXTENSION)
    if replica is None:
        return {}
    status = replica.check()
    return {"replica": status.state, "replica_lag_seconds": status.lag}


def _stamp_writes(response: Response) -> Response:
    """After a successful write, remember when: this user reads the primary for a while."""
    if request.method not in SAFE_METHODS and response.status_code < 400 and "_user_id" in session:
        session[WROTE_AT] = round(time.time(), 3)
    return response


def _unroute(_: BaseException | None) -> None:
    if db.session.registry.has():
        db.session.info.pop(READ_ENGINE, None)


def init_app(app: Flask) -> None:
    """With ``DATABASE_REPLICA_URL`` set, make the replica engine and the request hooks."""
    uri = app.config.get("DATABASE_REPLICA_URL")
    if not uri:
        return
    app.extensions[EXTENSION] = Replica(
        uri, app.config["REPLICA_MAX_LAG_SECONDS"], app.config["REPLICA_READ_OWN_WRITES_SECONDS"]
    )
    app.after_request(_stamp_writes)
    app.teardown_request(_unroute)
