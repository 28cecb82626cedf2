"""Reading an account's billing: filtered, paged charges and daily records, totals, CSV."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import selectinload

from webapp.auth.models import User
from webapp.billing.models import CHARGE_TYPES, Charge, DailyBillingRecord
from webapp.core.export import csv_lines
from webapp.core.paging import positive_int
from webapp.extensions import db

__all__ = ["BillingFilter", "BillingPage", "Totals", "billing_page", "export_csv", "providers"]

PER_PAGE = 25
PAGE_KEYS = ("charges_page", "records_page")
EXPORT_FIELDS = (
    "created_at",
    "provider",
    "model",
    "charge_type",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cost",
    "currency",
    "reference",
    "user_email",
)


def parse_date(value: Any) -> date | None:
    """A date from a ``date`` or an ISO ``YYYY-MM-DD`` string; None when blank or malformed."""
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _page(value: Any) -> int:
    return positive_int(value)


@dataclass(frozen=True)
class BillingFilter:
    """What the billing tables show: a date range, a provider, a charge type and pages."""

    date_from: date | None = None
    date_to: date | None = None
    provider: str = ""
    charge_type: str = ""
    charges_page: int = 1
    records_page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> BillingFilter:
        """Read query-string values (or cleaned form values) leniently: bad ones are ignored."""
        start, end = parse_date(args.get("date_from")), parse_date(args.get("date_to"))
        if start and end and start > end:
            start, end = end, start
        kind = str(args.get("charge_type") or "")
        return cls(
            date_from=start,
            date_to=end,
            provider=str(args.get("provider") or "").strip()[:64],
            charge_type=kind if kind in CHARGE_TYPES else "",
            charges_page=_page(args.get("charges_page")),
            records_page=_page(args.get("records_page")),
        )

    def args(self, **changes: Any) -> dict[str, str]:
        """The query string of these filters (with changes), without empty or default values."""
        values = asdict(replace(self, **changes))
        return {
            key: value.isoformat() if isinstance(value, date) else str(value)
            for key, value in values.items()
            if value not in (None, "") and not (key in PAGE_KEYS and value == 1)
        }

    def link_args(self, current: Mapping[str, Any], **changes: Any) -> dict[str, str]:
        """``current`` query args (another tab's, say) with this filter's own replaced."""
        own = {f.name for f in fields(self)}
        kept = {k: v for k, v in current.items() if k not in own}
        return {**kept, **self.args(**changes)}

    @property
    def active(self) -> bool:
        """True when any filter (not just a page) narrows the tables."""
        return bool(self.date_from or self.date_to or self.provider or self.charge_type)


@dataclass(frozen=True)
class Totals:
    """Sums over every matching row (not just the page), in the account's one currency."""

    rows: int = 0
    charges: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost: Decimal = Decimal("0.000000")


@dataclass
class BillingPage:
    """One page of an account's charges and one of its daily records, with their totals."""

    filters: BillingFilter
    currency: str
    charges: list[Charge]
    charge_totals: Totals
    records: list[DailyBillingRecord]
    record_totals: Totals

    @property
    def charges_pages(self) -> int:
        return max(1, -(-self.charge_totals.rows // PER_PAGE))

    @property
    def records_pages(self) -> int:
        return max(1, -(-self.record_totals.rows // PER_PAGE))

    def link_args(self, current: Mapping[str, Any], **changes: Any) -> dict[str, str]:
        """Arguments of a link to this page with some filter or page changed."""
        return self.filters.link_args(current, **changes)


def _utc_midnight(day: date, plus_days: int = 0) -> datetime:
    """The first instant (UTC) of a day: charges belong to the UTC day the roll-up uses."""
    return datetime.combine(day + timedelta(days=plus_days), time.min, tzinfo=UTC)


def _filtered(model: Any, account_id: int, filters: BillingFilter) -> list[Any]:
    """The WHERE conditions of the filters on charges (by UTC instant) or records (by day)."""
    conditions = [model.account_id == account_id]
    if model is Charge:
        if filters.date_from:
            conditions.append(Charge.created_at >= _utc_midnight(filters.date_from))
        if filters.date_to:
            conditions.append(Charge.created_at < _utc_midnight(filters.date_to, 1))
    else:
        if filters.date_from:
            conditions.append(DailyBillingRecord.date >= filters.date_from)
        if filters.date_to:
            conditions.append(DailyBillingRecord.date <= filters.date_to)
    if filters.provider:
        conditions.append(model.provider == filters.provider)
    if filters.charge_type:
        conditions.append(model.charge_type == filters.charge_type)
    return conditions


def _totals(model: Any, conditions: list[Any]) -> Totals:
    """Every matching row summed in SQL: one statement."""
    charges = func.count() if model is Charge else func.sum(model.charge_count)
    row = db.session.execute(
        select(
            func.count(),
            charges,
            func.sum(model.prompt_tokens),
            func.sum(model.completion_tokens),
            func.sum(model.total_tokens),
            func.sum(model.cost),
        ).where(*conditions)
    ).one()
    if not row[0]:
        return Totals()
    return Totals(*(int(value or 0) for value in row[:5]), cost=row[5])


def _rows(stmt: Select, page: int) -> list[Any]:
    return list(db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))


def billing_page(account: Any, args: Mapping[str, Any]) -> BillingPage:
    """The account's charges and daily records matching ``args``: a page of each, and totals."""
    filters = args if isinstance(args, BillingFilter) else BillingFilter.from_args(args)
    on_charges = _filtered(Charge, account.id, filters)
    on_records = _filtered(DailyBillingRecord, account.id, filters)
    charges = (
        select(Charge)
        .where(*on_charges)
        .options(selectinload(Charge.user))
        .order_by(Charge.created_at.desc(), Charge.id.desc())
    )
    records = (
        select(DailyBillingRecord)
        .where(*on_records)
        .options(selectinload(DailyBillingRecord.user))
        .order_by(
            DailyBillingRecord.date.desc(),
            DailyBillingRecord.provider,
            DailyBillingRecord.charge_type,
            DailyBillingRecord.id,
        )
    )
    return BillingPage(
        filters=filters,
        currency=account.currency,
        charges=_rows(charges, filters.charges_page),
        charge_totals=_totals(Charge, on_charges),
        records=_rows(records, filters.records_page),
        record_totals=_totals(DailyBillingRecord, on_records),
    )


def providers(account: Any) -> list[str]:
    """Every provider the account's charges or daily records name, sorted."""
    names = union(
        select(Charge.provider).where(Charge.account_id == account.id),
        select(DailyBillingRecord.provider).where(DailyBillingRecord.account_id == account.id),
    ).subquery()
    return sorted(db.session.scalars(select(names.c[0])))


def export_csv(account: Any, filters: BillingFilter) -> Iterator[str]:
    """The account's matching charges as CSV lines, oldest first, read in chunks of 1,000."""
    yield from csv_lines(EXPORT_FIELDS, _export_rows(account, filters))


def _export_rows(account: Any, filters: BillingFilter) -> Iterator[list[Any]]:
    """The matching charges as export rows, with the account's currency and the user's email."""
    stmt = (
        select(Charge, User.email)
        .outerjoin(User, User.id == Charge.user_id)
        .where(*_filtered(Charge, account.id, filters))
        .order_by(Charge.created_at, Charge.id)
        .execution_options(yield_per=1000)
    )
    for charge, email in db.session.execute(stmt):
        values = {name: getattr(charge, name, None) for name in EXPORT_FIELDS}
        values.update(currency=account.currency, user_email=email or "")
        values["created_at"] = charge.created_at.isoformat()
        yield [values[name] for name in EXPORT_FIELDS]
