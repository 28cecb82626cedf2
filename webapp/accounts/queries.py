"""Finding accounts: the list's query (search, filters, order, page) and the CSV export."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import selectinload

from webapp.accounts.models import Account, AccountContact
from webapp.accounts.models.account import FIELDS
from webapp.extensions import db

SORTS = {
    "company_name": Account.company_name,
    "account_number": Account.account_number,
    "city": Account.city,
    "country": Account.country,
    "created_at": Account.created_at,
    "updated_at": Account.updated_at,
}
COUNT_CAP = 10_000
EXPORT_FIELDS = (
    "account_number",
    *(name for name in FIELDS if name != "annotations"),
    "tags",
    "created_at",
    "updated_at",
)


def _flag(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get((value or "").lower())


@dataclass(frozen=True)
class ListQuery:
    """What the list shows: search words, filters, order and page, all from the URL."""

    q: str = ""
    is_active: bool | None = None
    is_default_account: bool | None = None
    country: str = ""
    currency: str = ""
    sort: str = "company_name"
    page: int = 1
    per_page: int = 25
    after: str = ""
    before: str = ""
    words: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ListQuery:
        """Read the query string leniently: a bad value falls back to its default."""
        sort = args.get("sort", "company_name")
        per_page = args.get("per_page", "25")
        page = args.get("page", "1")
        q = (args.get("q") or "").strip()[:200]
        return cls(
            q=q,
            is_active=_flag(args.get("is_active")),
            is_default_account=_flag(args.get("is_default_account")),
            country=(args.get("country") or "").strip().upper()[:3],
            currency=(args.get("currency") or "").strip().upper()[:3],
            sort=sort if sort.lstrip("-") in SORTS else "company_name",
            page=max(1, int(page)) if page.isdigit() else 1,
            per_page=min(100, int(per_page)) if per_page.isdigit() and int(per_page) > 0 else 25,
            after=(args.get("after") or "")[:400],
            before=(args.get("before") or "")[:400],
            words=tuple(q.split()[:8]),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this view (with changes), without defaults: for links."""
        query = replace(self, **changes)
        if query.page == 1 or "sort" in changes:
            query = replace(query, after="", before="")  # a cursor belongs to one order and page
        values = {
            "q": query.q,
            "is_active": _word(query.is_active),
            "is_default_account": _word(query.is_default_account),
            "country": query.country,
            "currency": query.currency,
            "sort": query.sort,
            "page": query.page,
            "per_page": query.per_page,
            "after": query.after,
            "before": query.before,
        }
        defaults = {"sort": "company_name", "page": 1, "per_page": 25}
        return {k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v}

    def filtered(self) -> Select:
        """The matching accounts, unordered."""
        stmt = select(Account)
        for word in self.words:
            like = f"%{word.lower()}%"
            # One pass over contacts per word (a semi-join), not one probe per account row.
            contact = Account.id.in_(
                select(AccountContact.account_id).where(func.lower(AccountContact.email).like(like))
            )
            stmt = stmt.where(
                or_(
                    func.lower(Account.company_name).like(like),
                    Account.account_number.like(f"%{word}%"),
                    func.lower(Account.name).like(like),
                    func.lower(Account.city).like(like),
                    contact,
                )
            )
        filters = {
            "is_active": self.is_active,
            "is_default_account": self.is_default_account,
            "country": self.country or None,
            "currency": self.currency or None,
        }
        conditions = [getattr(Account, k) == v for k, v in filters.items() if v is not None]
        return stmt.where(and_(*conditions)) if conditions else stmt

    def ordered(self, reverse: bool = False) -> Select:
        """The matching accounts in the chosen order (or its reverse), ties broken by id."""
        column = SORTS[self.sort.lstrip("-")]
        descending = self.sort.startswith("-") != reverse
        order = (
            (column.desc(), Account.id.desc()) if descending else (column.asc(), Account.id.asc())
        )
        return self.filtered().order_by(*order)

    def seek(self) -> tuple[Select, bool] | None:
        """Keyset: the rows after (or before) the cursor, read from the (sort key, id) index.

        Returns the statement and whether it runs in reverse order, or None without a
        valid cursor. A far page costs what the first page costs.
        """
        cursor = decode_cursor(self.after or self.before, self.sort.lstrip("-"))
        if cursor is None:
            return None
        reverse = bool(self.before) and not self.after
        column = SORTS[self.sort.lstrip("-")]
        key = tuple_(column, Account.id)
        bound = tuple_(literal(cursor[0], column.type), literal(cursor[1]))
        forward = self.sort.startswith("-") == reverse
        stmt = self.ordered(reverse).where(key > bound if forward else key < bound)
        return stmt, reverse


