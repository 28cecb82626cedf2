"""Benchmark our account screens against a plain Flask-Admin ModelView of the same table.

    python bench/run.py [--database sqlite|postgres] [--accounts 100000] [--seconds 10]
                        [--scenarios floor,list,far,offset,search,palette,detail,...]
                        [--no-peer] [--clients 8] [--workers 2] [--database-url URL]

Seeds a throw-away database (``seed-demo``) or reuses ``--database-url`` (left in place),
then serves it with gunicorn, first our app, then the peer (bench/peers/flask_admin_app.py),
never both at once, with the same settings. GET pages are driven by wrk (2 threads,
8 connections), form round trips by Python clients that parse the form with lxml. Prints a
markdown table (also written to bench/results/<database>-<accounts>.md). Only 127.0.0.1 is
contacted. A benchmark prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import database
import drive
import report
import subjects
from database import BIN, ROOT, flask
from drive import Client

SCENARIOS = (
    "floor",
    "list",
    "far",
    "offset",
    "search",
    "palette",
    "detail",
    "create",
    "edit",
    "export",
)
WORD = "harbor"


def labels(far: int) -> dict[str, str]:
    """Each scenario's row label in the table."""
    return {
        "floor": "health check (floor; theirs: a trivial route)",
        "list": "list, first page",
        "far": f"list, page {far:,} (ours by cursor, theirs by page=)",
        "offset": f"list, page {far:,} by OFFSET (ours page= alone)",
        "search": f"search '{WORD}'",
        "palette": f"palette JSON: '{WORD}' or an account number (theirs: none)",
        "detail": "detail (theirs: edit page GET)",
        "create": "create round trip (GET form + POST)",
        "edit": "edit round trip (GET form + POST)",
    }


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", default="", help="an already seeded database")
    parser.add_argument("--seconds", type=float, default=10, help="per scenario and app")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--peer", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--clients", type=int, default=8, help="Python clients (forms)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5077, help="ours; the peer's is +1")
    args = parser.parse_args()
    args.scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    if args.database_url:
        args.database = "sqlite" if args.database_url.startswith("sqlite") else "postgres"
    return args


def environment(
    args: argparse.Namespace, workdir: Path
) -> tuple[dict[str, str], Callable[[], None] | None]:
    """The apps' environment, and how to drop the database afterwards (None: keep it)."""
    drop = None
    if args.database_url:
        url = args.database_url
    elif args.database == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        url, drop = database.postgres_database()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    env.update(SESSION_COOKIE_SECURE="false", SQL_COUNT_HEADER="true")
    if url.startswith("sqlite"):
        env.pop("REDIS_URL", None)
        env["CACHE_DIR"] = str(workdir / "cache")
    else:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/2"
    return env, drop


