"""The app's cache: a fail-soft door to the backend, and model look-ups keyed by generation.

**Fail-soft.** Every cache call of the app goes through ``safe_cache``: a backend exception is
a miss (``get``) or a skipped write (``set``/``delete``), never an error. The first failure
logs one warning and the cache is then skipped for ``CACHE_BACKOFF_SECONDS`` (so a dead Redis
costs no timeout per call); after that the next call tries again, and the first success logs
one info line. Redis has short socket timeouts and a single retry (``CACHE_OPTIONS``).

**Generations.** Entries of a model are stored under its generation, read from the database
(``webapp.core.generations``): ``account:g41:obj:pk=7``. A commit that changed the model adds
one to it in the same transaction, so every entry stored before is never read again and
expires (``CACHE_DEFAULT_TIMEOUT``). The race: a reader that read generation G before a
writer's commit may load the old row and store it under G; every request that starts after
the commit reads G + 1 and misses, and one that started before it saw G's data anyway. A hit
costs no SQL beyond the one generation read per request. Entries of a model that has no
generation row are never stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import inspect

from webapp.core import generations, metrics
from webapp.core.replica import primary_reads
from webapp.extensions import cache, db

__all__ = ["ModelCache", "safe_cache"]

T = TypeVar("T")
OUTAGE = "cache_outage"


@dataclass
class Outage:
    """One app's view of its cache backend: down since the last failure, retried after a pause."""

    backoff: float
    down: bool = False
    retry_at: float = 0.0

    def failed(self, error: Exception, now: float) -> None:
        """Skip the cache for a while; log the start of an outage once."""
        if not self.down:
            current_app.logger.warning(
                "Cache unreachable (%s: %s); reading from the database, retrying every %.1f s",
                type(error).__name__,
                error,
                self.backoff,
            )
        self.down, self.retry_at = True, now + self.backoff

    def recovered(self) -> None:
        """Log the end of an outage once."""
        self.down = False
        current_app.logger.info("Cache reachable again")


def _outage() -> Outage:
    extensions = current_app.extensions
    outage = extensions.get(OUTAGE)
    if outage is None:
        outage = extensions[OUTAGE] = Outage(current_app.config.get("CACHE_BACKOFF_SECONDS", 1.5))
    return outage


class FailSoftCache:
    """The cache calls the app makes; a failing backend answers a miss and is skipped a while."""

    def get(self, key: str) -> Any | None:
        """The stored value, or None when absent or when the cache is unreachable."""
        return self._call("get", key)

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        """Store a value; False when it could not be stored."""
        return bool(self._call("set", key, value, timeout=timeout))

    def delete(self, key: str) -> bool:
        """Remove a value; False when it could not be removed."""
        return bool(self._call("delete", key))

    @staticmethod
    def _call(method: str, *args: Any, **kwargs: Any) -> Any:
        outage = _outage()
        now = time.monotonic()
        if now < outage.retry_at:
            return None
        try:
            result = getattr(cache, method)(*args, **kwargs)
        except Exception as error:  # any backend failure: the request goes on without the cache
            outage.failed(error, now)
            return None
        if outage.down:
            outage.recovered()
        return result


safe_cache = FailSoftCache()


def _counted(entry: T | None) -> T | None:
    """The entry, counted as a cache hit or miss for ``/metrics``."""
    metrics.cache_result(entry is not None)
    return entry


class ModelCache:
    """Entries of one model, under keys that carry the model's name and generation."""

    def __init__(self, name: str, timeout: int | None = None) -> None:
        self.name = name
        self.timeout = timeout

    def _key(
        self, kind: str, field: str, value: Any, also: tuple[ModelCache, ...] = ()
    ) -> str | None:
        known = generations.current()
        names = (self.name, *(other.name for other in also))
        if any(name not in known for name in names):
            return None
        tag = ".".join(str(known[name]) for name in names)
        return f"{self.name}:g{tag}:{kind}:{field}={value}"

    def get(self, field: str, value: Any) -> Any | None:
        """The cached object for ``field == value`` in the current generation, or None."""
        key = self._key("obj", field, value)
        return None if key is None else _counted(safe_cache.get(key))

    def remember(self, field: str, value: Any, load: Callable[[], T | None]) -> T | None:
        """Load the object and store it under the generation read before the load began."""
        return self._store(self._key("obj", field, value), load)

    def remember_query(
        self, name: str, load: Callable[[], T], also: tuple[ModelCache, ...] = ()
    ) -> T:
        """A result over many rows (counts), outdated by any change to this model or ``also``."""
        key = self._key("query", name, "", also)
        hit = None if key is None else _counted(safe_cache.get(key))
        return hit if hit is not None else self._store(key, load)

    def _store(self, key: str | None, load: Callable[[], T]) -> T:
        with primary_reads():  # a replica's lagging rows must never sit under a fresh key
            value = load()
        if key is not None and value is not None:
            safe_cache.set(key, value, timeout=self.timeout)
        return value

    def drop(self, field: str, value: Any) -> None:
        """Forget one entry of the current generation."""
        key = self._key("obj", field, value)
        if key is not None:
            safe_cache.delete(key)

    def fetch(
        self, field: str, value: Any, lookup: Callable[[], T | None], invalidate: bool = False
    ) -> T | None:
        """The row from the cache (attached to the session without SQL) or from ``lookup``."""
        session = db.session()
        if invalidate:
            self.drop(field, value)
        else:
            hit = self.get(field, value)
            if hit is not None:
                # The session's own copy wins: merging would overwrite its unsaved changes.
                return session.identity_map.get(inspect(hit).key) or session.merge(hit, load=False)
        if generations.changes_pending(session, self.name):
            return lookup()  # never cache what this transaction has not committed
        return self.remember(field, value, lookup)
