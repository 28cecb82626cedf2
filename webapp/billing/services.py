"""The daily roll-up: billing records rebuilt from charges, exactly and idempotently."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from webapp.billing.models import Charge, DailyBillingRecord
from webapp.core.types import UTCDateTime, utcnow
from webapp.extensions import db

__all__ = ["default_rollup_days", "rollup_day", "rollup_days"]

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


def rollup_day(day: date, session: Session | None = None) -> int:
    """Rebuild one day's records from that day's charges; returns how many records it holds.

    Totals are recomputed from the charges (never incremented), so running twice, or again
    after late charges arrive, gives exactly the sum of the charges. Concurrent roll-ups
    queue on a lock; charges are only read, never deleted.
    """
    session = session or db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROLLUP_LOCK_KEY})
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
    return (
        session.scalar(
            select(func.count())
            .select_from(DailyBillingRecord)
            .where(DailyBillingRecord.date == day)
        )
        or 0
    )


def rollup_days(days: Iterable[date], session: Session | None = None) -> dict[date, int]:
    """Roll up several days in the caller's transaction."""
    return {day: rollup_day(day, session) for day in days}
