"""Writers racing each other on PostgreSQL: numbers stay unique, one default survives."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import Account
from webapp.accounts.models import account as account_module
from webapp.extensions import db

NUMBER = re.compile(r"^\d{4}-\d{4}-\d{4}$", re.ASCII)


@pytest.fixture
def postgres_only(dialect):
    if dialect != "postgresql":
        pytest.skip("SQLite serialises writers; the races need PostgreSQL")


def test_eight_threads_create_1600_distinct_valid_numbers(app, postgres_only):
    def create_many(worker: int) -> list[str]:
        with app.app_context():
            return [
                Account.create(company_name=f"W{worker} A{i}").account_number for i in range(200)
            ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = [n for batch in pool.map(create_many, range(8)) for n in batch]
    assert len(numbers) == 1600 and len(set(numbers)) == 1600
    assert all(NUMBER.match(n) for n in numbers)
    with app.app_context():
        assert len(db.session.scalars(select(Account.account_number)).all()) == 1600


def test_racing_writers_with_a_tiny_number_space_retry_instead_of_failing(
    app, postgres_only, monkeypatch
):
    """Numbers drawn from 3,000 values: concurrent inserts collide and are retried."""
    import random

    rng = random.Random(7)
    lock = threading.Lock()

    def tiny_space() -> str:
        with lock:
            return f"0000-0000-{rng.randrange(3000):04d}"

    monkeypatch.setattr(account_module, "random_account_number", tiny_space)

    def create_many(worker: int) -> int:
        with app.app_context():
            for i in range(100):
                Account.create(company_name=f"W{worker} A{i}")
            return 100

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sum(pool.map(create_many, range(4))) == 400
    with app.app_context():
        numbers = db.session.scalars(select(Account.account_number)).all()
    assert len(numbers) == len(set(numbers)) == 400


def test_two_transactions_racing_to_be_default_leave_one_default(app, postgres_only):
    with app.app_context():
        ids = [Account.create(company_name=f"A{i}").id for i in range(2)]
    barrier = threading.Barrier(2)

    def make_default(account_id: int) -> str:
        with app.app_context():
            account = db.session.get(Account, account_id)
            account.is_default_account = True
            barrier.wait()
            try:
                db.session.commit()
                return "ok"
            except IntegrityError:
                db.session.rollback()
                return "refused"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(make_default, ids))
    assert "ok" in outcomes
    with app.app_context():
        assert (
            len(db.session.scalars(select(Account.id).where(Account.is_default_account)).all()) == 1
        )
