"""Finding accounts: the list's query (search, filters, order, page) and the CSV export."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, and_, cast, func, literal, select, tuple_, union_all

from webapp.accounts import search
from webapp.accounts.models import Account
from webapp.accounts.models.account import FIELDS
from webapp.core.export import csv_lines
from webapp.core.models import Tag
from webapp.extensions import db

SORTS = {
    "company_name": Account.company_name,
    "account_number": Account.account_number,
    "city": Account.city,
    "country": Account.country,
    "created_at": Account.created_at,
    "updated_at": Account.updated_at,
}
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
        if self.words:
            stmt = stmt.where(Account.id.in_(search.matching_ids(self.words)))
        filters = {
            "is_active": self.is_active,
            "is_default_account": self.is_default_account,
            "country": self.country or None,
            "currency": self.currency or None,
        }
        conditions = [getattr(Account, k) == v for k, v in filters.items() if v is not None]
        return stmt.where(and_(*conditions)) if conditions else stmt

    def sort_key(self) -> Any:
        """The sort column; with a search, an expression no index can serve, so the database
        collects the matches first and sorts them. Walking the sort index instead assumes the
        matches are spread evenly, and they are not ("Harbor …" sits mid-alphabet): that plan
        read 500,000 index entries, 6.4 s, for one page of a million accounts on PostgreSQL."""
        column = SORTS[self.sort.lstrip("-")]
        return func.coalesce(column, column) if self.words else column

    def ordered(self, reverse: bool = False) -> Select:
        """The matching accounts in the chosen order (or its reverse), ties broken by id."""
        column = self.sort_key()
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
        key = tuple_(self.sort_key(), Account.id)
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


FACETS = ("is_active", "is_default_account", "country", "currency")


@dataclass
class Facets:
    """How many matching accounts have each value of each filter, and how many match at all."""

    total: int
    counts: dict[str, dict[str, int]]

    def top(self, name: str, limit: int = 25) -> list[tuple[str, int]]:
        """The commonest values of a filter, most accounts first."""
        values = sorted(self.counts.get(name, {}).items(), key=lambda item: (-item[1], item[0]))
        return values[:limit]


def _facet_value(name: str, value: Any) -> str:
    if name in ("is_active", "is_default_account"):
        return "true" if str(value).lower() in ("1", "true") else "false"
    return str(value)


def count_facets(query: ListQuery) -> Facets:
    """Count every filter's values within the matching set, in one statement."""
    if query.words:  # search once, then group the matches
        columns = (getattr(Account, f) for f in FACETS)
        matches = query.filtered().with_only_columns(*columns).cte("matches")
        groups = [(select().select_from(matches), matches.c[f]) for f in FACETS]
    else:  # each grouping reads its own index
        groups = [(query.filtered(), getattr(Account, f)) for f in FACETS]
    parts = [
        stmt.with_only_columns(literal(name, String), cast(column, String), func.count()).group_by(
            column
        )
        for name, (stmt, column) in zip(FACETS, groups, strict=True)
    ]
    counts: dict[str, dict[str, int]] = {f: {} for f in FACETS}
    for name, value, number in db.session.execute(union_all(*parts)):
        counts[name][_facet_value(name, value)] = number
    return Facets(sum(counts["is_active"].values()), counts)


def facets(query: ListQuery) -> Facets:
    """The filter counts and total, cached until any account or contact changes."""
    key = hashlib.sha256(json.dumps(query.args(page=1, sort="company_name")).encode())
    return Account.cache.remember_query(f"facets:{key.hexdigest()}", lambda: count_facets(query))


@dataclass
class Page:
    """One page of the list, the exact total and filter counts, and cursors to its neighbours."""

    rows: list[Account]
    facets: Facets
    query: ListQuery
    has_next: bool

    @property
    def total(self) -> int:
        return self.facets.total

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
    """The accounts of one page with the total and filter counts: at most two statements
    (the counts come from the cache until an account changes).

    Next and previous links carry keyset cursors; a bare ``page`` number (a jump) falls
    back to OFFSET.
    """
    counted = facets(query)
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
    return Page(rows, counted, query, more or reverse)


def _tag_names() -> Any:
    """The account's tags as one ';'-separated text, in a correlated subquery."""
    links = db.metadata.tables["account_tag"]
    names = (
        func.string_agg(Tag.name, literal(";"))
        if db.session.get_bind().dialect.name == "postgresql"
        else func.group_concat(Tag.name, ";")
    )
    return (
        select(names)
        .join(links, links.c.tag_id == Tag.id)
        .where(links.c.account_id == Account.id)
        .scalar_subquery()
    )


def export_csv(query: ListQuery, batch: int = 2000) -> Iterator[str]:
    """Every matching account as CSV, read as plain rows in batches so memory stays flat."""
    columns = [getattr(Account, f) for f in EXPORT_FIELDS if f != "tags"]
    stmt = query.ordered().with_only_columns(*columns, _tag_names())
    yield from csv_lines(EXPORT_FIELDS, _export_rows(stmt, batch), batch)


def _export_rows(stmt: Select, batch: int) -> Iterator[list[Any]]:
    """The export's rows, the tags sorted and put back in their column."""
    tags_at = EXPORT_FIELDS.index("tags")
    result = db.session.execute(stmt.execution_options(yield_per=batch))
    for rows in result.partitions():
        for row in rows:
            *values, tags = row
            values.insert(tags_at, ";".join(sorted((tags or "").split(";"))).strip(";"))
            yield values
