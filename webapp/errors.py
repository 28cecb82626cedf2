"""Exceptions shared by every area, and the error pages the dashboard answers with."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from webapp.api.problems import from_exception
from webapp.core import faults, idempotency
from webapp.core.i18n import lazy_gettext as _l

__all__ = ["ConfigurationError", "ValidationError", "register_error_handlers"]


class ConfigurationError(RuntimeError):
    """The application or a caller was set up wrongly (bad setting, wrong argument type)."""


class ValidationError(ValueError):
    """Bad input for one or more fields; each message is fit to show the person who typed it.

    ``errors`` maps field names to messages; ``field`` and ``message`` are the first of them.
    Messages never echo the values of other fields.
    """

    def __init__(self, field: str | dict[str, str], message: str | None = None) -> None:
        errors = dict(field) if isinstance(field, dict) else {field: message or "Invalid value."}
        self.errors: dict[str, str] = errors
        self.field, self.message = next(iter(errors.items()))
        super().__init__("; ".join(f"{name}: {text}" for name, text in errors.items()))


TITLES = {
    400: _l("This form expired or the request was malformed"),
    403: _l("You do not have permission to do that"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    410: _l("No longer available"),
    422: _l("Some values need correcting"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("Service unavailable"),
}


API_PREFIX = "/api/v1"  # its own auth (bearer tokens) and errors (problem+json)


def _render(
    code: int,
    description: str | None = None,
    headers: dict[str, str] | None = None,
    exc: HTTPException | None = None,
):
    """Answer with the dashboard's error page, JSON for API-style requests, or problem+json
    under ``/api/v1`` (unknown routes there included)."""
    if request.path.startswith(API_PREFIX):
        return from_exception(exc, code, description, headers)
    title = str(TITLES.get(code, _l("Error")))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=title, status=code), code, headers or {}
    page = render_template("errors/error.html", code=code, title=title, description=description)
    return page, code, headers or {}


def register_error_handlers(app: Flask) -> None:
    """Render every HTTP error in the layout; a 500 rolls back the session and hides the trace."""

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        if exc.code == 404 and request.method == "POST":
            # A resent delete finds nothing: answer as its first copy did, if there was one.
            answer = idempotency.replay_missing()
            if answer is not None:
                return answer
        return _render(exc.code or 500, exc.description, exc=exc)

    @app.errorhandler(500)
    def handle_500(exc: Exception):
        faults.settle()
        return _render(500)

    for error in faults.DRIVER_ERRORS:
        app.register_error_handler(error, handle_database_error)


def handle_database_error(exc: Exception):
    """503 with ``Retry-After`` when the database is unreachable; other driver errors are 500."""
    faults.settle()
    if not faults.is_unavailable(exc):
        current_app.logger.error("database error", exc_info=exc)
        return _render(500)
    current_app.logger.warning("database unavailable: %s", type(exc).__name__)
    return _render(503, headers={"Retry-After": str(faults.RETRY_AFTER_SECONDS)})
