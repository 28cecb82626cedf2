"""Import speed: N accounts through the dry run and apply, on a throw-away database.

``python -m bench.import_speed --rows 100000 [--postgres]`` prints, for each scenario, the
seconds of the dry run and of the apply: all new rows; the export of them imported again
(all unchanged); and every row changed (all updated). The contract is under a minute each.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench.database import postgres_database

HEADER = ["company_name", "city", "country", "phone_number", "tags", "annotations", "is_active"]
PLACES = [("Boston", "USA", "+1 617 555 0{:03d}"), ("Paris", "FRA", "+33 1 42 68 5{:03d}")]


def new_rows(count: int, seed: int = 7) -> bytes:
    """A CSV of ``count`` new accounts (blank numbers), with tags, annotations and phones."""
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for i in range(count):
        city, country, phone = rng.choice(PLACES)
        tags = ";".join(rng.sample(["vip", "beta", "trial", "eu", "partner"], rng.randrange(3)))
        annotations = f'{{"seats": {rng.randrange(1, 500)}}}'
        row = [f"Company {i}", city, country, phone.format(rng.randrange(100, 999))]
        writer.writerow([*row, tags, annotations, rng.choice(["true", "false"])])
    return buffer.getvalue().encode()


def changed(export: bytes) -> bytes:
    """The export with every row's city changed (so every account updates)."""
    rows = list(csv.reader(io.StringIO(export.decode())))
    at = rows[0].index("city")
    for row in rows[1:]:
        row[at] = row[at] + " North"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def scenario(label: str, data: bytes) -> dict[str, Any]:
    """Dry run then apply one file (in one transaction); the seconds of each."""
    from webapp.extensions import db
    from webapp.imports import services

    plan, checked = timed(lambda: services.check(data, "bench.csv"))
    assert not plan.bad, plan.bad[:5]
    _, applied = timed(lambda: (services.apply(plan, "bench"), db.session.commit()))
    counts = plan.counts()
    print(
        f"{label:<22} dry run {checked:6.1f} s   apply {applied:6.1f} s   "
        f"total {checked + applied:6.1f} s   ({counts['create']:,} new, "
        f"{counts['update']:,} updated, {counts['unchanged']:,} unchanged)",
        flush=True,
    )
    return {"label": label, "check": checked, "apply": applied}


def export_all() -> bytes:
    from webapp.accounts.queries import ListQuery, export_csv

    return "".join(export_csv(ListQuery(sort="account_number"))).encode()


def run(url: str, rows: int) -> list[dict[str, Any]]:
    """The three scenarios against the database at ``url``."""
    from flask_migrate import upgrade

    from webapp import create_app

    app = create_app({"DATABASE_URL": url, "REDIS_URL": "", "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        results = [scenario("all new", new_rows(rows))]
        exported = export_all()
        results.append(scenario("re-import (unchanged)", exported))
        results.append(scenario("all updated", changed(exported)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    print(f"{args.rows:,} rows on {'PostgreSQL' if args.postgres else 'SQLite'}", flush=True)
    if args.postgres:
        url, drop = postgres_database()
        try:
            run(url, args.rows)
        finally:
            drop()
        return
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.db", args.rows)


if __name__ == "__main__":
    main()
