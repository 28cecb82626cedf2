"""Load test: a mixed workload at N hosts through the proxy, then check that nothing was lost.

    python -m bench.loadtest [--hosts 2] [--seconds 30] [--clients 8] [--accounts 2000]
                             [--creates 10000] [--port 5180] [--database-url URL]

Starts ``deploy.hosts`` (the code behind ``make up``) on a throw-away PostgreSQL database
(dropped afterwards; ``--database-url`` uses one seeded before, and only adds to it) and a
Redis key prefix of its own. Each client signs in and loops for ``--seconds``: 80 % reads
(list, search, detail) and 20 % writes (create, edit, contact add), every write through the
real form with every hidden input the page carries. It prints throughput, p50/p95/p99 per
kind and every error (a 5xx, an unexpected status or a failed connection), then counts:
each create answered 303 exists exactly once and the total is the initial count plus the
creates. Then ``--creates`` creates from the same clients must give as many distinct account
numbers and ``account.create`` audit rows (0 skips it). Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.database import flask, postgres_database
from bench.loadcheck import burst_counts, check_creates, sample_accounts
from bench.webclient import Browser, Page
from deploy.hosts import wait_healthy

ROOT = Path(__file__).resolve().parent.parent
ADMIN, PASSWORD = "loadtest-admin@example.com", "load-test-phrase-2026"
REDIS = "redis://127.0.0.1:6379/2"
# kind -> (weight, statuses that are not errors); 409 is a lost edit race, answered as designed.
KINDS = {
    "list": (30, {200}),
    "search": (25, {200}),
    "detail": (25, {200}),
    "create": (8, {303}),
    "edit": (7, {303, 409}),
    "contact add": (5, {303}),
}


@dataclass
class Results:
    """What every client saw, gathered under one lock."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, status: int, note: str = "") -> None:
        """Record one operation; an unexpected status is an error."""
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1
            if status not in KINDS[kind][1]:
                self.errors.append(f"{kind}: {status} {note}".strip())


class Workload:
    """The operations, on a sample of the seeded accounts."""

    def __init__(self, accounts: list[tuple[str, str]], run: str) -> None:
        self.numbers = [number for number, _ in accounts]
        self.words = [w for _, name in accounts for w in name.split() if len(w) >= 3] or ["co"]
        self.run = run

    def operation(self, kind: str) -> Callable[[Browser, str], tuple[Page, str]]:
        """The function doing one operation of ``kind``; returns the last page and a note."""
        return getattr(self, kind.replace(" ", "_"))

    def list(self, browser: Browser, tag: str) -> tuple[Page, str]:
        """A list page among the first twenty."""
        return browser.get(f"/accounts/?page={random.randint(1, 20)}"), ""

    def search(self, browser: Browser, tag: str) -> tuple[Page, str]:
        """A search for a word of a seeded company name."""
        return browser.get(f"/accounts/?q={random.choice(self.words)}"), ""

    def detail(self, browser: Browser, tag: str) -> tuple[Page, str]:
        """A seeded account's detail page."""
        return browser.get(f"/accounts/{random.choice(self.numbers)}"), ""

    def create(self, browser: Browser, tag: str) -> tuple[Page, str]:
        """A new account with a name unique to this run and client."""
        name = f"Loadtest {self.run} {tag}"
        return browser.submit("/accounts/new", {"company_name": name}), name

    def edit(self, browser: Browser, tag: str) -> tuple[Page, str]:
        """A new city for a seeded account (a raced edit answers 409)."""
        path = f"/accounts/{random.choice(self.numbers)}/edit"
        return browser.submit(path, {"city": f"City {tag}"}), path

    def contact_add(self, browser: Browser, tag: str) -> tuple[Page, str]:
        """A new contact, with a unique email, on a seeded account."""
        path = f"/accounts/{random.choice(self.numbers)}/contacts/new"
        fields = {
            "first_name": "Load",
            "last_name": tag,
            "email": f"lt-{self.run}-{tag}@example.com",
        }
        return browser.submit(path, fields), path


def client_loop(port: int, work: Workload, results: Results, client: int, deadline: float) -> None:
    """One signed-in client doing weighted random operations until the deadline."""
    browser = signed_in(port)
    kinds, weights = list(KINDS), [weight for weight, _ in KINDS.values()]
    for n in range(sys.maxsize):
        if time.perf_counter() >= deadline:
            return
        kind = random.choices(kinds, weights)[0]
        started = time.perf_counter()
        try:
            page, note = work.operation(kind)(browser, f"{client}-{n}")
        except Exception as exc:  # a failure is a counted error, never a dead client
            results.add(kind, time.perf_counter() - started, 0, repr(exc))
            continue
        results.add(kind, time.perf_counter() - started, page.status, note)
        if kind == "create" and page.status == 303:
            with results.lock:
                results.created.append(note)


def signed_in(port: int) -> Browser:
    """A browser signed in as the load test's admin."""
    browser = Browser(port)
    page = browser.sign_in(ADMIN, PASSWORD)
    if page.status != 303:
        raise SystemExit(f"sign-in failed with {page.status}")
    return browser


