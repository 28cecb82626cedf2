"""What request ids, the request log line, the SQL count and the request metrics cost per request.

    python bench/observability.py [--requests 500] [--rounds 7] [--log-format text|json]

Measured in-process with the test client on a throw-away SQLite database, in CPU time: the same
app with and without the observability hooks, rounds interleaved. "Hooks alone" runs just the
hooks in a request context: on a shared, loaded host it is the steadier figure. Log lines go to
/dev/null through the real handler. Prints figures only.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.core import database, observability  # noqa: E402
from webapp.extensions import db  # noqa: E402

PASSWORD = "correct-staple-91x"
HOOKS = (observability._start, database._start_count, observability._finish)


def build(folder: Path, log_format: str) -> Flask:
    """A migrated app with one admin."""
    from webapp.auth.services import create_user

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(folder / "cache"),
            "SECRET_KEY": "b" * 64,
            "SESSION_COOKIE_SECURE": "false",
            "LOG_FORMAT": log_format,
        }
    )
    with app.app_context():
        upgrade()
        # Alembic's logging config gives the root logger a console handler; a served app has none.
        logging.getLogger().handlers.clear()
        create_user("bench@example.com", PASSWORD, "admin")
        db.session.commit()
    return app


def signed_in(app: Flask):
    """A test client signed in through the real form."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"email": "bench@example.com", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 303
    return client


@contextlib.contextmanager
def hooks_off(app: Flask):
    """The app without the observability hooks and the SQL counting listener."""
    saved = {key: list(funcs) for key, funcs in app.before_request_funcs.items()}
    saved_after = {key: list(funcs) for key, funcs in app.after_request_funcs.items()}
    for funcs in (*app.before_request_funcs.values(), *app.after_request_funcs.values()):
        funcs[:] = [f for f in funcs if f not in HOOKS]
    event.remove(Engine, "before_cursor_execute", database._count_statement)
    try:
        yield
    finally:
        event.listen(Engine, "before_cursor_execute", database._count_statement)
        app.before_request_funcs.update(saved)
        app.after_request_funcs.update(saved_after)


def per_request_ms(client, path: str, count: int) -> float:
    """Mean CPU milliseconds per request over ``count`` requests (CPU time: the host is shared)."""
    started = time.process_time()
    for _ in range(count):
        response = client.get(path)
        assert response.status_code == 200, response.status_code
    return (time.process_time() - started) * 1000 / count


def hooks_only_ms(app: Flask, path: str, count: int) -> float:
    """CPU milliseconds of the hooks alone: id, timer, one counted statement, metrics, log line."""
    from flask import Response

    response = Response("ok")
    with app.test_request_context(path):
        started = time.process_time()
        for _ in range(count):
            observability._start()
            database._start_count()
            database._count_statement()
            observability._finish(response)
        return (time.process_time() - started) * 1000 / count


def measure(app: Flask, client, path: str, count: int, rounds: int) -> tuple[float, float, float]:
    """Fastest round with and without the hooks, and the median of the paired differences.

    The order alternates each round, so neither side always runs on a warmer process.
    """
    on, off = [], []
    for index in range(rounds):
        for hooks in (True, False) if index % 2 else (False, True):
            with contextlib.nullcontext() if hooks else hooks_off(app):
                (on if hooks else off).append(per_request_ms(client, path, count))
    paired = statistics.median(a - b for a, b in zip(on, off, strict=True))
    return min(on), min(off), paired


def main() -> None:
    """Print the cost per request of each page, in milliseconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--log-format", choices=["text", "json"], default="text")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, open(os.devnull, "w") as sink:
        app = build(Path(folder), args.log_format)
        client = signed_in(app)
        with contextlib.redirect_stderr(sink):
            for path in ("/healthz", "/password"):
                per_request_ms(client, path, 50)  # warm up
                on, off, paired = measure(app, client, path, args.requests, args.rounds)
                print(
                    f"{path:10} {args.log_format}: with {on:.3f} ms, without {off:.3f} ms "
                    f"(fastest rounds); added {paired:+.3f} ms per request (median of pairs)",
                    file=sys.__stdout__,
                )
                alone = min(hooks_only_ms(app, path, args.requests * 10) for _ in range(3))
                print(
                    f"{path:10} {args.log_format}: hooks alone {alone:.4f} ms", file=sys.__stdout__
                )


if __name__ == "__main__":
    main()
