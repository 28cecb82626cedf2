"""The benchmark's database: a throw-away one, and what the scenarios need to know of it."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


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


def postgres_database() -> tuple[str, Callable[[], None]]:
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


def sample_accounts(url: str, count: int = 2000) -> tuple[list[int], list[str]]:
    """Ids and numbers of random accounts, for detail and edit requests."""
    from sqlalchemy import column, create_engine, func, select, table

    engine = create_engine(url)
    with engine.connect() as conn:
        account = table("account", column("id"), column("account_number"))
        query = select(account.c.id, account.c.account_number).order_by(func.random())
        rows = conn.execute(query.limit(count)).all()
    engine.dispose()
    return [row.id for row in rows], [row.account_number for row in rows]
