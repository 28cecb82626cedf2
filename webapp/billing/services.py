"""The daily roll-up: billing records rebuilt from charges, exactly and idempotently."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from webapp.accounts.models.account import Account
from webapp.audit import services as audit
from webapp.billing.models import Charge, DailyBillingRecord
from webapp.billing.queries import billing_page
from webapp.core.types import UTCDateTime, utcnow
from webapp.extensions import db

__all__ = ["billing_page", "day_totals", "default_rollup_days", "rollup_day", "rollup_days"]

# Any constant works; every roll-up takes the same PostgreSQL advisory lock.
ROLLUP_LOCK_KEY = 7_311_001


def default_rollup_days(today: date | None = None) -> list[date]:
    """Yesterday and today (UTC): late charges of yesterday are still counted."""
    today = today or utcnow().date()
    return [today - timedelta(days=1), today]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants that open and close a day."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def day_totals(day: date, session: Session | None = None) -> dict[str, Any]:
    """A day's records, charges and cost per currency, as the audit trail keeps them."""
    session = session or db.session()
    rows = session.execute(
        select(
            Account.currency,
            func.count(),
            func.sum(DailyBillingRecord.charge_count),
            func.sum(DailyBillingRecord.cost),
        )
        .join(Account, Account.id == DailyBillingRecord.account_id)
        .where(DailyBillingRecord.date == day)
        .group_by(Account.currency)
    ).all()
    totals: dict[str, Any] = {
        "records": sum(row[1] for row in rows),
        "charges": sum(int(row[2] or 0) for row in rows),
    }
    # One entry per currency: amounts in different currencies are never added together.
    totals.update({f"cost {row[0]}": str(row[3]) for row in rows})
    return totals


def _audit_rollup(day: date, before: dict[str, Any], after: dict[str, Any], by: Any) -> None:
    """One "billing.rollup" event per day with the day's totals before and after."""
    keys = sorted(before.keys() | after.keys(), key=lambda k: (k.startswith("cost"), k))
    changes = {key: [before.get(key), after.get(key)] for key in keys}
    event = audit.record("billing.rollup", actor=by, changes=changes)
    event.object_type, event.object_id = "billing_day", day.isoformat()


def rollup_day(day: date, session: Session | None = None, by: Any = "system") -> int:
    """Rebuild one day's records from that day's charges; returns how many records it holds.

    Totals are recomputed from the charges (never incremented), so running twice, or again
    after late charges arrive, gives exactly the sum of the charges. Concurrent roll-ups
    queue on a lock; charges are only read, never deleted. ``by`` ("system", "cli" or a
    user) is recorded with the day's totals in a "billing.rollup" audit event.
    """
    session = session or db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROLLUP_LOCK_KEY})
    before = day_totals(day, session)
    start, end = day_bounds(day)
    session.execute(delete(DailyBillingRecord).where(DailyBillingRecord.date == day))
    now = utcnow()
    group = (Charge.account_id, Charge.user_id, Charge.provider, Charge.charge_type)
    totals = (
        select(
            *group,
            literal(day, Date),
            func.sum(Charge.prompt_tokens),
            func.sum(Charge.completion_tokens),
            func.sum(Charge.total_tokens),
            func.sum(Charge.cost),
            func.count(),
            literal(now, UTCDateTime),
            literal(now, UTCDateTime),
        )
        .where(Charge.created_at >= start, Charge.created_at < end)
        .group_by(*group)
    )
    columns = [
        "account_id",
        "user_id",
        "provider",
        "charge_type",
        "date",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cost",
        "charge_count",
        "created_at",
        "updated_at",
    ]
    session.execute(insert(DailyBillingRecord).from_select(columns, totals))
    after = day_totals(day, session)
    _audit_rollup(day, before, after, by)
    return after["records"]


def rollup_days(
    days: Iterable[date], session: Session | None = None, by: Any = "system"
) -> dict[date, int]:
    """Roll up several days in the caller's transaction."""
    return {day: rollup_day(day, session, by) for day in days}
