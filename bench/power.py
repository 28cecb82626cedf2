"""What presence and undo add per request, in-process (prints medians; asserts nothing).

.venv/bin/python -m bench.power             # SQLite + the host's file cache
.venv/bin/python -m bench.power --redis     # PostgreSQL + Redis (the local test servers)

Each pair runs interleaved (with, without, with, ...) so load on the machine hits both alike.
"""

from __future__ import annotations

import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from webapp import create_app
from webapp.accounts.models import Account
from webapp.auth.services import create_user
from webapp.extensions import db
from webapp.presence import services as presence
from webapp.undo import services as undo

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "bench-password-7731"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
UNDO = re.compile(r'action="(/undo/\d+)"')
ROUNDS = 200


def _config(redis: bool) -> dict[str, Any]:
    base = {"SECRET_KEY": "bench", "TESTING": True, "SESSION_COOKIE_SECURE": "false"}
    if not redis:
        folder = Path(tempfile.mkdtemp())
        return {
            **base,
            "REDIS_URL": "",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(folder / "cache"),
        }
    schema = f"bench_{secrets.token_hex(4)}"
    with create_engine(PG_URL).begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    return {
        **base,
        "DATABASE_URL": f"{PG_URL}?options=-csearch_path%3D{schema}",
        "REDIS_URL": "redis://127.0.0.1:6379/2",
        "CACHE_KEY_PREFIX": f"{schema}:",
        "bench_schema": schema,
    }


def _client(app: Flask, email: str) -> FlaskClient:
    """A client signed in through the real form."""
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _pair(request: Callable[[], Any], switch: Callable[[bool], None]) -> tuple[float, float]:
    """Median ms of ``request`` with the feature on and off, interleaved."""
    times: dict[bool, list[float]] = {True: [], False: []}
    for i in range(ROUNDS):
        for on in (True, False) if i % 2 else (False, True):
            switch(on)
            started = time.perf_counter()
            request()
            times[on].append(time.perf_counter() - started)
    switch(True)
    return _median_ms(times[True]), _median_ms(times[False])


def _report(label: str, on: float, off: float) -> None:
    print(f"| {label} | {off:.2f} | {on:.2f} | {on - off:+.2f} |")


def _presence(app: Flask, number: str) -> None:
    ann, bob = _client(app, "ann@example.com"), _client(app, "bob@example.com")
    bob.get(f"/accounts/{number}/edit")
    real = presence.arrive

    def switch(on: bool) -> None:
        presence.arrive = real if on else (lambda *args: [])  # type: ignore[assignment]

    _report("edit page GET (presence)", *_pair(lambda: ann.get(f"/accounts/{number}/edit"), switch))
    polls = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        ann.get(f"/accounts/{number}/presence")
        polls.append(time.perf_counter() - started)
    print(f"| presence poll GET, the whole request | | {_median_ms(polls):.2f} | |")


def _undo(app: Flask, number: str) -> None:
    client = _client(app, "ann@example.com")
    token = TOKEN.search(client.get(f"/accounts/{number}").get_data(as_text=True)).group(1)
    real = undo.offer
    state = {"active": True}

    def switch(on: bool) -> None:
        undo.offer = real if on else (lambda event: None)  # type: ignore[assignment]

    def toggle() -> None:
        action = "deactivate" if state["active"] else "activate"
        client.post(f"/accounts/{number}/{action}", data={"csrf_token": token})
        state["active"] = not state["active"]

    _report("state POST (undo offer in the flash)", *_pair(toggle, switch))
    detail = _pair(lambda: (toggle(), client.get(f"/accounts/{number}")), switch)
    _report("state POST + the detail GET showing the offer", *detail)
    _undo_itself(client, number, toggle, state)


def _undo_itself(
    client: FlaskClient, number: str, toggle: Callable[[], None], state: dict[str, bool]
) -> None:
    """Median ms of the Undo POST (check, lock, restore, audit, commit)."""
    undos = []
    for _ in range(ROUNDS // 2):
        toggle()
        page = client.get(f"/accounts/{number}").get_data(as_text=True)
        form = UNDO.search(page)
        fields = dict(re.findall(r'name="(csrf_token|write_key|next)"[^>]*value="([^"]*)"', page))
        started = time.perf_counter()
        status = client.post(form.group(1), data=fields).status_code
        undos.append(time.perf_counter() - started)
        state["active"] = not state["active"]  # the undo flipped it back
        if status != 303:
            print(f"undo answered {status}")
    print(f"| undo POST, the whole request | | {_median_ms(undos):.2f} | |")


def main() -> None:
    redis = "--redis" in sys.argv
    config = _config(redis)
    schema = config.pop("bench_schema", None)
    app = create_app(config)
    with app.app_context():
        upgrade()
        for email in ("ann@example.com", "bob@example.com"):
            create_user(email, PASSWORD, "editor")
        db.session.commit()
        number = Account.create(company_name="Bench Corp").account_number
    print(f"{'PostgreSQL + Redis' if redis else 'SQLite + file cache'}, median of {ROUNDS}:")
    print("| request | without (ms) | with (ms) | cost (ms) |\n| --- | --- | --- | --- |")
    try:
        _presence(app, number)
        _undo(app, number)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if schema:
            with create_engine(PG_URL).begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
