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

from webapp.extensions import cache

__all__ = ["ModelCache"]

T = TypeVar("T")
MODEL_KEY = "*"


class ModelCache:
    """Cache entries of one model, under keys that carry the model's name."""

    def __init__(self, model_name: str, timeout: int | None = None) -> None:
        self.model_name = model_name
        self.timeout = timeout

    def _key(self, kind: str, field: str, value: Any) -> str:
        return f"{self.model_name}:{kind}:{field}={value}"

    def _tokens(self, field: str, value: Any) -> list[str]:
        return [self._key("gen", field, value), self._key("gen", MODEL_KEY, "")]

    def get(self, field: str, value: Any) -> Any | None:
        """The cached object for ``field == value``, or None when absent or outdated."""
        entry, *current = cache.get_many(
            self._key("obj", field, value), *self._tokens(field, value)
        )
        if entry is None or None in current or list(entry[1]) != current:
            return None
        return entry[0]

    def _current_tokens(self, field: str, value: Any) -> list[str]:
        keys = self._tokens(field, value)
        for key in keys:
            cache.add(key, secrets.token_hex(8), timeout=0)
        return list(cache.get_many(*keys))

    def remember(self, field: str, value: Any, load: Callable[[], T | None]) -> T | None:
        """Load the object and store it under the generations seen before the load."""
        tokens = self._current_tokens(field, value)
        obj = load()
        if obj is not None and None not in tokens:
            cache.set(self._key("obj", field, value), (obj, tokens), timeout=self.timeout)
        return obj

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