def run_clients(target: Callable[[int], None], clients: int) -> float:
    """Run ``target(client)`` in ``clients`` threads; returns the wall time."""
    started = time.perf_counter()
    threads = [threading.Thread(target=target, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of sorted values, in ms."""
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))] * 1000


def report(results: Results, seconds: float) -> None:
    """Print throughput and p50/p95/p99 per kind, then the errors."""
    total = sum(len(v) for v in results.latencies.values())
    print(f"\n{total} operations in {seconds:.1f} s: {total / seconds:.1f} per s")
    print(
        f"{'kind':12} {'count':>6} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses"
    )
    for kind in KINDS:
        values = sorted(results.latencies.get(kind, []))
        if not values:
            continue
        marks = " ".join(f"{percentile(values, q):8.1f}" for q in (50, 95, 99))
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(results.statuses[kind].items()))
        print(f"{kind:12} {len(values):6} {len(values) / seconds:7.1f} {marks}  {statuses}")
    print(f"errors: {len(results.errors)}")
    for line, count in Counter(results.errors).most_common(10):
        print(f"  {count} x {line}")


def create_burst(port: int, url: str, creates: int, clients: int) -> bool:
    """``creates`` creates from ``clients`` clients: distinct numbers, one audit row each."""
    prefix = f"Burst {secrets.token_hex(3)}"
    browsers = [signed_in(port) for _ in range(clients)]
    failures = Counter()

    def create(client: int) -> None:
        for n in range(client, creates, clients):
            page = browsers[client].submit("/accounts/new", {"company_name": f"{prefix} {n}"})
            if page.status != 303:
                failures[page.status] += 1

    seconds = run_clients(create, clients)
    numbers, audited = burst_counts(url, prefix)
    ok = not failures and numbers == audited == creates
    print(
        f"\n{creates} creates from {clients} clients in {seconds:.1f} s "
        f"({creates / seconds:.1f} per s); failures {dict(failures)}; distinct account numbers "
        f"{numbers}; account.create audit rows {audited}: {'OK' if ok else 'MISMATCH'}"
    )
    return ok


@contextmanager
def deployment(args: argparse.Namespace, url: str, prefix: str) -> Iterator[None]:
    """``deploy.hosts`` serving ``url`` behind the proxy on ``args.port``; stopped afterwards."""
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS, "CACHE_KEY_PREFIX": prefix}
    env.update(SECRET_KEY=secrets.token_hex(32), ADMIN_EMAIL=ADMIN, ADMIN_PASSWORD=PASSWORD)
    instance = Path(f"/tmp/loadtest-{prefix.strip(':')}")
    command = [sys.executable, "-m", "deploy.hosts", "--hosts", str(args.hosts), "--quiet"]
    command += ["--port", str(args.port), "--instance", str(instance)]
    launcher = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_healthy(args.port, launcher, timeout=180)
        yield
    finally:
        launcher.send_signal(signal.SIGTERM)
        launcher.wait(120)
        shutil.rmtree(instance, ignore_errors=True)


def seed(url: str, accounts: int) -> None:
    """Migrate and fill a fresh database with demo accounts."""
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS, "SECRET_KEY": "seed"}
    flask(env, "db", "upgrade")
    flask(env, "seed-demo", "--accounts", str(accounts), "--seed", "11")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=2000, help="demo accounts to seed")
    parser.add_argument("--creates", type=int, default=10_000, help="the create burst; 0 skips")
    parser.add_argument("--port", type=int, default=5180, help="the proxy's; hosts use the next")
    parser.add_argument("--database-url", default="", help="a database seeded before")
    args = parser.parse_args()
    url, drop = (args.database_url, None) if args.database_url else postgres_database()
    prefix = f"loadtest-{secrets.token_hex(4)}:"
    try:
        if drop is not None:
            seed(url, args.accounts)
        with deployment(args, url, prefix):
            ok = run(args, url)
    finally:
        if drop is not None:
            drop()
        forget_cache(prefix)
    raise SystemExit(0 if ok else 1)


def run(args: argparse.Namespace, url: str) -> bool:
    """The mixed workload and its count, then the create burst; True when every check holds."""
    accounts, initial = sample_accounts(url)
    work, results = Workload(accounts, secrets.token_hex(3)), Results()
    print(f"{args.hosts} hosts behind the proxy, {args.clients} clients, {args.seconds:g} s")
    deadline = time.perf_counter() + args.seconds
    seconds = run_clients(
        lambda i: client_loop(args.port, work, results, i, deadline), args.clients
    )
    report(results, seconds)
    ok = check_creates(url, work.run, results.created, initial) and not results.errors
    if args.creates:
        ok = create_burst(args.port, url, args.creates, args.clients) and ok
    return ok


def forget_cache(prefix: str) -> None:
    """Delete the run's Redis keys."""
    import redis

    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{prefix}*", count=1000):
        client.delete(key)
    client.close()


if __name__ == "__main__":
    main()
