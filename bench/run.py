"""Benchmark the account screens: seed a throw-away database, serve it with gunicorn, load it.

    python bench/run.py [--accounts 100000] [--database sqlite|postgres] [--seconds 10]
                        [--clients 8] [--workers 2] [--database-url URL]

``--database-url`` benchmarks a database seeded before (``seed-demo``) instead of seeding a
throw-away one, and leaves it in place: seeding a million accounts takes minutes.

Prints, per scenario: requests (or form round trips) per second, p50 and p95 latency, SQL
statements per request (from the app's X-SQL-Count header) and the workers' peak memory.
Only 127.0.0.1 is contacted. A benchmark prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "load-test-phrase-2026"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def flask(env: dict[str, str], *args: str) -> str:
    """Run an operator command against the benchmark database."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def postgres_database() -> tuple[str, callable]:
    """A fresh PostgreSQL database and the function that drops it."""
    from sqlalchemy import create_engine, text

    name = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


class Client:
    """One signed-in browser-like client over a keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data, int(response.headers.get("X-SQL-Count", 0))

    def sign_in(self, email: str) -> None:
        _, page, _ = self.request("GET", "/login")
        status, _, _ = self.request(
            "POST",
            "/login",
            {"email": email, "password": PASSWORD, "csrf_token": TOKEN.search(page).group(1)},
        )
        assert status == 303, f"sign-in failed: {status}"


def account_form(page: str, **changes: str) -> dict[str, str]:
    """The account form's fields with valid values and the page's CSRF token."""
    form = {
        "csrf_token": TOKEN.search(page).group(1),
        "company_name": "Bench Co",
        "version": "1.0.0",
        "annotations": "{}",
        "country": "USA",
        "language": "en",
        "timezone": "UTC",
        "currency": "USD",
        "is_active": "y",
        "save": "Save",
    }
    return {**form, **changes}


def scenarios(numbers: list[str], far: int, word: str, cursor: str):
    """name -> function(client) doing one request or one form round trip; returns SQL count."""

    def get(path_of):
        def run(client: Client) -> int:
            status, _, sql = client.request("GET", path_of())
            assert status == 200, (status, path_of())
            return sql

        return run

    def create(client: Client) -> int:
        _, page, sql_get = client.request("GET", "/accounts/new")
        status, _, sql_post = client.request("POST", "/accounts/new", account_form(page))
        assert status == 303, status
        return sql_get + sql_post

    def edit(client: Client) -> int:
        number = random.choice(numbers)
        _, page, sql_get = client.request("GET", f"/accounts/{number}/edit")
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
        form = account_form(
            page,
            revision=fields.get("revision", ""),
            company_name=fields.get("company_name", "Bench Co"),
            city=f"City {random.randrange(999)}",
        )
        status, _, sql_post = client.request("POST", f"/accounts/{number}/edit", form)
        assert status in (303, 409), status
        return sql_get + sql_post

    return {
        "health check (floor)": get(lambda: "/healthz"),  # what the harness itself allows
        "list, first page": get(lambda: "/accounts/"),
        f"list, page {far:,} (OFFSET)": get(lambda: f"/accounts/?page={far}"),
        f"list, page {far:,} (cursor)": get(lambda: f"/accounts/?page={far}&after={cursor}"),
        f"search '{word}'": get(lambda: f"/accounts/?q={word}"),
        "detail": get(lambda: f"/accounts/{random.choice(numbers)}"),
        "create (GET form + POST)": create,
        "edit (GET form + POST)": edit,
    }


def load(port: int, action, clients: int, seconds: float, email: str) -> dict[str, float]:
    """Run ``action`` from ``clients`` threads for ``seconds``; return the figures."""
    latencies: list[float] = []
    sql: list[int] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        client = Client(port)
        client.sign_in(email)
        mine, mine_sql = [], []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            mine_sql.append(action(client))
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
            sql.extend(mine_sql)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "rate": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "sql": statistics.mean(sql),
    }


def peak_memory_mb(master: int) -> float:
    """The largest peak resident size (VmHWM) among the gunicorn workers, in MB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks, default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--database-url", default="", help="an already seeded database")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    drop = None
    if args.database_url:
        url = args.database_url
        redis = "" if url.startswith("sqlite") else "redis://127.0.0.1:6379/2"
    elif args.database == "sqlite":
        url, redis = f"sqlite:///{workdir / 'bench.db'}", ""
    else:
        url, drop = postgres_database()
        redis = "redis://127.0.0.1:6379/2"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis,
        "SECRET_KEY": "bench",
        "SESSION_COOKIE_SECURE": "false",
        "SQL_COUNT_HEADER": "true",
    }
    if not redis:
        env.pop("REDIS_URL")
        env["CACHE_DIR"] = str(workdir / "cache")
    server = None
    try:
        started = time.perf_counter()
        flask(env, "db", "upgrade")
        if not args.database_url:
            flask(env, "seed-demo", "--accounts", str(args.accounts), "--seed", "7")
            print(
                f"seeded {args.accounts:,} accounts on {args.database} in "
                f"{time.perf_counter() - started:.0f} s"
            )
        args.accounts = count_accounts(url)
        email = f"bench-{secrets.token_hex(3)}@example.com"
        flask(env, "users", "create", "--email", email, "--password", PASSWORD, "--role", "editor")
        numbers = sample_numbers(url)
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{args.port}",
                "--timeout",
                "600",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_up(args.port)
        print(
            f"gunicorn {args.workers} sync workers, {args.clients} clients, "
            f"{args.seconds:g} s per scenario\n"
        )
        print(f"{'scenario':28} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'SQL/req':>8}")
        far = min(10_000, max(1, args.accounts // 25))
        cursor = deep_cursor(url, (far - 1) * 25)
        for name, action in scenarios(numbers, far, "harbor", cursor).items():
            figures = load(args.port, action, args.clients, args.seconds, email)
            print(
                f"{name:28} {figures['rate']:8.1f} {figures['p50']:8.1f} {figures['p95']:8.1f} "
                f"{figures['sql']:8.1f}"
            )
        print(f"\nworker peak memory: {peak_memory_mb(server.pid):.0f} MB")
        export_all(args.port, email, server.pid)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(20)
        if drop is not None:
            drop()
        shutil.rmtree(workdir, ignore_errors=True)


def export_all(port: int, email: str, master: int) -> None:
    """Stream the whole CSV export once and report its pace and the workers' peak memory."""
    client = Client(port)
    client.sign_in(email)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())}
    started = time.perf_counter()
    client.conn.request("GET", "/accounts/export.csv", headers=headers)
    response = client.conn.getresponse()
    rows = size = 0
    while chunk := response.read(1 << 16):
        rows += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - started
    print(
        f"export of every account: {rows - 1:,} rows, {size / 1e6:.0f} MB in {seconds:.1f} s; "
        f"worker peak memory after it: {peak_memory_mb(master):.0f} MB"
    )


