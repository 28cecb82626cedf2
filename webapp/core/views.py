"""Health check for load balancers and operators (no login); the layout's links.

The probe only reads: a load balancer calls it every few seconds on every worker, and the
file cache's writes (a temporary file, a rename and a count file per ``set``) made it the
slowest request of the app (about 5 ms).
"""

from __future__ import annotations

import os

from cachelib import FileSystemCache
from flask import Blueprint, current_app, jsonify

from webapp.core import replica
from webapp.core.layout import layout_urls
from webapp.extensions import cache, db

bp = Blueprint("core", __name__)
bp.app_context_processor(layout_urls)
PROBE_KEY = "healthz:probe"  # never written: a GET of it proves the server answers
DIRECTORY_ACCESS = os.R_OK | os.W_OK | os.X_OK


def _database_ok() -> bool:
    try:
        with db.engine.connect() as connection:  # no ORM session to open and close
            connection.exec_driver_sql("SELECT 1")
        return True
    except Exception as exc:
        _down("database", exc)
        return False


def _cache_ok() -> bool:
    try:
        if isinstance(cache.cache, FileSystemCache):
            directory = current_app.config["CACHE_DIR"]
            if os.path.isdir(directory) and os.access(directory, DIRECTORY_ACCESS):
                return True
            current_app.logger.error("health check: cache directory %s is not usable", directory)
            return False
        cache.get(PROBE_KEY)  # Redis (or another server) answers, or raises
        return True
    except Exception as exc:
        _down("cache", exc)
        return False


def _down(name: str, exc: Exception) -> None:
    """One line per failed probe: a balancer polls every few seconds, a trace each time drowns
    the log (the app's own requests log the outage once, with its cause)."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    current_app.logger.warning(
        "health check: %s unreachable (%s: %s)", name, type(exc).__name__, reason
    )


@bp.get("/healthz")
def healthz():
    """200 with each dependency "ok", or 503 naming what is down."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    body = {name: "ok" if ok else "down" for name, ok in checks.items()}
    body.update(replica.health())  # reported, never a 503: the primary serves its reads
    healthy = all(checks.values())
    return jsonify(status="ok" if healthy else "down", **body), 200 if healthy else 503
