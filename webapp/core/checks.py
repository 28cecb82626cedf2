"""What ``flask --app wsgi check`` verifies: sound settings, a reachable database at the latest
migration, and a readable cache. Each problem is one sentence an operator can act on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from redis.connection import parse_url
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import NullPool

from webapp.config import MIN_SECRET_KEY_LENGTH, database_uri, parse_bool, parse_log_format
from webapp.extensions import cache, db

__all__ = ["app_problems", "settings_problems"]

CONNECT_TIMEOUT_SECONDS = 5
Setting = Callable[[str], str | None]


def _secret_problem(secret: str | None) -> str | None:
    if secret is not None and len(secret) < MIN_SECRET_KEY_LENGTH:
        return (
            f"SECRET_KEY: {len(secret)} characters; use at least {MIN_SECRET_KEY_LENGTH} "
            "(python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    return None


def _database_url(value: str) -> None:
    make_url(database_uri(value, Path())).get_dialect()


def _replica_url(value: str) -> None:
    url = make_url(database_uri(value, Path()))
    if url.get_backend_name() != "postgresql":
        raise ValueError("must be a PostgreSQL URL (a streaming replica of DATABASE_URL).")


PARSERS: dict[str, Callable[[str], object]] = {
    "DATABASE_URL": _database_url,
    "DATABASE_REPLICA_URL": _replica_url,
    "REDIS_URL": parse_url,
    "SESSION_COOKIE_SECURE": lambda value: parse_bool("SESSION_COOKIE_SECURE", value, True),
    "LOG_FORMAT": parse_log_format,
}


def settings_problems(setting: Setting) -> list[str]:
    """Problems with the settings themselves (``setting`` reads one, e.g. ``os.environ.get``)."""
    problems = [_secret_problem(setting("SECRET_KEY") or None)]
    for name, parse in PARSERS.items():
        value = setting(name)
        if not value:
            continue
        try:
            parse(value)
        except Exception as exc:  # each parser has its own error type: report any of them
            message = str(exc).rstrip(".") + "."
            problems.append(message if message.startswith(name) else f"{name}: {message}")
    return [problem for problem in problems if problem]


def _migration_problem(connection: Connection) -> str | None:
    config = current_app.extensions["migrate"].migrate.get_config()  # Flask-Migrate, lazily
    heads = set(ScriptDirectory.from_config(config).get_heads())
    current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return None
    return (
        f"migrations: the database is at {', '.join(sorted(current)) or 'no revision'}, "
        f"the code at {', '.join(sorted(heads))}; run `flask --app wsgi db upgrade`."
    )


def _database_problems(name: str, url: URL, migrations: bool) -> list[str]:
    """Connect once, with a short timeout: SELECT 1, then the migration revision."""
    args = (
        {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        if url.get_backend_name() == "postgresql"
        else {}
    )
    engine = create_engine(url, poolclass=NullPool, connect_args=args)
    shown = url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            problem = _migration_problem(connection) if migrations else None
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [f"{name}: cannot reach {shown}: {first_line}"]
    finally:
        engine.dispose()
    return [problem] if problem else []


def _cache_problem() -> str | None:
    try:
        cache.get("check:probe")
    except Exception as exc:
        return f"cache: cannot read ({type(exc).__name__}: {exc})."
    return None


def app_problems(app: Flask, replica_url: str | None = None) -> list[str]:
    """Problems of the built app (in its app context): its key, database, replica and cache."""
    problems = [_secret_problem(app.config.get("SECRET_KEY") or "")]
    problems += _database_problems("database", db.engine.url, migrations=True)
    if replica_url:
        replica = make_url(database_uri(replica_url, Path()))
        problems += _database_problems("replica", replica, migrations=False)
    problems.append(_cache_problem())
    return [problem for problem in problems if problem]


def summary(app: Flask) -> str:
    """What was checked, for the ``ok:`` line."""
    backend = db.engine.url.get_backend_name()
    return f"settings, database ({backend}, migrations at head), cache ({app.config['CACHE_TYPE']})"
