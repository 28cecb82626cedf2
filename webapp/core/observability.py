"""Request ids, one log line per request (``LOG_FORMAT``: text or JSON) and request metrics.

Every request gets an id: the caller's ``X-Request-Id`` when it is a sane token, else a new
one; it is answered in the ``X-Request-Id`` header and carried by every log record written
while the request runs (``logger.exception`` included). Log lines go to the WSGI error stream
(gunicorn's error log), so gunicorn's own access log should stay off: this line replaces it.
The duration covers the app's hooks and view, not the streaming of a streamed body.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import inspect

from webapp.core import database, metrics
from webapp.core.metrics import cache_result

# ``cache_result(hit)`` is re-exported so cache code may count look-ups from either module.
__all__ = ["cache_result", "register_observability", "request_id"]

REQUEST_ID_HEADER = "X-Request-Id"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
REQUEST_LINE = "%s %s %s %.1f ms sql=%d user=%s"
request_log = logging.getLogger("webapp.request")


def request_id() -> str | None:
    """The id of the request being answered, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


def _start() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()
    g.request_started = time.perf_counter()


def _user_id() -> Any:
    # Only a user this request already loaded: current_user would load one (SQL), and
    # the loaded row may be expired by a commit, so its key is read without a refresh.
    user = g.get("_login_user")
    if user is None or not user.is_authenticated:
        return None
    state = inspect(user, raiseerr=False)
    return state.identity[0] if state is not None and state.identity else None


def _finish(response: Response) -> Response:
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    rule = request.url_rule.rule if request.url_rule is not None else None
    metrics.observe_request(request.endpoint, rule, request.method, response.status_code, seconds)
    if request_log.isEnabledFor(logging.INFO):
        _log_request(rule, response.status_code, seconds)
    return response


def _log_request(rule: str | None, status: int, seconds: float) -> None:
    """One record with the request's facts (made directly: no caller lookup on every request)."""
    sql, user = database.statement_count(), _user_id()
    fields = {
        "method": request.method,
        "route": rule,
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
        "sql_count": sql,
        "user": user,
    }
    args = (request.method, rule or "-", status, seconds * 1000, sql, "-" if user is None else user)
    record = request_log.makeRecord(
        request_log.name,
        logging.INFO,
        __file__,
        0,
        REQUEST_LINE,
        args,
        None,
        extra={"http": fields},
    )
    request_log.handle(record)


class ErrorStreamHandler(logging.Handler):
    """Each record as one line on the request's WSGI error stream (gunicorn's error log)."""

    def emit(self, record: logging.LogRecord) -> None:
        """Write one formatted line; outside a request, to standard error."""
        try:
            stream = request.environ["wsgi.errors"] if has_request_context() else sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)


class LogFormatter(logging.Formatter):
    """A readable line, or one JSON object per line when the app's ``LOG_FORMAT`` is json."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)
        self.json_outside_app = False
        self._stamp = (0, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """UTC to the second, formatted once per second (many lines share one)."""
        second, stamp = self._stamp
        if int(record.created) != second:
            second = int(record.created)
            stamp = time.strftime(TIME_FORMAT, time.gmtime(second))
            self._stamp = (second, stamp)
        return stamp

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` as the current app's ``LOG_FORMAT`` asks, with the request id."""
        record.request_id = request_id()
        as_json = (
            current_app.config.get("LOG_FORMAT") == "json"
            if has_app_context()
            else self.json_outside_app
        )
        return self.format_json(record) if as_json else super().format(record)

    def format_json(self, record: logging.LogRecord) -> str:
        """One JSON object: time, level, logger, request id, message and the request's facts."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": record.request_id,
            "message": record.getMessage(),
            **getattr(record, "http", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def install_log_handler(log_format: str) -> None:
    """One handler on the ``webapp`` logger (Flask then adds none of its own), INFO and up."""
    logger = logging.getLogger("webapp")
    handler = next((h for h in logger.handlers if isinstance(h.formatter, LogFormatter)), None)
    if handler is None:
        handler = ErrorStreamHandler()
        handler.setFormatter(LogFormatter())
        logger.addHandler(handler)
    handler.formatter.json_outside_app = log_format == "json"  # type: ignore[union-attr]
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


def register_observability(app: Flask) -> None:
    """Install the request id, SQL count, request log and metrics hooks, and ``/metrics``."""
    install_log_handler(app.config["LOG_FORMAT"])
    app.before_request(_start)
    database.count_statements(app)
    app.after_request(_finish)
    app.register_blueprint(metrics.bp)
