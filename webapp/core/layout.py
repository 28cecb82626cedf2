"""The layout's links (scripts, styles, the navigation), built once per mount point.

``base.html`` called ``url_for`` a dozen times on every page for links that never change.
They are built at the first page served under each ``SCRIPT_NAME`` (the prefix a WSGI server
or proxy mounts the app under) and kept on the app, keyed by that prefix: an app reached both
at ``/`` and under ``/admin`` gets the right links on each. The list link, which carries the
user's last search, and each tab's highlighting stay per request.
"""

from __future__ import annotations

from flask import current_app, request, url_for

__all__ = ["layout_urls"]

STATIC_FILES = {
    "theme_js": "js/theme.js",
    "bootstrap_css": "vendor/bootstrap-5.3.9/bootstrap.min.css",
    "app_css": "css/app.css",
    "bootstrap_js": "vendor/bootstrap-5.3.9/bootstrap.bundle.min.js",
    "app_js": "js/app.js",
    "palette_js": "js/palette.js",
}
ENDPOINTS = {
    "home": "accounts.index",
    "my_accounts": "myaccounts.index",
    "reports": "reports.billing",
    "audit": "audit.index",
    "staff": "staff.index",
    "api": "tokens.docs",
    "password": "auth.change_password",
    "logout": "auth.logout",
    "search": "palette.page",
    "palette": "palette.results",
}


def _build() -> dict[str, str]:
    urls = {name: url_for("static", filename=path) for name, path in STATIC_FILES.items()}
    urls.update((name, url_for(endpoint)) for name, endpoint in ENDPOINTS.items())
    return urls


def layout_urls() -> dict[str, dict[str, str]]:
    """Context processor: ``layout``, the layout's URLs under this request's mount point."""
    built: dict[str, dict[str, str]] = current_app.extensions.setdefault("layout_urls", {})
    urls = built.get(request.script_root)
    if urls is None:
        urls = built[request.script_root] = _build()
    return {"layout": urls}
