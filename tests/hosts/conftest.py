"""Two app hosts in separate gunicorn processes, sharing a fresh PostgreSQL schema and Redis.

Each host has its own instance folder; both share one SECRET_KEY and one Redis key prefix,
as ``make up`` runs them. Tests talk to each host directly (A and B) with ``Browser``.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from bench.webclient import Browser
from deploy.hosts import Hosts, shared_settings
from tests.conftest import PASSWORD, _postgres_config
from webapp import create_app
from webapp.auth.services import create_user
from webapp.extensions import db

STAFF = {"admin@example.com": "admin", "editor@example.com": "editor"}


@dataclass
class Deployment:
    """Two running hosts (ports ``a`` and ``b``) and an in-process app on the same database."""

    a: int
    b: int
    app: Flask

    def signed_in(self, email: str, port: int | None = None) -> Browser:
        """A browser signed in as ``email`` through the login form of host A (or ``port``)."""
        browser = Browser(port or self.a)
        page = browser.sign_in(email, PASSWORD)
        assert page.status == 303, page.body[:300]
        return browser

    def add_user(self, email: str, role: str | None = "viewer") -> int:
        """Commit a new user with the test password; returns its id."""
        with self.app.app_context():
            user = create_user(email, PASSWORD, role)
            db.session.commit()
            return user.id


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on right now (the kernel's choice, so parallel runs do not clash)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture(scope="package")
def backend_settings() -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL schema and Redis prefix with the schema at head and two staff users."""
    with _postgres_config() as config:
        config = {**config, "SECRET_KEY": secrets.token_hex(32), "SESSION_COOKIE_SECURE": "false"}
        app = create_app(config)
        with app.app_context():
            upgrade()
            for email, role in STAFF.items():
                create_user(email, PASSWORD, role)
            db.session.commit()
            db.engine.dispose()
        yield config


@pytest.fixture(scope="package")
def deployment(
    backend_settings: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """Hosts A and B (gunicorn, 2 workers each) serving the shared schema."""
    instance: Path = tmp_path_factory.mktemp("deployment")
    shared = shared_settings(backend_settings, instance)
    shared["CACHE_KEY_PREFIX"] = backend_settings["CACHE_KEY_PREFIX"]
    app = create_app(backend_settings)
    with Hosts(shared, instance, free_ports(2)).start(workers=2) as hosts:
        yield Deployment(*hosts.ports, app=app)
    with app.app_context():
        db.engine.dispose()
