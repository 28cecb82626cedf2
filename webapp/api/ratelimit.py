"""Per-token request limits for the API, counted where every worker and host sees them.

Flask-Limiter's engine, the ``limits`` package, does the counting: Redis when ``REDIS_URL``
is set, else ``DatabaseStorage`` below (a fixed-window counter upserted in the app's own
database, shared by every process that shares the database). Flask-Limiter itself is not
used: its ``init_app`` hooks every request of the app, and the HTML pages should pay nothing
for a limit that only the API has. ``API_RATE_LIMIT`` (default ``600/minute``) sets the limit.

The limit fails open: when the store is down the request goes through, and the outage is
logged once until the store answers again.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import case, delete, select
from sqlalchemy.exc import SQLAlchemyError

from webapp.api.models import RateCounter
from webapp.api.problems import ApiProblem
from webapp.core.types import utcnow
from webapp.extensions import db

__all__ = ["DatabaseStorage", "check", "init_app", "storage"]

EXTENSION = "api_rate_limit"
REDIS_TIMEOUT = 0.5  # seconds; an unreachable Redis must not hold the request up


class DatabaseStorage(Storage):
    """A ``limits`` storage on the app's database: one row per key, reset when its window ends."""

    STORAGE_SCHEME = ["accounts-admin-db"]

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the key's count, starting a new window when the old one ended."""
        now = utcnow()
        table = RateCounter.__table__
        insert = _dialect_insert()(table).values(
            key=key, count=amount, expires_at=now + timedelta(seconds=expiry)
        )
        fresh = table.c.expires_at <= now
        stmt = insert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": _case(fresh, amount, table.c["count"] + amount),
                "expires_at": _case(fresh, insert.excluded.expires_at, table.c.expires_at),
            },
        ).returning(table.c["count"])
        with db.engine.begin() as connection:  # its own transaction: counts survive rollbacks
            return int(connection.execute(stmt).scalar_one())

    def get(self, key: str) -> int:
        with db.engine.connect() as connection:
            row = connection.execute(
                select(RateCounter.count, RateCounter.expires_at).where(RateCounter.key == key)
            ).first()
        return int(row[0]) if row is not None and row[1] > utcnow() else 0

    def get_expiry(self, key: str) -> float:
        with db.engine.connect() as connection:
            expires = connection.scalar(
                select(RateCounter.expires_at).where(RateCounter.key == key)
            )
        return expires.timestamp() if expires is not None else time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(RateCounter)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(RateCounter).where(RateCounter.key == key))

    def purge(self) -> int:
        """Delete the rows of windows that ended (``flask purge-write-keys`` calls it)."""
        with db.engine.begin() as connection:
            stmt = delete(RateCounter).where(RateCounter.expires_at < utcnow())
            return connection.execute(stmt).rowcount or 0


def _dialect_insert():
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _case(condition, when_true, otherwise):
    return case((condition, when_true), else_=otherwise)


def init_app(app: Flask) -> None:
    """Choose the store and read the limit (``API_RATE_LIMIT``, ``REDIS_URL``)."""
    url = app.config.get("REDIS_URL")
    if url:
        prefix = f"{app.config.get('CACHE_KEY_PREFIX') or ''}api-rate"
        storage = storage_from_string(
            url,
            key_prefix=prefix,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
        )
    else:
        storage = DatabaseStorage()
    limit = parse(app.config.get("API_RATE_LIMIT") or "600/minute")
    app.extensions[EXTENSION] = {"limiter": FixedWindowRateLimiter(storage), "limit": limit}
    app.extensions[EXTENSION]["down"] = False


def storage() -> Storage:
    """The store the limit counts in."""
    return current_app.extensions[EXTENSION]["limiter"].storage


def check(key: str) -> None:
    """Count one request of ``key``; beyond the limit, 429 with ``Retry-After``."""
    state = current_app.extensions[EXTENSION]
    limiter: FixedWindowRateLimiter = state["limiter"]
    limit: RateLimitItem = state["limit"]
    try:
        allowed = limiter.hit(limit, key)
        retry = 0 if allowed else _retry_after(limiter, limit, key)
    except Exception as exc:  # fail open: a store outage never fails a request
        if not state["down"]:
            current_app.logger.warning("API rate limit store unavailable, not limiting: %r", exc)
        state["down"] = True
        return
    state["down"] = False
    if not allowed:
        raise ApiProblem(
            429,
            f"This token may make {limit}.",
            headers={"Retry-After": str(retry)},
        )


def _retry_after(limiter: FixedWindowRateLimiter, limit: RateLimitItem, key: str) -> int:
    """Whole seconds until the window ends (at least 1)."""
    reset = limiter.get_window_stats(limit, key).reset_time
    return max(1, math.ceil(reset - time.time()))