def encode_cursor(account: Account, sort: str) -> str:
    """The position of a row in an order, for ``after``/``before`` links."""
    value = getattr(account, sort.lstrip("-"))
    text = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([text, account.id]).encode()).decode()


def decode_cursor(cursor: str, column: str) -> tuple[Any, int] | None:
    """The (sort value, id) in a cursor, or None when it is missing or malformed."""
    try:
        value, ident = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if column in ("created_at", "updated_at"):
            value = datetime.fromisoformat(value)
        if not isinstance(ident, int) or (not isinstance(value, (str, datetime))):
            return None
        return value, ident
    except (ValueError, TypeError, binascii.Error):
        return None


def _word(flag: bool | None) -> str | None:
    return None if flag is None else ("true" if flag else "false")


@dataclass
class Page:
    """One page of the list, its total (exact up to COUNT_CAP) and cursors to its neighbours."""

    rows: list[Account]
    total: int
    capped: bool
    query: ListQuery
    has_next: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    def next_args(self) -> dict[str, Any]:
        """Link arguments of the next page: a keyset cursor after the last row."""
        cursor = encode_cursor(self.rows[-1], self.query.sort)
        return self.query.args(page=self.query.page + 1, after=cursor, before="")

    def previous_args(self) -> dict[str, Any]:
        """Link arguments of the previous page: a cursor before the first row (page 1 plain)."""
        if self.query.page <= 2 or not self.rows:
            return self.query.args(page=1, after="", before="")
        cursor = encode_cursor(self.rows[0], self.query.sort)
        return self.query.args(page=self.query.page - 1, before=cursor, after="")


def list_page(query: ListQuery) -> Page:
    """The accounts of one page and how many match (counted up to a cap): two statements.

    Next and previous links carry keyset cursors; a bare ``page`` number (a jump) falls
    back to OFFSET.
    """
    capped_ids = query.filtered().with_only_columns(Account.id).limit(COUNT_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(capped_ids)) or 0
    seek = query.seek()
    if seek is None:
        stmt, reverse = query.ordered().offset((query.page - 1) * query.per_page), False
    else:
        stmt, reverse = seek
    rows = list(db.session.scalars(stmt.limit(query.per_page + 1)))
    more = len(rows) > query.per_page
    rows = rows[: query.per_page]
    if reverse:
        rows.reverse()
    has_next = more or reverse
    return Page(rows, min(total, COUNT_CAP), total > COUNT_CAP, query, has_next)


def safe_cell(value: Any) -> str:
    """A CSV cell that no spreadsheet will run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(query: ListQuery) -> Iterator[str]:
    """Every matching account as CSV lines, read in chunks so memory stays flat."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(c) for c in cells])
        return buffer.getvalue()

    yield line(list(EXPORT_FIELDS))
    stmt = (
        query.ordered().options(selectinload(Account.tag_links)).execution_options(yield_per=1000)
    )
    for account in db.session.scalars(stmt):
        values = {f: getattr(account, f) for f in EXPORT_FIELDS if f != "tags"}
        values["tags"] = ";".join(sorted(account.tags))
        yield line([values[f] for f in EXPORT_FIELDS])
