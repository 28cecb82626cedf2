"""The load test's counts, read straight from the database it loaded."""

from __future__ import annotations

from sqlalchemy import create_engine, text

__all__ = ["burst_counts", "check_creates", "sample_accounts"]


def check_creates(url: str, run: str, names: list[str], initial: int) -> bool:
    """Every create answered 303 exists exactly once; the total grew by exactly that many."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT company_name, count(*) FROM account WHERE company_name LIKE :p GROUP BY 1"
            ),
            {"p": f"Loadtest {run} %"},
        ).all()
        total = conn.scalar(text("SELECT count(*) FROM account"))
    engine.dispose()
    found = dict(rows)
    lost = [name for name in names if name not in found]
    doubled = [name for name, count in found.items() if count > 1]
    ok = not lost and not doubled and total == initial + len(names)
    print(
        f"creates answered 303: {len(names)}; lost: {len(lost)}; duplicated: {len(doubled)}; "
        f"accounts {initial} -> {total} (expected {initial + len(names)}): "
        f"{'OK' if ok else 'MISMATCH'}"
    )
    return ok


def burst_counts(url: str, prefix: str) -> tuple[int, int]:
    """Distinct account numbers and their ``account.create`` audit rows, for one burst."""
    engine = create_engine(url)
    with engine.connect() as conn:
        numbers, audited = conn.execute(
            text(
                "SELECT count(DISTINCT a.account_number), count(e.id) FROM account a "
                "LEFT JOIN audit_event e ON e.account_id = a.id AND e.action = 'account.create' "
                "WHERE a.company_name LIKE :p"
            ),
            {"p": f"{prefix} %"},
        ).one()
    engine.dispose()
    return numbers, audited


def sample_accounts(url: str, count: int = 500) -> tuple[list[tuple[str, str]], int]:
    """Random (number, company name) pairs of the seeded accounts, and how many there are."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT account_number, company_name FROM account ORDER BY random() LIMIT :n"),
            {"n": count},
        ).all()
        total = conn.scalar(text("SELECT count(*) FROM account"))
    engine.dispose()
    return [tuple(row) for row in rows], total
