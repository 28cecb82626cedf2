"""Security headers on every response, a CSP nonce for templates, and trusted proxies.

A small ``after_request`` rather than Flask-Talisman: the policy is six headers, and the
nonce has to reach our own templates anyway.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, abort, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

__all__ = ["register_security"]


def csp_nonce() -> str:
    """This request's nonce, for the rare inline script or style a template needs."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
_BEFORE, _BETWEEN, _AFTER = POLICY.split("{nonce}")  # joined around the nonce per response
FIXED_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(nonce: str) -> str:
    """Only our own origin; inline code only with this request's nonce; never framed."""
    return f"{_BEFORE}{nonce}{_BETWEEN}{nonce}{_AFTER}"


def set_security_headers(response: Response) -> Response:
    """Add the headers to any response, error pages and static files included."""
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    headers.update(FIXED_HEADERS)
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    return response


def refuse_nul_bytes() -> None:
    """A NUL character in a query or form value is never legitimate (and PostgreSQL refuses it)."""
    values = [*request.args.values(), *(request.form.values() if request.method == "POST" else ())]
    if any("\x00" in value for value in values):
        abort(400)


def register_security(app: Flask) -> None:
    """Install the headers, the ``csp_nonce()`` template helper and ProxyFix when configured."""
    app.before_request(refuse_nul_bytes)
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    hops = app.config.get("TRUSTED_PROXY_COUNT", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
