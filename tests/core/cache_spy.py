"""A wrapper object put in front of an app's cache backend: it counts calls or fails them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from webapp.extensions import cache

WRITES = {"set", "add", "set_many", "delete", "delete_many", "clear", "inc", "dec"}


class CacheSpy:
    """Forwards every call to the real backend, recording its name; ``broken`` makes them fail."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.calls: list[str] = []
        self.broken = False

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.backend, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            if self.broken:
                raise ConnectionError("cache backend unreachable (test)")
            return method(*args, **kwargs)

        return call

    @property
    def writes(self) -> list[str]:
        return [name for name in self.calls if name in WRITES]


@contextmanager
def spy_on(app: Flask) -> Iterator[CacheSpy]:
    """Put a spy in front of the app's cache backend for the duration of the block."""
    backends = app.extensions["cache"]
    real = backends[cache]
    spy = backends[cache] = CacheSpy(real)
    try:
        yield spy
    finally:
        backends[cache] = real
