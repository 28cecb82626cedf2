"""Figures for issue 14: what languages cost per request (list, form and sign-in pages).

    .venv/bin/python -m bench.i18n [--rounds 300] [--accounts 200]

Builds a throw-away SQLite database and file cache, signs in through the real form and
times GETs in process in CPU time (Flask's test client: the server's work without network or WSGI
server), once without an ``Accept-Language`` header and once with ``de-DE``. To compare
with a checkout without Flask-Babel, run this file with that checkout first on the path:
``PYTHONPATH=/path/to/checkout .venv/bin/python bench/i18n.py`` (the header is then
ignored). Prints a markdown table; asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import tempfile
import time
from pathlib import Path

from flask.testing import FlaskClient
from flask_migrate import upgrade

import webapp
from webapp import create_app
from webapp.accounts.models import Account
from webapp.auth.services import create_user
from webapp.extensions import db

EMAIL, PASSWORD = "i18n-bench@example.com", "bench-i18n-password-1"
PAGES = {"list": "/accounts/", "form": "/accounts/new", "detail": None}
GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def sign_in(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = {"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 303


def timed(client: FlaskClient, path: str, headers: dict, rounds: int) -> list[float]:
    """Milliseconds per GET of ``path``, after ten warm-up requests."""
    for _ in range(10):
        assert client.get(path, headers=headers).status_code == 200
    times = []
    for _ in range(rounds):
        started = time.thread_time()
        client.get(path, headers=headers)
        times.append((time.thread_time() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--accounts", type=int, default=200)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the request log line is not what is measured
    tmp = Path(tempfile.mkdtemp(prefix="bench-i18n-"))
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
            "REDIS_URL": "",
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(tmp / "cache"),
            "SESSION_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        upgrade()
        create_user(EMAIL, PASSWORD, "editor")
        db.session.commit()
        numbers = [
            Account.create(company_name=f"Bench {i:04d}", city="Berlin").account_number
            for i in range(args.accounts)
        ]
    PAGES["detail"] = f"/accounts/{numbers[0]}"
    client = app.test_client()
    sign_in(client)
    print(f"code: {Path(webapp.__file__).parent.parent}, {args.rounds} GETs per row")
    print("| page | Accept-Language | median CPU ms | p95 CPU ms |\n| --- | --- | --- | --- |")
    for name, path in PAGES.items():
        for label, headers in (("none", {}), ("de-DE", GERMAN)):
            ordered = sorted(timed(client, path, headers, args.rounds))
            p95 = ordered[int(len(ordered) * 0.95) - 1]
            print(f"| {name} | {label} | {statistics.median(ordered):.2f} | {p95:.2f} |")


if __name__ == "__main__":
    main()
