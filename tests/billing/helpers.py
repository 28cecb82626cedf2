"""Small builders and read-backs shared by the billing and related-model tests."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from webapp.accounts.models import Charge, DailyBillingRecord, User
from webapp.extensions import db

NOON = datetime(2026, 1, 5, 12, tzinfo=UTC)


def add_charge(account: Any, **fields: Any) -> Charge:
    """A pending charge with sensible defaults, any field overridable."""
    values: dict[str, Any] = {
        "provider": "openai",
        "model": "gpt-4o",
        "charge_type": "completion",
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "cost": Decimal("0.010000"),
        "created_at": NOON,
        **fields,
    }
    charge = Charge(account=account, **values)
    db.session.add(charge)
    return charge


def add_user(email: str) -> User:
    """A pending platform user (no staff role, no password)."""
    user = User(email=email, role=None)
    db.session.add(user)
    return user


def count(model: type) -> int:
    """How many rows the model's table holds, read from the database."""
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def commit_fails(expected: type[Exception] | tuple[type[Exception], ...]) -> Exception:
    """Commit, expect it to raise ``expected``, roll back and return the error."""
    with pytest.raises(expected) as info:
        db.session.commit()
    db.session.rollback()
    return info.value


Key = tuple[int, int | None, str, str, Any]


def charge_totals() -> dict[Key, tuple[int, int, int, Decimal, int]]:
    """Per (account, user, provider, type, UTC day): the charges' sums, computed in Python."""
    totals: dict[Key, list[Any]] = defaultdict(lambda: [0, 0, 0, Decimal(0), 0])
    for charge in db.session.scalars(select(Charge)):
        key = (
            charge.account_id,
            charge.user_id,
            charge.provider,
            charge.charge_type,
            charge.created_at.astimezone(UTC).date(),
        )
        sums = totals[key]
        sums[0] += charge.prompt_tokens
        sums[1] += charge.completion_tokens
        sums[2] += charge.total_tokens
        sums[3] += charge.cost
        sums[4] += 1
    return {key: tuple(sums) for key, sums in totals.items()}


def record_totals() -> dict[Key, tuple[int, int, int, Decimal, int]]:
    """Per (account, user, provider, type, day): what the daily billing records hold."""
    return {
        (r.account_id, r.user_id, r.provider, r.charge_type, r.date): (
            r.prompt_tokens,
            r.completion_tokens,
            r.total_tokens,
            r.cost,
            r.charge_count,
        )
        for r in db.session.scalars(select(DailyBillingRecord))
    }


def only_day(totals: dict[Key, Any], day: Any) -> dict[Key, Any]:
    """The entries of one day."""
    return {key: value for key, value in totals.items() if key[4] == day}
