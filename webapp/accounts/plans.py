"""How one page of a search is read, with bounded work at any table size.

The search index finds the matches of a word but knows nothing of the list's order; the
list's ``(sort key, id)`` index knows the order but not the words. A page takes the cheaper:

- **Few matches** (at most ``ENUMERATE``, known from the cached capped count): read every
  match from the search index and let the database keep the top rows. Work ~ matches.
- **Many matches**: walk the sort index from the cursor, checking each account's document
  by primary key, for twice the rows their average density needs (at most ``WALK``), where
  that is cheaper than sorting them. Spread matches fill a page within a few hundred
  rows ("harbor", one account in 16, within ~420).
- **Many matches that cluster** away from the walk's start ("harbor" by company name sits
  mid-alphabet) exhaust the walk; the page then sorts every match: exact, work ~ matches.
- **Only short words** (under 3 characters, no trigram): the walk alone, reading at most
  ``SCAN`` accounts per page; a page that ends early says how far it read, and Next reads
  on from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, func, literal, select, tuple_

from webapp.accounts import search
from webapp.accounts.models import Account
from webapp.extensions import db

ENUMERATE = 2_000  # at most this many matches: sort them all
WALK = 10_000  # at most this many rows of the sort index for a page of long words
# A walk may read up to 4 rows per match it spares sorting: at a million accounts on SQLite
# 4,939 matches ("zoe.berg") sorted in ~140-190 ms, walked in ~65-90 ms (10,500 rows).
WALK_RATIO = 4
SCAN = 2_000  # accounts a page of short words reads


@dataclass
class Walked:
    """Rows found by a walk in the page's order, and whether the walk read all it had to."""

    rows: list[Account]
    complete: bool
    stopped_at: tuple[Any, int] | None = None  # a short-word scan's last (sort value, id)


def walk_budget(matches: int, capped: bool, limit: int) -> int | None:
    """Rows a walk may read for a page, or None when sorting the matches is cheaper.

    A page needs about ``limit`` x accounts / matches rows at the matches' average density.
    Past the count's cap the matches are at least that dense, so the walk gets exactly that;
    otherwise twice that, unless that is over ``WALK_RATIO`` rows per match: then sorting
    them is cheaper.
    """
    accounts = db.session.scalar(select(func.max(Account.id))) or 0  # ids are dense enough
    needed = max(limit, limit * accounts // max(matches, 1))
    if capped:
        return min(needed, WALK)
    return min(2 * needed, WALK) if 2 * needed <= WALK_RATIO * matches else None


def _order(key: ColumnElement, ident: ColumnElement, descending: bool) -> tuple[Any, Any]:
    return (key.desc(), ident.desc()) if descending else (key.asc(), ident.asc())


def _window(query: Any, bound: Any, descending: bool, budget: int) -> Subquery:
    """The next ``budget`` rows of the sort index after ``bound`` (filters applied)."""
    column = query.sort_column()
    stmt = query.filters(select(Account.id, column.label("key")))
    if bound is not None:
        key = tuple_(column, Account.id)
        value = tuple_(literal(bound[0], column.type), literal(bound[1]))
        stmt = stmt.where(key < value if descending else key > value)
    return stmt.order_by(*_order(column, Account.id, descending)).limit(budget).subquery("window")


def walk(query: Any, bound: Any, reverse: bool, budget: int, limit: int) -> Walked:
    """Up to ``limit`` matches in the page's order, reading at most ``budget`` index rows."""
    descending = query.sort.startswith("-") != reverse
    window = _window(query, bound, descending, budget)
    # No ORDER BY here: the window is read in its index order and the first matches are
    # the page's; SQLite would otherwise check all ``budget`` rows and sort them.
    hits = select(window.c.id).where(search.contains_all(window.c.id, query.words)).limit(limit)
    rows = list(db.session.scalars(in_order(query, Account.id.in_(hits), descending)))
    if len(rows) >= limit:
        return Walked(rows, True)
    last = db.session.execute(
        select(window.c.key, window.c.id, func.count().over())
        .order_by(*_order(window.c.key, window.c.id, not descending))
        .limit(1)
    ).first()
    if last is None or last[2] < budget:  # the order ended inside the window
        return Walked(rows, True)
    return Walked(rows, False, (last[0], last[1]))


def in_order(query: Any, condition: ColumnElement, descending: bool) -> Select:
    """Accounts meeting ``condition`` sorted in memory (never by walking the sort index)."""
    stmt = select(Account).where(condition)
    return stmt.order_by(*_order(query.sort_key(), Account.id, descending))


def ranked(query: Any, bound: Any, reverse: bool, offset: int, limit: int) -> Select:
    """PostgreSQL: a page of matches ranked inside the search table, whose rows hold the
    list's columns; the database keeps the top rows of every match without reading
    ``account`` for each."""
    table = search.POSTGRES_TABLE
    descending = query.sort.startswith("-") != reverse
    key = table.c[query.sort.lstrip("-")]
    stmt = query.filters(select(table.c.account_id), table).where(
        search.contains(table.c.document, query.words)
    )
    if bound is not None:
        position = tuple_(key, table.c.account_id)
        value = tuple_(literal(bound[0], key.type), literal(bound[1]))
        stmt = stmt.where(position < value if descending else position > value)
    top = stmt.order_by(*_order(key, table.c.account_id, descending)).offset(offset).limit(limit)
    return in_order(query, Account.id.in_(top), descending)
