"""Figures for the one-time form keys and the pool's pings (prints; asserts nothing).

.venv/bin/python bench/write_keys.py            # SQLite: claim and finish, 200 writes
.venv/bin/python bench/write_keys.py --postgres # also pool_pre_ping vs none on PostgreSQL
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from webapp import create_app
from webapp.core import idempotency
from webapp.extensions import db

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def key_cost(writes: int = 200) -> None:
    """Median time of a claim (INSERT) and of finish (UPDATE + commit) on a temporary SQLite."""
    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "REDIS_URL": "",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(folder / "cache"),
        }
    )
    claims, finishes = [], []
    with app.app_context():
        upgrade()
        for i in range(writes):
            with app.test_request_context("/"):
                started = time.perf_counter()
                idempotency.claim(f"bench-{i:010d}-key", 1)
                claimed = time.perf_counter()
                idempotency.finish("saved", "/accounts/")
                claims.append(claimed - started)
                finishes.append(time.perf_counter() - claimed)
        db.engine.dispose()
    print(
        f"SQLite, {writes} writes: claim median {statistics.median(claims) * 1000:.2f} ms, "
        f"finish (UPDATE + commit) median {statistics.median(finishes) * 1000:.2f} ms"
    )


def ping_cost(rounds: int = 5000) -> None:
    """Checkout plus one query, with and without ``pool_pre_ping``, interleaved."""
    engines = {ping: create_engine(PG_URL, pool_pre_ping=ping) for ping in (False, True)}
    times: dict[bool, list[float]] = {False: [], True: []}
    for i in range(rounds):
        for ping in (False, True) if i % 2 else (True, False):
            started = time.perf_counter()
            with engines[ping].connect() as conn:
                conn.execute(text("SELECT 1")).scalar()
            times[ping].append(time.perf_counter() - started)
    for engine in engines.values():
        engine.dispose()
    low = {ping: statistics.quantiles(values, n=10)[0] * 1000 for ping, values in times.items()}
    print(
        f"PostgreSQL, first decile of checkout + SELECT 1: no ping {low[False]:.3f} ms, "
        f"pre_ping {low[True]:.3f} ms (+{low[True] - low[False]:.3f} ms per request)"
    )


if __name__ == "__main__":
    key_cost()
    if "--postgres" in sys.argv:
        ping_cost()
