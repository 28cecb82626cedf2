"""The list's total and filter counts, within the matching set, exact up to ``CAP``.

Without search words each count reads its own index. With words the matches are counted
once, at most ``CAP + 1`` of them, so the work is bounded at any table size: up to 10,000
matches the total and every filter's counts are exact; beyond, the page says "10,000+" and
the filters offer their values without numbers. Why 10,000: counting that many matches costs
a few milliseconds on either database, it is 400 pages of 25, and a person who needs more
refines the words. Words all under 3 characters have no index, so they are not counted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, String, cast, func, literal, select, union_all

from webapp.accounts import search
from webapp.accounts.models import Account, AccountContact
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.accounts.queries import ListQuery

FACETS = ("is_active", "is_default_account", "country", "currency")
CAP = 10_000


@dataclass
class Facets:
    """How many matching accounts have each value of each filter, and how many match at all.

    ``total`` is None when not counted (short words only); ``capped`` means more than it
    match; ``within`` is False when the counts are the filters' own, not the matches'.
    """

    total: int | None
    counts: dict[str, dict[str, int]]
    capped: bool = False
    within: bool = field(default=True)

    def top(self, name: str, limit: int = 25) -> list[tuple[str, int]]:
        """The commonest values of a filter, most accounts first."""
        values = sorted(self.counts.get(name, {}).items(), key=lambda item: (-item[1], item[0]))
        return values[:limit]


def _facet_value(name: str, value: Any) -> str:
    if name in ("is_active", "is_default_account"):
        return "true" if str(value).lower() in ("1", "true") else "false"
    return str(value)


def count_facets(query: ListQuery) -> Facets:
    """Count every filter's values within the matching set (at most ``CAP + 1`` matches),
    in one statement."""
    if query.words and not search.indexed(query.words):
        return Facets(None, _filter_values(query), within=False)
    if query.words:  # search once, at most CAP + 1 matches, then group them
        matches = _matches(query).limit(CAP + 1).cte("matches")
        groups = [(select().select_from(matches), matches.c[f]) for f in FACETS]
    else:  # each grouping reads its own index
        groups = [(query.filtered(), getattr(Account, f)) for f in FACETS]
    parts = [
        stmt.with_only_columns(literal(name, String), cast(column, String), func.count())
        .group_by(column)
        for name, (stmt, column) in zip(FACETS, groups, strict=True)
    ]
    counts: dict[str, dict[str, int]] = {f: {} for f in FACETS}
    for name, value, number in db.session.execute(union_all(*parts)):
        counts[name][_facet_value(name, value)] = number
    total = sum(counts["is_active"].values())
    if query.words and total > CAP:
        return Facets(CAP, _filter_values(query), capped=True, within=False)
    return Facets(total, counts)


def _matches(query: ListQuery) -> Select:
    """The matches' filter columns: on PostgreSQL from the search table alone (it holds them)."""
    if not search.ranks_in_index():
        return query.filtered().with_only_columns(*(getattr(Account, f) for f in FACETS))
    table = search.POSTGRES_TABLE
    stmt = select(*(table.c[f] for f in FACETS))
    return query.filters(stmt, table).where(search.contains(table.c.document, query.words))


def _filter_values(query: ListQuery) -> dict[str, dict[str, int]]:
    """The filters' counts without the search words (cached): values to offer, no numbers."""
    return facets(replace(query, q="", words=())).counts


def facets(query: ListQuery) -> Facets:
    """The filter counts and total, cached until any account or contact changes."""
    key = hashlib.sha256(json.dumps(query.args(page=1, sort="company_name")).encode())
    return Account.cache.remember_query(
        f"facets:{key.hexdigest()}", lambda: count_facets(query), also=(AccountContact.cache,)
    )
