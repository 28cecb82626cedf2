"""The roll-up leaves an audit event with the day's totals; a scheduler can run it; who ran it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.billing.helpers import add_charge, commit_fails, count
from webapp.accounts.models import Charge, DailyBillingRecord
from webapp.audit.models import AuditEvent
from webapp.billing import services
from webapp.billing.services import rollup_day
from webapp.billing.tasks import scheduled_rollup
from webapp.core.types import utcnow
from webapp.errors import ValidationError
from webapp.extensions import db

DAY = date(2026, 1, 5)
NOON = datetime(2026, 1, 5, 12, tzinfo=UTC)


def rollup_events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "billing.rollup").order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def two_currencies(make_account):
    """Charges of a USD and an EUR account on DAY."""
    usd, eur = make_account(currency="USD"), make_account(currency="EUR")
    add_charge(usd, cost=Decimal("0.1"))
    add_charge(usd, provider="anthropic", cost=Decimal("0.2"))
    add_charge(eur, cost=Decimal("1234.567891"))
    db.session.commit()
    return usd, eur


def test_rollup_records_the_days_totals_before_and_after_per_currency(two_currencies):
    rollup_day(DAY)
    db.session.commit()
    (event,) = rollup_events()
    assert (event.actor, event.actor_id) == ("system", None)
    assert (event.object_type, event.object_id, event.account_id) == (
        "billing_day",
        "2026-01-05",
        None,
    )
    assert event.changes == {
        "charges": [0, 3],
        "records": [0, 3],
        "cost EUR": [None, "1234.567891"],
        "cost USD": [None, "0.300000"],  # never added to the EUR amount
    }


def test_a_second_run_records_unchanged_totals_and_late_charges(two_currencies):
    usd, _ = two_currencies
    rollup_day(DAY)
    db.session.commit()
    add_charge(usd, cost=Decimal("0.000001"), created_at=NOON)
    db.session.commit()
    rollup_day(DAY)
    db.session.commit()
    first, second = rollup_events()
    assert second.changes["charges"] == [3, 4]
    assert second.changes["cost USD"] == ["0.300000", "0.300001"]
    assert second.changes["cost EUR"] == ["1234.567891", "1234.567891"]


def test_a_failed_rollup_leaves_no_event(two_currencies, monkeypatch):
    def broken(day, session=None):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "day_totals", broken)
    with pytest.raises(RuntimeError):
        rollup_day(DAY)
    db.session.rollback()
    assert rollup_events() == []


def test_cli_rollup_is_recorded_as_the_cli(two_currencies, runner):
    result = runner.invoke(args=["billing", "rollup", "--date", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert [(e.actor, e.object_id) for e in rollup_events()] == [("cli", "2026-01-05")]


def test_scheduled_rollup_commits_yesterday_and_today(app, make_account):
    add_charge(make_account(), created_at=utcnow())
    db.session.commit()
    counts = scheduled_rollup(app)
    db.session.rollback()  # what the job committed is visible from here
    assert set(counts) == set(services.default_rollup_days())
    assert count(DailyBillingRecord) == 1
    assert [e.actor for e in rollup_events()] == ["system", "system"]


def test_scheduled_rollup_of_given_days_rolls_back_on_failure(app, two_currencies, monkeypatch):
    assert scheduled_rollup(app, [DAY], by="nightly job") == {DAY: 3}
    db.session.rollback()
    assert [e.actor for e in rollup_events()] == ["nightly job"]

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "_audit_rollup", broken)
    with pytest.raises(RuntimeError):
        scheduled_rollup(app, [DAY])
    db.session.rollback()
    assert len(rollup_events()) == 1 and count(DailyBillingRecord) == 3


def test_an_inactive_account_refuses_new_charges_with_a_clear_error(make_account):
    add_charge(make_account(is_active=False))
    error = commit_fails(ValidationError)
    assert (error.field, error.message) == (
        "account",
        "This account is inactive and takes no new charges.",
    )
    assert count(Charge) == 0
