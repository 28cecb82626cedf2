"""Health check for load balancers and operators (no login)."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from webapp.core import replica
from webapp.extensions import cache, db

bp = Blueprint("core", __name__)


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return False


def _cache_ok() -> bool:
    # A key of its own per probe: with one shared key, two workers probing at once read each
    # other's token and reported the cache down (503 under load).
    key, token = f"healthz:{secrets.token_hex(8)}", secrets.token_hex(4)
    try:
        ok = bool(cache.set(key, token, timeout=30)) and cache.get(key) == token
        cache.delete(key)
        return ok
    except Exception:
        current_app.logger.exception("health check: cache unreachable")
        return False


@bp.get("/healthz")
def healthz():
    """200 with each dependency "ok", or 503 naming what is down."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    body = {name: "ok" if ok else "down" for name, ok in checks.items()}
    body.update(replica.health())  # reported, never a 503: the primary serves its reads
    healthy = all(checks.values())
    return jsonify(status="ok" if healthy else "down", **body), 200 if healthy else 503