def count_accounts(url: str) -> int:
    """How many accounts the benchmarked database holds."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        total = conn.scalar(text("SELECT count(*) FROM account"))
    engine.dispose()
    return int(total)


def deep_cursor(url: str, offset: int) -> str:
    """The list's keyset cursor (sorted by company name) just before row ``offset``."""
    import base64
    import json

    from sqlalchemy import column, create_engine, select, table

    engine = create_engine(url)
    account = table("account", column("company_name"), column("id"))
    query = (
        select(account.c.company_name, account.c.id)
        .order_by(account.c.company_name, account.c.id)
        .offset(max(0, offset - 1))
        .limit(1)
    )
    with engine.connect() as conn:
        name, ident = conn.execute(query).one()
    engine.dispose()
    return base64.urlsafe_b64encode(json.dumps([name, ident]).encode()).decode()


def sample_numbers(url: str, count: int = 2000) -> list[str]:
    """Random account numbers of the seeded database, for detail and edit requests."""
    from sqlalchemy import column, create_engine, func, select, table

    engine = create_engine(url)
    with engine.connect() as conn:
        account = table("account", column("account_number"))
        query = select(account.c.account_number).order_by(func.random()).limit(count)
        numbers = list(conn.scalars(query))
    engine.dispose()
    return numbers


def wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not come up")


if __name__ == "__main__":
    main()