def prepare(args: argparse.Namespace, env: dict[str, str]) -> dict:
    """Migrate (and seed) the database, add a bench editor; return what scenarios need."""
    url = env["DATABASE_URL"]
    started = time.perf_counter()
    flask(env, "db", "upgrade")
    if not args.database_url:
        flask(env, "seed-demo", "--accounts", str(args.accounts), "--seed", "7")
        print(
            f"seeded {args.accounts:,} accounts on {args.database} in "
            f"{time.perf_counter() - started:.0f} s"
        )
    args.accounts = database.count_accounts(url)
    email = f"bench-{secrets.token_hex(3)}@example.com"
    flask(
        env,
        "users",
        "create",
        "--email",
        email,
        "--password",
        subjects.PASSWORD,
        "--role",
        "editor",
    )
    ids, numbers = database.sample_accounts(url)
    far = min(10_000, max(1, args.accounts // 25))
    return {
        "email": email,
        "ids": ids,
        "numbers": numbers,
        "far": far,
        "cursor": database.deep_cursor(url, (far - 1) * 25),
    }


def serve(
    subject: subjects.Subject, port: int, args: argparse.Namespace, env: dict[str, str]
) -> subprocess.Popen:
    """Start gunicorn for one app (the same settings for both) and wait until it answers."""
    command = [str(BIN / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}"]
    command += ["--timeout", "600", "--log-level", "warning", *subject.target]
    # The servers' logs (our request line per request) go to a file, as in production: a
    # terminal that scrolls thousands of lines a second would be measured too.
    logs = ROOT / "bench" / "results"
    logs.mkdir(exist_ok=True)
    with open(logs / "servers.log", "ab") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        drive.wait_until_up(server, port, subject.ready_path)
    except BaseException:
        stop(server)
        raise
    return server


def stop(server: subprocess.Popen) -> None:
    """Stop a gunicorn master and its workers, and wait for them."""
    server.send_signal(signal.SIGTERM)
    server.wait(30)


def page_figures(
    subject: subjects.Subject,
    client: Client,
    port: int,
    paths: list[str],
    args: argparse.Namespace,
    workdir: Path,
) -> dict:
    """Load GET ``paths`` with wrk (Python clients without it); SQL count from one request."""
    sql = client.get_ok(paths[0])  # checks the page, and renews the session cookie for wrk
    if drive.WRK:
        figures = drive.run_wrk(port, client.cookie_header(), paths, args.seconds, workdir)
    else:
        figures = drive.run_threads(
            lambda: signed_in(subject, port),
            lambda c: c.get_ok(random.choice(paths)),
            args.clients,
            args.seconds,
        )
    return {**figures, "sql": sql}


def signed_in(subject: subjects.Subject, port: int) -> Client:
    """A new client with its own signed-in session."""
    client = Client(port)
    subject.sign_in(client)
    return client


def measure(
    subject: subjects.Subject, port: int, args: argparse.Namespace, env: dict, workdir: Path
) -> dict:
    """Serve one app, run the chosen scenarios on it, then stop it; return its figures."""
    server = serve(subject, port, args, env)
    figures, seen = {}, {}
    try:
        client = signed_in(subject, port)
        for key in args.scenarios:
            if key in subject.pages:
                paths = subject.pages[key]
                if tuple(paths) not in seen:
                    seen[tuple(paths)] = page_figures(subject, client, port, paths, args, workdir)
                figures[key] = seen[tuple(paths)]
            elif key in subject.forms:
                figures[key] = drive.run_threads(
                    lambda: signed_in(subject, port), subject.forms[key], args.clients, args.seconds
                )
            else:
                continue
            print(
                f"  {subject.label:6} {key:7} {figures[key]['rate']:9.1f}/s "
                f"p50 {figures[key]['p50']:7.1f} ms  ({figures[key]['tool']})"
            )
        figures["memory"] = drive.peak_memory_mb(server.pid)
        if "export" in args.scenarios and subject.export_path:
            figures["export"] = export_all(client, subject.export_path, server.pid)
    finally:
        stop(server)
    return figures


def export_all(client: Client, path: str, master: int) -> dict:
    """Stream the whole CSV export once; its rows, size, time and the workers' peak memory."""
    started = time.perf_counter()
    client.conn.request("GET", path, headers={"Cookie": client.cookie_header()})
    response = client.conn.getresponse()
    rows = size = 0
    while chunk := response.read(1 << 16):
        rows += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - started
    peak = drive.peak_memory_mb(master)
    print(
        f"  ours   export  {rows - 1:,} rows, {size / 1e6:.0f} MB in {seconds:.1f} s, "
        f"worker peak {peak:.0f} MB"
    )
    return {"rows": rows - 1, "mb": size / 1e6, "seconds": seconds, "peak": peak}


def note(args: argparse.Namespace, context: dict, mine: dict, peer: dict) -> str:
    """The markdown note of this run."""
    names = labels(context["far"])
    rows = [(names[key], mine.get(key), peer.get(key)) for key in args.scenarios if key in names]
    gets = (
        f"GET pages: wrk, {drive.WRK_THREADS} threads, {drive.WRK_CONNECTIONS} connections"
        if drive.WRK
        else f"GET pages: {args.clients} Python clients (wrk not installed)"
    )
    notes = [
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores; each app alone under "
        f"gunicorn, {args.workers} sync workers; {args.seconds:g} s per scenario and app",
        f"{gets}; form round trips: {args.clients} Python clients, forms parsed with lxml",
        f"theirs: Flask-Admin {version('flask-admin')} ModelView of the same table, page size 25,"
        " SecureForm, a Flask-Login session" + ("" if args.peer else " (not run: --no-peer)"),
        "ours SQL/req: statements of one request (X-SQL-Count); round trips: GET + POST",
    ]
    heading = f"{args.database}, {args.accounts:,} accounts: ours vs Flask-Admin"
    memory = {"ours": mine.get("memory"), "theirs": peer.get("memory")}
    return report.render(heading, notes, rows, memory, mine.get("export"))


def main() -> None:
    """Prepare the database, measure ours then theirs, print and save the table."""
    args = parse_args()
    if not drive.WRK:
        print(
            "wrk not found (Debian package `wrk`, apt-get install wrk): GET pages are driven "
            "by the Python client instead, so their figures are lower than wrk's"
        )
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    env, drop = environment(args, workdir)
    try:
        context = prepare(args, env)
        mine = measure(
            subjects.ours(
                context["email"], context["numbers"], context["far"], context["cursor"], WORD
            ),
            args.port,
            args,
            env,
            workdir,
        )
        peer = {}
        if args.peer:
            subject = subjects.theirs(context["ids"], context["far"], WORD)
            peer = measure(subject, args.port + 1, args, env, workdir)
        text = note(args, context, mine, peer)
        print("\n" + text)
        print(f"written to {report.save(text, args.database, args.accounts)}")
    finally:
        if drop is not None:
            drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
