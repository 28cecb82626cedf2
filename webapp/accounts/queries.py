"""Finding accounts: the list's query (search, filters, order, page) and the CSV export."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, literal, select, tuple_

from webapp.accounts import plans, search
from webapp.accounts.counts import Facets, facets
from webapp.accounts.models import Account
from webapp.accounts.models.account import FIELDS
from webapp.core.export import csv_lines
from webapp.core.i18n import number
from webapp.core.models import Tag
from webapp.core.paging import positive_int
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
    *FIELDS,
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
            page=positive_int(page),
            per_page=positive_int(per_page, default=25, cap=100),
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
        return self.filters(stmt)

    def filters(self, stmt: Select, table: Any = None) -> Select:
        """``stmt`` narrowed by the filters (not the search words), on ``account`` or on a
        table with the same column names."""
        columns = Account.__table__.c if table is None else table.c
        filters = {
            "is_active": self.is_active,
            "is_default_account": self.is_default_account,
            "country": self.country or None,
            "currency": self.currency or None,
        }
        conditions = [columns[k] == v for k, v in filters.items() if v is not None]
        return stmt.where(and_(*conditions)) if conditions else stmt

    def sort_column(self) -> Any:
        """The column the list is sorted by (its ``(column, id)`` index serves walks)."""
        return SORTS[self.sort.lstrip("-")]

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
    return encode_position(getattr(account, sort.lstrip("-")), account.id)


def encode_position(value: Any, ident: int) -> str:
    """A cursor for the (sort value, id) position in an order."""
    text = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([text, ident]).encode()).decode()


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
    """One page of the list, the total and filter counts, and cursors to its neighbours."""

    rows: list[Account]
    facets: Facets
    query: ListQuery
    has_next: bool
    scanned_to: tuple[Any, int] | None = None  # where a page of short words stopped reading

    @property
    def total(self) -> int | None:
        return self.facets.total

    @property
    def total_text(self) -> str:
        """The total as shown: "1,234", "10,000+" past the cap, "" when not counted."""
        if self.total is None:
            return ""
        return number(self.total) + ("+" if self.facets.capped else "")

    @property
    def scan(self) -> int:
        """How many accounts a page of short words reads."""
        return plans.SCAN

    @property
    def pages(self) -> int | None:
        """How many pages, when the total is known exactly."""
        if self.total is None or self.facets.capped:
            return None
        return max(1, -(-self.total // self.query.per_page))

    def next_args(self) -> dict[str, Any]:
        """Link arguments of the next page: a keyset cursor after the last row read."""
        if self.scanned_to is not None:
            cursor = encode_position(*self.scanned_to)
        else:
            cursor = encode_cursor(self.rows[-1], self.query.sort)
        return self.query.args(page=self.query.page + 1, after=cursor, before="")

    def previous_args(self) -> dict[str, Any]:
        """Link arguments of the previous page: a cursor before the first row (page 1 plain)."""
        if self.query.page <= 2 or not self.rows:
            return self.query.args(page=1, after="", before="")
        cursor = encode_cursor(self.rows[0], self.query.sort)
        return self.query.args(page=self.query.page - 1, before=cursor, after="")


def list_page(query: ListQuery) -> Page:
    """The accounts of one page with the total and filter counts.

    Without search words: one statement (the counts come from the cache until an account
    changes). With words, the plan of ``plans`` bounds the work. Next and previous links
    carry keyset cursors; a bare ``page`` number (a jump) falls back to OFFSET.
    """
    counted = facets(query)
    limit = query.per_page + 1
    cursor = decode_cursor(query.after or query.before, query.sort.lstrip("-"))
    reverse = cursor is not None and bool(query.before) and not query.after
    if query.words and (cursor is not None or query.page == 1):
        walked = _search_rows(query, counted, cursor, reverse, limit)
        if walked is not None:
            return _page(walked.rows, counted, query, reverse, walked.stopped_at)
    if query.words and search.ranks_in_index():
        offset = 0 if cursor is not None else (query.page - 1) * query.per_page
        stmt = plans.ranked(query, cursor, reverse, offset, limit)
        return _page(list(db.session.scalars(stmt)), counted, query, reverse)
    seek = query.seek()
    if seek is None:
        stmt, reverse = query.ordered().offset((query.page - 1) * query.per_page), False
    else:
        stmt, reverse = seek
    return _page(list(db.session.scalars(stmt.limit(limit))), counted, query, reverse)


def _search_rows(
    query: ListQuery, counted: Facets, cursor: Any, reverse: bool, limit: int
) -> plans.Walked | None:
    """A page of matches from a bounded walk, or None where sorting every match is cheaper
    (few matches) or needed (the walk found too few: the matches cluster)."""
    if not search.indexed(query.words):
        return plans.walk(query, cursor, reverse, plans.SCAN, limit)
    matches = counted.total or 0
    if matches <= plans.ENUMERATE and not counted.capped:
        return None
    budget = plans.walk_budget(matches, counted.capped, limit)
    if budget is None:
        return None
    walked = plans.walk(query, cursor, reverse, budget, limit)
    return walked if len(walked.rows) >= limit or walked.complete else None


def _page(
    rows: list[Account],
    counted: Facets,
    query: ListQuery,
    reverse: bool,
    scanned_to: tuple[Any, int] | None = None,
) -> Page:
    more = len(rows) > query.per_page or scanned_to is not None
    rows = rows[: query.per_page]
    if reverse:
        rows.reverse()
        scanned_to = None  # going back, Next continues after this page's last row
    return Page(rows, counted, query, more or reverse, scanned_to)


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


def export_csv(query: ListQuery, batch: int = 500) -> Iterator[str]:
    """Every matching account as CSV, read as plain rows in batches so memory stays flat."""
    columns = [getattr(Account, f) for f in EXPORT_FIELDS if f != "tags"]
    stmt = query.ordered().with_only_columns(*columns, _tag_names())
    yield from csv_lines(EXPORT_FIELDS, _export_rows(stmt, batch), batch)


def _export_rows(stmt: Select, batch: int) -> Iterator[list[Any]]:
    """The export's rows, the tags sorted and put back in their column."""
    tags_at = EXPORT_FIELDS.index("tags")
    annotations_at = EXPORT_FIELDS.index("annotations")
    result = db.session.execute(stmt.execution_options(yield_per=batch))
    for rows in result.partitions():
        for row in rows:
            *values, tags = row
            values[annotations_at] = json.dumps(values[annotations_at] or {}, sort_keys=True)
            values.insert(tags_at, ";".join(sorted((tags or "").split(";"))).strip(";"))
            yield values
