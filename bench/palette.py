"""Figures for issue 13: the palette's latency and the saved views' cost on the list page.

    .venv/bin/python -m bench.palette --database-url sqlite:////tmp/bench.db [--rounds 30]

The database is one ``flask seed-demo --accounts N`` filled (brought to the head migration
here). Requests go through the app in process (Flask's test client, signed in through the
real form), so the figures are the server's time without the network or a WSGI server.
Prints a markdown table; asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, render_template
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from webapp import create_app
from webapp.accounts.models import Account
from webapp.auth.models import User
from webapp.auth.services import create_user
from webapp.extensions import db
from webapp.savedviews import services as saved
from webapp.savedviews.models import SavedView

PASSWORD = "bench-palette-password-1"
EMAIL = "palette-bench@example.com"


def timed(call: Callable[[], Any], rounds: int) -> list[float]:
    """Milliseconds of each of ``rounds`` calls, after two warm-up calls."""
    call(), call()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def row(label: str, times: list[float]) -> str:
    """A table row: median, 95th percentile and worst, in ms."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"| {label} | {statistics.median(ordered):.2f} | {p95:.2f} | {ordered[-1]:.2f} |"


def prepare(app: Flask) -> dict[str, str]:
    """Migrate, add the bench's editor, and pick real values to search for."""
    with app.app_context():
        upgrade()
        if db.session.scalar(select(User.id).where(User.email == EMAIL)) is None:
            create_user(EMAIL, PASSWORD, "editor")
            db.session.commit()
        count = db.session.scalar(select(func.count()).select_from(Account))
        middle = db.session.get(Account, max(1, count // 2))
        email = db.session.scalar(
            text(
                "SELECT email FROM account_contact WHERE account_id >= :id ORDER BY account_id"
                " LIMIT 1"
            ),
            {"id": count // 3},
        )
        return {
            "count": f"{count:,}",
            "number": middle.account_number,
            "company": middle.company_name,
            "email": email,
        }


def signed_in(app: Flask) -> Any:
    """A test client signed in through the login form."""
    import re

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303, answer.status_code
    return client


def palette_rows(client: Any, values: dict[str, str], rounds: int) -> list[str]:
    """The palette endpoint's time for each kind of query."""
    queries = {
        "exact account number (jump)": values["number"],
        "account number, first 9 characters": values["number"][:9],
        f"company name '{values['company']}'": values["company"],
        "one common word 'harbor'": "harbor",
        f"contact email '{values['email']}'": values["email"],
        "part of that email (its local part)": values["email"].split("@")[0],
        "that email's domain": values["email"].split("@")[1],
        "that email mistyped (no exact contact)": values["email"][:-2] + "xx",
        "in every document: 'example'": "example",
        "no account matches 'zzqxv'": "zzqxv",
        "page name 'reports'": "reports",
        "action 'new account'": "new account",
        "2 characters 'ab' (pages and actions only)": "ab",
    }
    rows = []
    for label, q in queries.items():
        response = client.get("/search/palette", query_string={"q": q})
        assert response.status_code == 200, (label, response.status_code)
        times = timed(lambda q=q: client.get("/search/palette", query_string={"q": q}), rounds)
        rows.append(row(f"palette: {label} ({len(response.get_json()['results'])} hits)", times))
    return rows


def saved_view_rows(app: Flask, client: Any, rounds: int) -> list[str]:
    """What the saved views add to the list page: their query, and the panel's rendering."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        db.session.execute(SavedView.__table__.delete().where(SavedView.owner_id == user.id))
        for i in range(20):
            db.session.add(
                SavedView(
                    owner_id=user.id,
                    name=f"View {i:02d}",
                    query=f"q=harbor&country=FRA&per_page={25 + i}",
                    shared=i % 2 == 0,
                )
            )
        db.session.commit()
        with app.test_request_context("/accounts/"):
            views = saved._load_visible(user)
            query_times = timed(lambda: saved._load_visible(user), rounds * 10)
            hit_times = timed(lambda: saved.visible_views(user), rounds * 10)
            args = {"q": "harbor", "country": "FRA"}
            render = timed(
                lambda: render_template(
                    "savedviews/_panel.html",
                    saved_views=views,
                    saved_query=saved.normalise(args),
                    saved_views_path="/accounts/views/",
                ),
                rounds * 10,
            )
    page = timed(lambda: client.get("/accounts/"), rounds)
    return [
        row(f"saved views: cache hit, what the list pays ({len(views)} views)", hit_times),
        row("saved views: cache miss, the query (after any view changes)", query_times),
        row("saved views: normalise + render the panel", render),
        row("list page, first page, whole (for scale)", page),
    ]


def main() -> None:
    """Seeded database in, markdown table out."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the request log of every timed request
    app = create_app(
        {
            "DATABASE_URL": args.database_url,
            "SECRET_KEY": "bench",
            "SESSION_COOKIE_SECURE": "false",
            "REDIS_URL": "",
            "RATELIMIT_ENABLED": False,
            "CACHE_DIR": "/tmp/palette_bench/cache-" + args.database_url.split(":")[0],
        }
    )
    values = prepare(app)
    client = signed_in(app)
    backend = args.database_url.split(":")[0]
    print(f"\n{values['count']} accounts, {backend}, {args.rounds} rounds, in process\n")
    print("| request | median ms | p95 ms | max ms |\n| --- | --- | --- | --- |")
    for line in palette_rows(client, values, args.rounds) + saved_view_rows(
        app, client, args.rounds
    ):
        print(line)


if __name__ == "__main__":
    main()
