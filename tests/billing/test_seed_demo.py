"""``flask seed-demo``: realistic accounts whose related rows keep every rule of the models."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import Integer, cast, func, select

from tests.billing.helpers import charge_totals, count, record_totals
from webapp.accounts.models import (
    Account,
    AccountContact,
    Charge,
    DailyBillingRecord,
    UserProfile,
)
from webapp.extensions import db

ACCOUNTS = 60
NUMBER = re.compile(r"\d{4}-\d{4}-\d{4}")


def seed(runner, accounts: int = ACCOUNTS, seed_value: int = 1) -> None:
    args = ["seed-demo", "--accounts", str(accounts), "--seed", str(seed_value)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output + repr(result.exception)


@pytest.fixture
def seeded(ctx, runner):
    seed(runner)
    return ctx


def contacts_per_account() -> dict[int, tuple[int, int]]:
    """Per account (one without contacts too): how many contacts and how many primaries."""
    query = (
        select(
            Account.id,
            func.count(AccountContact.id),
            func.coalesce(func.sum(cast(AccountContact.is_primary, Integer)), 0),
        )
        .outerjoin(AccountContact, AccountContact.account_id == Account.id)
        .group_by(Account.id)
    )
    return {account_id: (n, primaries) for account_id, n, primaries in db.session.execute(query)}


def total_cost(model: type) -> Decimal:
    return db.session.scalar(select(func.sum(model.cost)))


def test_seed_demo_adds_the_requested_accounts(seeded):
    assert count(Account) == ACCOUNTS


def test_seeded_account_numbers_are_well_formed_and_distinct(seeded):
    numbers = db.session.scalars(select(Account.account_number)).all()
    assert all(NUMBER.fullmatch(number) for number in numbers)
    assert len(set(numbers)) == ACCOUNTS


def test_every_seeded_account_has_contacts_and_exactly_one_primary(seeded):
    contacts = contacts_per_account()
    assert len(contacts) == ACCOUNTS
    assert all(n >= 1 and primaries == 1 for n, primaries in contacts.values())


def test_every_seeded_account_has_an_owner(seeded):
    owners = db.session.scalars(
        select(Account.id)
        .join(UserProfile, UserProfile.account_id == Account.id)
        .where(UserProfile.role == "owner")
        .distinct()
    ).all()
    assert len(owners) == ACCOUNTS


def test_seeded_billing_records_equal_the_charges(seeded):
    assert count(Charge) > 0
    assert total_cost(DailyBillingRecord) == total_cost(Charge) > 0
    assert record_totals() == charge_totals()


def test_seed_demo_twice_adds_to_what_is_there(ctx, runner):
    seed(runner)
    seed(runner)
    assert count(Account) == 2 * ACCOUNTS
    assert record_totals() == charge_totals()
