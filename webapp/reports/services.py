"""The billing report: daily billing records summed in SQL by currency, account and day."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select

from webapp.accounts.models import Account, DailyBillingRecord
from webapp.core.export import csv_lines
from webapp.core.paging import positive_int
from webapp.core.types import utcnow
from webapp.extensions import db
from webapp.reports.chart import BarChart, bar_chart

__all__ = ["BillingReport", "ReportQuery", "billing_report", "export_csv"]

DEFAULT_DAYS, MAX_DAYS, TOP, PER_PAGE, DAYS_PER_PAGE = 30, 366, 10, 25, 31
R = DailyBillingRecord
EXPORT_FIELDS = (
    "date",
    "account_number",
    "company_name",
    "currency",
    "charges",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cost",
)


def _page(value: Any) -> int:
    return positive_int(value)


@dataclass(frozen=True)
class ReportQuery:
    """The report's range (inclusive, UTC days), an optional currency and the table pages."""

    date_from: date
    date_to: date
    currency: str = ""
    page: int = 1
    days_page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, Any], today: date | None = None) -> ReportQuery:
        """Cleaned form values plus pages; a missing end is today, a missing start 30 days back."""
        end = args.get("date_to") if isinstance(args.get("date_to"), date) else None
        end = end or today or utcnow().date()
        start = args.get("date_from") if isinstance(args.get("date_from"), date) else None
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
        return cls(
            start,
            end,
            str(args.get("currency") or "").upper()[:3],
            _page(args.get("page")),
            _page(args.get("days_page")),
        )

    def args(self, **changes: Any) -> dict[str, str]:
        """Link arguments of this report with some values changed (pages 1 left out)."""
        values = {**self.__dict__, **changes}
        return {
            k: v.isoformat() if isinstance(v, date) else str(v)
            for k, v in values.items()
            if v not in ("", None) and not (k in ("page", "days_page") and v == 1)
        }

    @property
    def days(self) -> list[date]:
        return [self.date_from + timedelta(days=n) for n in range(self.span)]

    @property
    def span(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def records(self, *columns: Any) -> Select:
        """``columns`` of the records in range (joined to their account), filtered by currency."""
        stmt = (
            select(*columns)
            .select_from(R)
            .join(Account, Account.id == R.account_id)
            .where(R.date >= self.date_from, R.date <= self.date_to)
        )
        return stmt.where(Account.currency == self.currency) if self.currency else stmt


@dataclass(frozen=True)
class Total:
    """Sums of a group of records; ``cost`` is in ``currency`` and never mixes currencies."""

    currency: str
    charges: int
    tokens: int
    cost: Decimal
    accounts: int = 0
    day: date | None = None
    account_number: str = ""
    company_name: str = ""


@dataclass
class CurrencySection:
    """One currency's totals, its daily chart and its top accounts."""

    total: Total
    chart: BarChart
    top: list[Total] = field(default_factory=list)


@dataclass
class BillingReport:
    """Everything the report page shows for one query."""

    query: ReportQuery
    sections: list[CurrencySection]
    accounts: list[Total]
    days: list[tuple[date, dict[str, Total]]]

    @property
    def currencies(self) -> list[str]:
        return [s.total.currency for s in self.sections]

    @property
    def account_count(self) -> int:
        return sum(s.total.accounts for s in self.sections)

    @property
    def pages(self) -> int:
        return max(1, -(-self.account_count // PER_PAGE))

    @property
    def day_pages(self) -> int:
        return max(1, -(-self.query.span // DAYS_PER_PAGE))


def _sums() -> tuple[Any, ...]:
    return func.sum(R.charge_count), func.sum(R.total_tokens), func.sum(R.cost)


def _total(currency: str, charges: Any, tokens: Any, cost: Any, **more: Any) -> Total:
    return Total(currency, int(charges or 0), int(tokens or 0), cost or Decimal("0"), **more)


def currency_totals(query: ReportQuery) -> list[Total]:
    """One row per currency: accounts billed, charges, tokens and cost."""
    stmt = (
        query.records(Account.currency, *_sums(), func.count(R.account_id.distinct()))
        .group_by(Account.currency)
        .order_by(Account.currency)
    )
    return [_total(c, n, t, cost, accounts=a) for c, n, t, cost, a in db.session.execute(stmt)]


def day_totals(query: ReportQuery) -> dict[tuple[date, str], Total]:
    """Each (day, currency) of the range that has records, summed."""
    stmt = query.records(R.date, Account.currency, *_sums()).group_by(R.date, Account.currency)
    return {
        (day, cur): _total(cur, n, t, cost, day=day)
        for day, cur, n, t, cost in db.session.execute(stmt)
    }


def _by_account(query: ReportQuery) -> Select:
    columns = (Account.id, Account.account_number, Account.company_name, Account.currency)
    return query.records(*columns, *_sums()).group_by(*columns)


def _account_total(row: Any) -> Total:
    _, number, name, currency, charges, tokens, cost = row[:7]
    return _total(currency, charges, tokens, cost, account_number=number, company_name=name)


def top_accounts(query: ReportQuery, limit: int = TOP) -> dict[str, list[Total]]:
    """The ``limit`` accounts of largest cost within each currency (ranked in SQL)."""
    grouped = _by_account(query).subquery()
    rank = func.row_number().over(
        partition_by=grouped.c.currency, order_by=(grouped.c[6].desc(), grouped.c.id)
    )
    ranked = select(grouped, rank.label("rank")).subquery()
    stmt = select(ranked).where(ranked.c.rank <= limit).order_by(ranked.c.currency, ranked.c.rank)
    top: dict[str, list[Total]] = {}
    for row in db.session.execute(stmt):
        top.setdefault(row.currency, []).append(_account_total(row))
    return top


def account_page(query: ReportQuery) -> list[Total]:
    """One page of the totals by account: by currency, then largest cost first."""
    cost = func.sum(R.cost)
    stmt = _by_account(query).order_by(Account.currency, cost.desc(), Account.id)
    stmt = stmt.limit(PER_PAGE).offset((query.page - 1) * PER_PAGE)
    return [_account_total(row) for row in db.session.execute(stmt)]


def billing_report(query: ReportQuery) -> BillingReport:
    """Totals by currency (with a daily chart and top accounts), by account and by day."""
    by_day = day_totals(query)
    top = top_accounts(query)
    sections = []
    for total in currency_totals(query):
        points = [(d, _cost(by_day, d, total.currency)) for d in query.days]
        sections.append(CurrencySection(total, bar_chart(points), top.get(total.currency, [])))
    start = (query.days_page - 1) * DAYS_PER_PAGE
    days = list(reversed(query.days))[start : start + DAYS_PER_PAGE]
    currencies = [s.total.currency for s in sections]
    table = [(d, {c: by_day[d, c] for c in currencies if (d, c) in by_day}) for d in days]
    return BillingReport(query, sections, account_page(query), table)


def _cost(by_day: dict[tuple[date, str], Total], day: date, currency: str) -> Decimal:
    total = by_day.get((day, currency))
    return total.cost if total else Decimal("0")


def export_csv(query: ReportQuery) -> Iterator[str]:
    """Totals per (day, account) over the range as CSV lines, streamed in chunks of 1,000."""
    yield from csv_lines(EXPORT_FIELDS, _export_rows(query))


def _export_rows(query: ReportQuery) -> Iterator[list[Any]]:
    """One row of sums per (day, account) over the range, oldest day first."""
    columns = (R.date, Account.account_number, Account.company_name, Account.currency)
    sums = (func.sum(R.charge_count), func.sum(R.prompt_tokens), func.sum(R.completion_tokens))
    stmt = (
        query.records(*columns, *sums, func.sum(R.total_tokens), func.sum(R.cost))
        .group_by(R.date, Account.id, *columns[1:])
        .order_by(R.date, Account.currency, Account.account_number)
        .execution_options(yield_per=1000)
    )
    for row in db.session.execute(stmt):
        day, *rest = row
        yield [day.isoformat(), *rest]
