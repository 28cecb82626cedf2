"""Settings from the environment (SPEC section 1), with embedded defaults under ``instance/``.

Reads ``DATABASE_URL``, ``DATABASE_REPLICA_URL``, ``REDIS_URL``, ``CACHE_KEY_PREFIX``,
``SECRET_KEY``, ``SESSION_COOKIE_SECURE``, ``LOG_FORMAT``, ``METRICS_TOKEN`` and ``API_RATE_LIMIT``
(``INSTANCE_PATH`` is read by ``create_app``); a key of the same name in the ``overrides``
mapping given to ``create_app`` wins over the environment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from webapp.errors import ConfigurationError

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}
LOG_FORMATS = ("text", "json")
MIN_SECRET_KEY_LENGTH = 32


def parse_bool(name: str, value: str | bool | None, default: bool) -> bool:
    """Read a yes/no setting, refusing anything that is neither."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    word = value.strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise ConfigurationError(f"{name} must be true or false, not {value!r}.")


def parse_log_format(value: str | None) -> str:
    """Read ``LOG_FORMAT``: ``text`` (the default) or ``json``."""
    word = (value or "text").strip().lower()
    if word not in LOG_FORMATS:
        raise ConfigurationError(f"LOG_FORMAT must be json or text, not {value!r}.")
    return word


def database_uri(url: str | None, instance: Path, name: str = "DATABASE_URL") -> str:
    """Turn ``DATABASE_URL`` into a SQLAlchemy URL on the psycopg 3 or sqlite driver."""
    if not url:
        return f"sqlite:///{instance / 'accounts.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("postgresql+psycopg://", "sqlite://")):
        return url
    raise ConfigurationError(
        f"{name} must start with postgresql+psycopg:// or sqlite:/// "
        f"(got scheme {url.split(':', 1)[0]!r})."
    )


def secret_key(value: str | None, instance: Path) -> str:
    """Use ``SECRET_KEY`` or a random key kept in ``instance/secret_key`` (mode 0600)."""
    if value:
        return value
    path = instance / "secret_key"
    if not path.exists():
        # Written whole under a temporary name, then linked: a worker racing this one
        # either sees no file yet or the complete key, never an empty one.
        temporary = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = path.read_text().strip()
    if not key:
        raise ConfigurationError(f"{path} is empty; delete it or set SECRET_KEY.")
    return key


def cache_settings(redis_url: str | None, instance: Path) -> dict[str, Any]:
    """Redis when ``REDIS_URL`` is set, else a file cache every worker of this host shares."""
    if redis_url:
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # Short timeouts and one immediate retry (a pooled connection Redis closed): redis-py's
        # defaults wait without limit on a link that drops packets, and retry up to 10 times.
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        options["retry"] = Retry(NoBackoff(), 1)
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url, "CACHE_OPTIONS": options}
    return {
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": str(instance / "cache"),
        "CACHE_THRESHOLD": 100_000,
    }


def seconds(name: str, value: str | float | None, default: float) -> float:
    """Read a non-negative number of seconds, refusing anything else."""
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number >= 0:
        raise ConfigurationError(f"{name} must be a number of seconds, not {value!r}.")
    return number


def replica_settings(setting: Any, primary_uri: str) -> dict[str, Any]:
    """``DATABASE_REPLICA_URL`` (a PostgreSQL streaming replica of a PostgreSQL primary)."""
    url = setting("DATABASE_REPLICA_URL")
    uri = database_uri(url, Path(), "DATABASE_REPLICA_URL") if url else ""
    if uri and not (uri.startswith("postgresql") and primary_uri.startswith("postgresql")):
        raise ConfigurationError("DATABASE_REPLICA_URL needs PostgreSQL for it and DATABASE_URL.")
    limits = {"REPLICA_MAX_LAG_SECONDS": 30.0, "REPLICA_READ_OWN_WRITES_SECONDS": 10.0}
    return {
        "DATABASE_REPLICA_URL": uri,
        **{name: seconds(name, setting(name), default) for name, default in limits.items()},
    }


def load_config(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the app's settings from the environment, the overrides and the defaults."""
    overrides = dict(overrides or {})
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)

    def setting(name: str) -> Any:
        return overrides[name] if name in overrides else os.environ.get(name)

    uri = database_uri(setting("DATABASE_URL"), instance)
    config: dict[str, Any] = {
        "SECRET_KEY": secret_key(setting("SECRET_KEY"), instance),
        "SQLALCHEMY_DATABASE_URI": uri,
        # A few seconds to reach PostgreSQL, then 503: not the OS's two-minute TCP timeout.
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 5}}
        if uri.startswith("postgresql")
        else {},
        # Ping a pooled connection only after this long idle (core/database.py says why).
        "DATABASE_IDLE_PING_SECONDS": 1.0 if uri.startswith("postgresql") else None,
        "SESSION_COOKIE_SECURE": parse_bool(
            "SESSION_COOKIE_SECURE", setting("SESSION_COOKIE_SECURE"), True
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "CACHE_DEFAULT_TIMEOUT": 3600,  # entries of outdated generations expire after this
        "CACHE_BACKOFF_SECONDS": 1.5,  # after a cache failure, skip the cache this long
        "CACHE_KEY_PREFIX": setting("CACHE_KEY_PREFIX") or "accounts-admin:",
        "WTF_CSRF_TIME_LIMIT": None,
        "IDLE_TIMEOUT_MINUTES": 30,
        "SESSION_LIFETIME_HOURS": 12,
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "LOGIN_FAILURE_LIMIT": 10,
        "LOGIN_FAILURE_WINDOW_MINUTES": 5,
        "TRUSTED_PROXY_COUNT": int(setting("TRUSTED_PROXY_COUNT") or 0),
        "SQL_COUNT_HEADER": parse_bool("SQL_COUNT_HEADER", setting("SQL_COUNT_HEADER"), False),
        "LOG_FORMAT": parse_log_format(setting("LOG_FORMAT")),
        "METRICS_TOKEN": setting("METRICS_TOKEN") or None,
        "REDIS_URL": setting("REDIS_URL") or "",  # also the API rate limit's store
        "API_RATE_LIMIT": setting("API_RATE_LIMIT") or "600/minute",  # per token
    }
    config.update(cache_settings(setting("REDIS_URL"), instance))
    config.update(overrides)
    config.update(replica_settings(setting, uri))  # after the overrides: normalised
    secure = parse_bool("SESSION_COOKIE_SECURE", config["SESSION_COOKIE_SECURE"], True)
    config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = secure
    config["LOG_FORMAT"] = parse_log_format(config["LOG_FORMAT"])
    return config
