"""Fixtures of the fault tests: an app whose PostgreSQL link runs through a proxy we can cut."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.faults.proxy import TcpProxy
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
def cut_app(app: Flask, backend: dict[str, Any], proxy: TcpProxy) -> Iterator[Flask]:
    """The app on the same per-run schema, but connected through the proxy."""
    url = backend["DATABASE_URL"].replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
    proxied = create_app({**backend, "DATABASE_URL": url})
    yield proxied
    proxy.restore() if proxy._listener is None else None
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()
