"""Fixtures of the fault tests: an app whose PostgreSQL link runs through a proxy we can cut."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from deploy.tcpproxy import TcpProxy
from webapp import create_app
from webapp.extensions import db


@pytest.fixture
def proxy(dialect: str) -> Iterator[TcpProxy]:
    """A proxy to the test PostgreSQL server (PostgreSQL half only)."""
    if dialect != "postgresql":
        pytest.skip("the proxy stands between the app and PostgreSQL")
    with TcpProxy("127.0.0.1", 5432) as running:
        yield running


@pytest.fixture
def proxied_app(
    app: Flask, backend: dict[str, Any], proxy: TcpProxy
) -> Iterator[Callable[..., Flask]]:
    """Factory: an app on the same per-run schema, connected through the proxy."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        url = backend["DATABASE_URL"].replace(":5432/", f":{proxy.port}/")
        made.append(create_app({**backend, "DATABASE_URL": url, **overrides}))
        return made[-1]

    yield make
    for each in made:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def cut_app(proxied_app: Callable[..., Flask]) -> Flask:
    """The app through the proxy, with the default settings."""
    return proxied_app()
