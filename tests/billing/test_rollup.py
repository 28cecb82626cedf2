"""The daily roll-up: records equal the sums of each UTC day's charges, however often it runs."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from itertools import product

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.billing.helpers import (
    add_charge,
    add_user,
    charge_totals,
    commit_fails,
    count,
    only_day,
    record_totals,
)
from webapp.accounts.models import Account, Charge, DailyBillingRecord
from webapp.billing.services import default_rollup_days, rollup_day, rollup_days
from webapp.core.types import utcnow
from webapp.extensions import db

DAY1, DAY2 = date(2026, 1, 5), date(2026, 1, 6)
COSTS = [Decimal("0.1"), Decimal("0.2"), Decimal("0.000001"), Decimal("1234.567891")]


def at(day: date, hour: int = 0, **delta: float) -> datetime:
    """An aware UTC instant on that day."""
    return datetime.combine(day, time(hour), tzinfo=UTC) + timedelta(**delta)


@pytest.fixture
def charges(make_account):
    """Charges on two days for two accounts, a user and no user, two providers and types."""
    accounts = [make_account(), make_account()]
    users = [add_user("ada@example.com"), None]
    combos = product(accounts, users, ("openai", "anthropic"), ("completion", "tool"))
    for i, (account, user, provider, kind) in enumerate(combos):
        for j, day in enumerate((DAY1, DAY2) * (1 + i % 2)):
            add_charge(
                account,
                user=user,
                provider=provider,
                charge_type=kind,
                prompt_tokens=100 + i,
                completion_tokens=7 * j,
                cost=COSTS[(i + j) % len(COSTS)],
                created_at=at(day, (i * 5 + j) % 24, minutes=i),
            )
    db.session.commit()
    return accounts


@pytest.fixture
def edge_charges(charges):
    """Charges on the edges of DAY1, one given in another time zone."""
    account = charges[0]
    plus_two = timezone(timedelta(hours=2))
    for created_at in (
        at(DAY1),  # first instant of DAY1
        at(DAY2, microseconds=-1),  # last instant of DAY1
        datetime.combine(DAY2, time(1), tzinfo=plus_two),  # 23:00 UTC on DAY1
        at(DAY1, seconds=-1),  # the day before
        at(DAY2),  # first instant of DAY2
    ):
        add_charge(account, provider="edge", created_at=created_at)
    db.session.commit()
    return charges


def rollup_and_commit(*days: date) -> None:
    rollup_days(days)
    db.session.commit()


def test_rollup_records_equal_the_sums_of_each_days_charges(charges):
    rollup_and_commit(DAY1, DAY2)
    expected = charge_totals()
    assert {key[4] for key in expected} == {DAY1, DAY2}
    assert record_totals() == expected


def test_rollup_counts_charges_by_their_utc_day(edge_charges):
    rollup_and_commit(DAY1, DAY2)
    edge = {key[4]: value[4] for key, value in record_totals().items() if key[2] == "edge"}
    assert edge == {DAY1: 3, DAY2: 1}


def test_rollup_day_returns_how_many_records_the_day_holds(charges):
    counts = {day: rollup_day(day) for day in (DAY1, DAY2)}
    db.session.commit()
    assert counts == {day: len(only_day(charge_totals(), day)) for day in (DAY1, DAY2)}


def test_running_the_rollup_again_changes_nothing(charges):
    rollup_and_commit(DAY1, DAY2)
    first, first_count = record_totals(), count(DailyBillingRecord)
    rollup_and_commit(DAY1, DAY2)
    assert record_totals() == first
    assert count(DailyBillingRecord) == first_count == len(first)


def test_late_charges_are_counted_once_by_the_next_rollup(charges):
    rollup_and_commit(DAY1, DAY2)
    add_charge(charges[0], cost=Decimal("0.3"), created_at=at(DAY1, 23))
    add_charge(charges[1], provider="mistral", created_at=at(DAY1, 1))
    db.session.commit()
    rollup_and_commit(DAY1)
    rollup_and_commit(DAY1)
    assert record_totals() == charge_totals()


def test_rolling_up_one_day_leaves_other_days_alone(charges):
    rollup_and_commit(DAY1, DAY2)
    day2 = only_day(record_totals(), DAY2)
    add_charge(charges[0], created_at=at(DAY2, 3))
    db.session.commit()
    rollup_and_commit(DAY1)
    assert only_day(record_totals(), DAY2) == day2


def test_rollup_of_a_day_without_charges_clears_its_records(charges):
    rollup_and_commit(DAY1)
    db.session.execute(Charge.__table__.delete())
    rollup_and_commit(DAY1)
    assert count(DailyBillingRecord) == 0


def test_default_rollup_days_are_yesterday_and_today():
    assert default_rollup_days(date(2026, 3, 1)) == [date(2026, 2, 28), date(2026, 3, 1)]


# -- uniqueness ------------------------------------------------------------------------------


def add_record(account, user=None, provider: str = "openai") -> None:
    db.session.add(
        DailyBillingRecord(
            account=account, user=user, provider=provider, charge_type="completion", date=DAY1
        )
    )


@pytest.mark.parametrize("with_user", [False, True], ids=["no-user", "user"])
def test_billing_record_key_is_unique_even_without_a_user(make_account, with_user):
    account = make_account()
    user = add_user("ada@example.com") if with_user else None
    add_record(account, user)
    db.session.commit()
    add_record(account, user)
    commit_fails(IntegrityError)
    assert count(DailyBillingRecord) == 1


def test_billing_records_differing_in_user_or_provider_coexist(make_account):
    account = make_account()
    add_record(account)
    add_record(account, add_user("ada@example.com"))
    add_record(account, provider="anthropic")
    db.session.commit()
    assert count(DailyBillingRecord) == 3


# -- CLI ---------------------------------------------------------------------------------------


def test_cli_rollup_builds_the_records_of_the_given_day(charges, runner):
    result = runner.invoke(args=["billing", "rollup", "--date", DAY1.isoformat()])
    assert result.exit_code == 0, result.output
    expected = only_day(charge_totals(), DAY1)
    assert f"{DAY1.isoformat()}: {len(expected)} daily billing records" in result.output
    assert record_totals() == expected


def test_cli_rollup_defaults_to_yesterday_and_today(make_account, runner):
    add_charge(make_account(), created_at=utcnow())
    db.session.commit()
    result = runner.invoke(args=["billing", "rollup"])
    assert result.exit_code == 0, result.output
    assert record_totals() == charge_totals()
    for day in default_rollup_days():
        assert day.isoformat() in result.output


@pytest.mark.parametrize("value", ["2026-13-45", "05/01/2026", "yesterday", ""])
def test_cli_rollup_refuses_a_bad_date(charges, runner, value):
    result = runner.invoke(args=["billing", "rollup", "--date", value])
    assert result.exit_code != 0
    assert "--date" in result.output
    assert count(DailyBillingRecord) == 0


# -- concurrency ----------------------------------------------------------------------------

CHARGES, BATCH = 300, 5


def cost_of(i: int) -> Decimal:
    return COSTS[i % len(COSTS)]


def insert_charges(app, account_id: int, day: date, done: threading.Event) -> None:
    """Insert the charges in small commits, as live traffic would."""
    try:
        with app.app_context():
            account = db.session.get(Account, account_id)
            for start in range(0, CHARGES, BATCH):
                for i in range(start, start + BATCH):
                    add_charge(account, cost=cost_of(i), created_at=at(day, 12, microseconds=i))
                db.session.commit()
    finally:
        done.set()


def keep_rolling_up(app, day: date, done: threading.Event) -> int:
    """Roll the day up again and again until the inserts finish; returns how many runs."""
    runs = 0
    with app.app_context():
        while not done.is_set() or runs == 0:
            rollup_day(day)
            db.session.commit()
            runs += 1
    return runs


def test_rollup_while_charges_arrive_loses_nothing(app, dialect, make_account):
    if dialect == "sqlite":
        pytest.skip("concurrent writers are a PostgreSQL deployment's concern")
    account_id, today = make_account().id, utcnow().date()
    db.session.commit()
    done = threading.Event()
    with ThreadPoolExecutor(max_workers=3) as pool:
        inserter = pool.submit(insert_charges, app, account_id, today, done)
        rollers = [pool.submit(keep_rolling_up, app, today, done) for _ in range(2)]
        inserter.result()
        assert all(roller.result() >= 1 for roller in rollers)
    rollup_and_commit(today)
    totals = db.session.execute(
        select(func.sum(DailyBillingRecord.cost), func.sum(DailyBillingRecord.charge_count))
    ).one()
    assert totals == (sum(map(cost_of, range(CHARGES))), CHARGES)
    assert count(Charge) == CHARGES
