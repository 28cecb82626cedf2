"""The operator's fault table: gunicorn on PostgreSQL + Redis, each link cut and restored.

    python -m bench.faults [--workers 2] [--port 5190]

Issue 11's table, re-run as an operator would: one host (gunicorn, ``--workers``) on a
throw-away PostgreSQL database and a Redis key prefix of its own, each reached through a
``deploy.tcpproxy.TcpProxy`` that this script cuts (connections dropped, new ones refused)
and restores. For each step it prints the status, ``Retry-After`` and, for writes, how many
rows the database holds afterwards (read directly, not through the app). Exits 1 when a step
answers what the issue calls wrong (a 500, or a write answered with an error but saved).
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.database import flask, postgres_database
from bench.webclient import Browser, Page
from deploy.hosts import Hosts
from deploy.tcpproxy import TcpProxy

ADMIN, PASSWORD = "faults-admin@example.com", "fault-table-phrase-2026"


class Table:
    """The rows printed so far and whether every one answered as it should."""

    def __init__(self) -> None:
        self.ok = True
        print(f"{'step':44} {'status':>6} {'retry-after':>11}  note")

    def run(self, name: str, step: Callable[[], tuple[Page, str]], good: set[int]) -> None:
        """Run one step and print its row; a status outside ``good`` marks the run failed."""
        try:
            page, note = step()
            status, retry = page.status, page.headers.get("retry-after", "-")
        except OSError as exc:
            status, retry, note = 0, "-", f"connection failed: {exc}"
        verdict = "good" if status in good else "WRONG"
        self.ok = self.ok and status in good
        print(f"{name:44} {status:6} {retry:>11}  {verdict}{'; ' + note if note else ''}")


def count(url: str, company: str) -> int:
    """Accounts of this company name, read straight from PostgreSQL."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.scalar(
            text("SELECT count(*) FROM account WHERE company_name = :c"), {"c": company}
        )
    engine.dispose()
    return int(found or 0)


def steps(browser: Browser, url: str, number: str, phase: str) -> dict[str, Callable]:
    """The reads and writes of one phase, each answering (page, note)."""

    def create() -> tuple[Page, str]:
        company = f"Fault {phase} {secrets.token_hex(3)}"
        page = browser.submit("/accounts/new", {"company_name": company})
        return page, f"rows saved: {count(url, company)}"

    def edit() -> tuple[Page, str]:
        city = f"City {secrets.token_hex(3)}"
        page = browser.submit(f"/accounts/{number}/edit", {"city": city})
        engine = create_engine(url)
        with engine.connect() as conn:
            stored = conn.scalar(
                text("SELECT city FROM account WHERE account_number = :n"), {"n": number}
            )
        engine.dispose()
        return page, f"change saved: {'yes' if stored == city else 'no'}"

    return {
        "account detail": lambda: (browser.get(f"/accounts/{number}"), ""),
        "account list": lambda: (browser.get("/accounts/?q=fault"), ""),
        "create account": create,
        "edit account": edit,
        "/healthz": lambda: (browser.get("/healthz"), ""),
    }


# Each cut lasts at least this long before it is restored: longer than the idle ping
# (DATABASE_IDLE_PING_SECONDS, 1 s), as any real outage is. A blip shorter than that can cost
# a worker one 503 (safe to resend) on a connection it last used just before the cut.
OUTAGE_SECONDS = 2.0

# What each phase should answer, step by step (the table, with its wrong answers fixed).
SERVED = {200, 303}
EXPECTED = {
    "Redis cut": {"/healthz": {503}},
    "Redis back": {},
    "PostgreSQL cut": {"account detail": {200, 503}, "": {503}},
    "PostgreSQL back": {},
}


def table(port: int, url: str, redis: TcpProxy, postgres: TcpProxy) -> bool:
    """Cut Redis, restore it, cut PostgreSQL, restore it; a row per step."""
    browser = Browser(port)
    assert browser.sign_in(ADMIN, PASSWORD).status == 303, "sign-in failed"
    made = browser.submit("/accounts/new", {"company_name": "Fault Subject"})
    number = made.location.rstrip("/").rsplit("/", 1)[-1]
    browser.get(f"/accounts/{number}")  # now cached
    rows = Table()
    links = {"Redis cut": redis.cut, "Redis back": redis.restore}
    links |= {"PostgreSQL cut": postgres.cut, "PostgreSQL back": postgres.restore}
    cut_at = time.monotonic()
    for phase, expected in EXPECTED.items():
        if phase.endswith("back"):
            time.sleep(max(0.0, cut_at + OUTAGE_SECONDS - time.monotonic()))
        links[phase]()
        cut_at = time.monotonic()
        for name, step in steps(browser, url, number, phase).items():
            rows.run(f"{phase}: {name}", step, expected.get(name, expected.get("", SERVED)))
    return rows.ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5190)
    args = parser.parse_args()
    url, drop = postgres_database()
    prefix = f"faults-{secrets.token_hex(4)}:"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/2"}
    env |= {"SECRET_KEY": "faults", "ADMIN_EMAIL": ADMIN, "ADMIN_PASSWORD": PASSWORD}
    try:
        flask(env, "db", "upgrade")
        flask(env, "users", "ensure-admin")
        with (
            TcpProxy("127.0.0.1", 5432) as postgres,
            TcpProxy("127.0.0.1", 6379) as redis,
            tempfile.TemporaryDirectory() as instance,
        ):
            shared = {
                "DATABASE_URL": url.replace(":5432/", f":{postgres.port}/"),
                "REDIS_URL": f"redis://127.0.0.1:{redis.port}/2",
                "CACHE_KEY_PREFIX": prefix,
                "SECRET_KEY": secrets.token_hex(32),
                "SESSION_COOKIE_SECURE": "false",
            }
            with Hosts(shared, Path(instance), [args.port]).start(workers=args.workers):
                ok = table(args.port, url, redis, postgres)
    finally:
        drop()
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
