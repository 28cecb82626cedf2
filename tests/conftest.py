"""Fixtures: every test that takes ``app`` runs on SQLite + file cache and on PostgreSQL + Redis.

PostgreSQL gets a fresh schema per run and Redis a key prefix per run, both removed at the
end. Locally a server that is not running skips its half with the reason; with ``CI=true``
it fails the run instead.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text

from webapp import create_app
from webapp.extensions import cache, db

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
IN_CI = os.environ.get("CI", "").lower() == "true"
TABLES = (
    "recovery_code",
    "app_setting",
    "api_request_key",
    "rate_counter",
    "api_token",
    "import_job",
    "saved_view",
    "idempotency_key",
    "audit_event",
    "account_tag",
    "daily_billing_record",
    "charge",
    "user_profile",
    "account_contact",
    "account",
    "tag",
    "user",
)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _require(service: str, host: str, port: int) -> None:
    if not _reachable(host, port):
        message = f"{service} is not reachable on {host}:{port}"
        if IN_CI:
            pytest.fail(f"{message}; CI must test against it", pytrace=False)
        pytest.skip(f"{message}; start it to run the PostgreSQL + Redis half")


def _sqlite_config(tmp: Any) -> dict[str, Any]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp / 'test.db'}",
        "REDIS_URL": "",
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": str(tmp / "cache"),
    }


@contextmanager
def _postgres_config() -> Iterator[dict[str, Any]]:
    _require("PostgreSQL", "127.0.0.1", 5432)
    _require("Redis", "127.0.0.1", 6379)
    schema = f"test_{secrets.token_hex(4)}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield {
            "DATABASE_URL": f"{PG_URL}?options=-csearch_path%3D{schema}",
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": f"{schema}:",
        }
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Settings of one database + cache pair, with the schema migrated to head once."""
    if request.param == "sqlite":
        config = _sqlite_config(tmp_path_factory.mktemp("sqlite"))
        yield from _migrated(config)
    else:
        with _postgres_config() as config:
            yield from _migrated(config)


def _migrated(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    config = {
        **config,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "SESSION_COOKIE_SECURE": "false",
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield config


def _empty(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(
                text(f"TRUNCATE {', '.join(map(_quote, TABLES))} RESTART IDENTITY CASCADE")
            )
        else:
            # Triggers refuse to delete audit events; a test run lifts them while it empties.
            triggers = db.session.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE :d"),
                {"d": "%BEFORE DELETE ON audit_event%"},
            ).all()
            for name, _ in triggers:
                db.session.execute(text(f"DROP TRIGGER {_quote(name)}"))
            for table in TABLES:
                db.session.execute(text(f"DELETE FROM {_quote(table)}"))
            for _, sql in triggers:
                db.session.execute(text(sql))
        db.session.commit()
        cache.clear()


def _quote(name: str) -> str:
    return f'"{name}"'


@pytest.fixture
def app(backend: dict[str, Any]) -> Iterator[Flask]:
    """A fresh app on an empty database and cache."""
    app = create_app(backend)
    _empty(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def other_app(backend: dict[str, Any]) -> Iterator[Flask]:
    """A second app on the same database and cache: another worker process or host."""
    app = create_app(backend)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """The app with an application context pushed (for model-level tests)."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def dialect(backend: dict[str, Any]) -> str:
    return "postgresql" if backend["DATABASE_URL"].startswith("postgresql") else "sqlite"


class QueryCounter:
    """Counts the SQL statements the engine runs while active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


def statements_of(app: Flask, request: Any) -> tuple[Any, list[str]]:
    """What ``request()`` returned and the SQL statements the app ran meanwhile."""
    counter = QueryCounter()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        result = request()
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return result, counter.statements


@pytest.fixture
def count_queries(ctx: Flask):
    """``with count_queries() as counter:`` counts the statements run inside the block."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


@pytest.fixture
def make_account(ctx: Flask):
    """Factory: a saved account with sensible defaults, any field overridable."""
    from webapp.accounts.models import Account

    counter = iter(range(1, 10**6))

    def make(**fields: Any) -> Account:
        fields.setdefault("company_name", f"Company {next(counter)}")
        return Account.create(**fields)

    return make


PASSWORD = "correct-staple-91x"


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on ``path``, read from the page as a browser would."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no csrf_token on {path}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, email: str, password: str = PASSWORD, **extra: Any):
    """Sign in through the real form with its real CSRF token."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/login", data=data)


@pytest.fixture
def make_user(app: Flask):
    """Factory: a committed user (staff when ``role`` is given) with the shared test password."""
    from webapp.auth.services import create_user

    def make(
        email: str, role: str | None = "viewer", password: str | None = PASSWORD, **fields: Any
    ):
        with app.app_context():
            user = create_user(email, password, role)
            for name, value in fields.items():
                setattr(user, name, value)
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def signed_in(app: Flask, make_user):
    """Factory: a test client signed in as a new staff user of ``role``."""

    def sign_in(role: str = "admin", email: str | None = None) -> FlaskClient:
        email = email or f"{role}@example.com"
        make_user(email, role)
        client = app.test_client()
        response = login(client, email)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return client

    return sign_in


def post(client: FlaskClient, path: str, data: dict | None = None, form_page: str | None = None):
    """POST with a CSRF token taken from ``form_page`` (default: the accounts page)."""
    token = csrf_token(client, form_page or "/accounts/")
    return client.post(path, data={"csrf_token": token, **(data or {})})
