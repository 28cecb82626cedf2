"""Memoized look-ups of model rows through Flask-Caching, safe across workers and hosts.

Each entry is stored with two generation tokens: one for its look-up key and one for the
whole model. A commit that changes a row replaces the tokens of every key that could return
it (``invalidate``), or the model's token after a bulk statement (``invalidate_model``), so an
entry written by a reader that raced a writer never matches again. A missing token never
matches, so an evicted token cannot revive a stale entry.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from webapp.core import metrics
from webapp.extensions import cache

__all__ = ["MODEL_KEY", "ROWS_KEY", "ModelCache"]

T = TypeVar("T")
MODEL_KEY = "*"
ROWS_KEY = "rows"  # renewed by any change to any row: for results over many rows


class ModelCache:
    """Cache entries of one model, under keys that carry the model's name."""

    def __init__(self, model_name: str, timeout: int | None = None) -> None:
        self.model_name = model_name
        self.timeout = timeout

    def _key(self, kind: str, field: str, value: Any) -> str:
        return f"{self.model_name}:{kind}:{field}={value}"

    def _tokens(self, field: str, value: Any) -> list[str]:
        return [self._key("gen", field, value), self._key("gen", MODEL_KEY, "")]

    def _fresh(self, entry_key: str, token_keys: list[str]) -> tuple[bool, Any]:
        entry, *current = cache.get_many(entry_key, *token_keys)
        hit = entry is not None and None not in current and list(entry[1]) == current
        metrics.cache_result(hit)
        return (True, entry[0]) if hit else (False, None)

    def _store(self, entry_key: str, token_keys: list[str], load: Callable[[], T]) -> T:
        """Load, then store under the generations seen before the load began."""
        for key in token_keys:
            cache.add(key, secrets.token_hex(8), timeout=0)
        tokens = list(cache.get_many(*token_keys))
        value = load()
        if value is not None and None not in tokens:
            cache.set(entry_key, (value, tokens), timeout=self.timeout)
        return value

    def get(self, field: str, value: Any) -> Any | None:
        """The cached object for ``field == value``, or None when absent or outdated."""
        return self._fresh(self._key("obj", field, value), self._tokens(field, value))[1]

    def remember(self, field: str, value: Any, load: Callable[[], T | None]) -> T | None:
        """Load the object and store it under the generations seen before the load."""
        return self._store(self._key("obj", field, value), self._tokens(field, value), load)

    def remember_query(self, name: str, load: Callable[[], T]) -> T:
        """A result computed over many rows (counts): outdated by any change to any row."""
        entry_key, token_keys = self._key("query", name, ""), self._tokens(ROWS_KEY, "")
        hit, value = self._fresh(entry_key, token_keys)
        return value if hit else self._store(entry_key, token_keys, load)

    def drop(self, field: str, value: Any) -> None:
        """Forget one entry."""
        cache.delete(self._key("obj", field, value))

    def invalidate(self, keys: Iterable[tuple[str, Any]]) -> None:
        """Outdate every entry stored under these (field, value) keys, on every worker."""
        fresh = {self._key("gen", f, v): secrets.token_hex(8) for f, v in keys if v is not None}
        if fresh:
            cache.set_many(fresh, timeout=0)

    def invalidate_model(self) -> None:
        """Outdate every entry of the model (after a bulk statement that touched unknown rows)."""
        cache.set(self._key("gen", MODEL_KEY, ""), secrets.token_hex(8), timeout=0)
