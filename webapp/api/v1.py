"""The ``/api/v1`` blueprint: bearer tokens only (no cookies, so no CSRF), a per-token rate
limit, and problem+json for every error (``webapp.errors`` hands those over)."""

from __future__ import annotations

from flask import Blueprint, Flask, g, request

from webapp.api import ratelimit
from webapp.api.problems import ApiProblem
from webapp.api.services import authenticate

__all__ = ["bp", "init_app"]

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
PUBLIC = {"api_v1.openapi"}
CHALLENGE = 'Bearer realm="api"'


def _unauthorized(detail: str, error: str | None = None) -> ApiProblem:
    challenge = f'{CHALLENGE}, error="{error}"' if error else CHALLENGE
    return ApiProblem(401, detail, headers={"WWW-Authenticate": challenge})


@bp.before_request
def authenticate_bearer() -> None:
    """Find the caller by the bearer token, then count the request against its limit."""
    if request.endpoint in PUBLIC:
        return
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorized("Send a token: Authorization: Bearer <token>.")
    caller = authenticate(secret.strip())
    if caller is None:
        raise _unauthorized("This token is unknown, expired or revoked.", "invalid_token")
    g.api_caller = caller
    ratelimit.check(f"token:{caller.prefix}")  # the prefix is random: unique per token


def init_app(app: Flask) -> None:
    """Mount the API (its routes live in accounts, contacts and openapi) without CSRF."""
    from webapp.api import accounts, contacts, openapi  # noqa: F401  (they add the routes)
    from webapp.extensions import csrf

    csrf.exempt(bp)
    ratelimit.init_app(app)
    app.register_blueprint(bp)
