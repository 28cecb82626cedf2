"""Account use cases: find, create, update, change state, delete; no commits here."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import (
    Account,
    AccountContact,
    Charge,
    DailyBillingRecord,
    UserProfile,
)
from webapp.audit import services as audit
from webapp.audit.models import AuditEvent
from webapp.extensions import db

SORTS = {
    "company_name": Account.company_name,
    "account_number": Account.account_number,
    "city": Account.city,
    "country": Account.country,
    "created_at": Account.created_at,
    "updated_at": Account.updated_at,
}
PAGE_SIZES = (25, 50, 100)
COUNT_CAP = 10_000
EXPORT_FIELDS = (
    "account_number",
    "company_name",
    "name",
    "description",
    "version",
    "phone_number",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "language",
    "timezone",
    "currency",
    "is_active",
    "is_default_account",
    "tags",
    "created_at",
    "updated_at",
)
EDITABLE = (
    "company_name",
    "name",
    "description",
    "version",
    "annotations",
    "phone_number",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "language",
    "timezone",
    "currency",
    "is_active",
    "is_default_account",
    "tags",
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
            words=tuple(q.split()[:8]),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this view (with changes), without defaults: for links."""
        query = replace(self, **changes)
        values = {
            "q": query.q,
            "is_active": _word(query.is_active),
            "is_default_account": _word(query.is_default_account),
            "country": query.country,
            "currency": query.currency,
            "sort": query.sort,
            "page": query.page,
            "per_page": query.per_page,
        }
        defaults = {"sort": "company_name", "page": 1, "per_page": 25}
        return {k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v}

    def filtered(self) -> Select:
        """The matching accounts, unordered."""
        stmt = select(Account)
        for word in self.words:
            like = f"%{word.lower()}%"
            contact = exists().where(
                AccountContact.account_id == Account.id, func.lower(AccountContact.email).like(like)
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

    def ordered(self) -> Select:
        """The matching accounts in the chosen order, ties broken by id."""
        column = SORTS[self.sort.lstrip("-")]
        descending = self.sort.startswith("-")
        order = (
            (column.desc(), Account.id.desc()) if descending else (column.asc(), Account.id.asc())
        )
        return self.filtered().order_by(*order)


def _word(flag: bool | None) -> str | None:
    return None if flag is None else ("true" if flag else "false")


@dataclass
class Page:
    """One page of the list with its total (exact up to COUNT_CAP)."""

    rows: list[Account]
    total: int
    capped: bool
    query: ListQuery

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


def list_page(query: ListQuery) -> Page:
    """The accounts of one page and how many match (counted up to a cap): two statements."""
    capped_ids = query.filtered().with_only_columns(Account.id).limit(COUNT_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(capped_ids)) or 0
    offset = (query.page - 1) * query.per_page
    rows = db.session.scalars(query.ordered().offset(offset).limit(query.per_page)).all()
    return Page(list(rows), min(total, COUNT_CAP), total > COUNT_CAP, query)


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


def _snapshot(account: Account) -> dict[str, Any]:
    values = {f: getattr(account, f) for f in EDITABLE if f != "tags"}
    values["tags"] = sorted(account.tags)
    return values


def create_account(data: dict[str, Any], number: str | None, by: Any) -> Account:
    """Add a new account to the session (validated at flush) and audit it."""
    account = Account(
        account_number=number or None, **{k: v for k, v in data.items() if k != "tags"}
    )
    account.tags = set(data.get("tags", ()))
    db.session.add(account)
    db.session.flush()
    audit.record(
        "account.create",
        actor=by,
        obj=account,
        changes={k: [None, _plain(v)] for k, v in _snapshot(account).items()},
    )
    return account


def changed_fields(account: Account, data: dict[str, Any]) -> dict[str, list[Any]]:
    """Each field whose submitted value differs from the stored one: [stored, submitted]."""
    stored = _snapshot(account)
    submitted = {**data, "tags": sorted(data.get("tags", ()))}
    return {
        k: [_plain(stored[k]), _plain(submitted[k])]
        for k in stored
        if k in submitted and stored[k] != submitted[k]
    }


def update_account(account: Account, data: dict[str, Any], by: Any) -> dict[str, list[Any]]:
    """Apply the submitted values; returns and audits what changed."""
    changes = changed_fields(account, data)
    for name in changes:
        if name == "tags":
            account.tags = set(data["tags"])
        else:
            setattr(account, name, data[name])
    if changes:
        db.session.flush()
        audit.record("account.update", actor=by, obj=account, changes=changes)
    return changes


def set_state(account: Account, action: str, by: Any) -> None:
    """Activate, deactivate or make default (the old default is cleared in this transaction)."""
    field, value = {
        "activate": ("is_active", True),
        "deactivate": ("is_active", False),
        "make-default": ("is_default_account", True),
    }[action]
    if getattr(account, field) != value:
        audit.record(
            f"account.{action}",
            actor=by,
            obj=account,
            changes={field: [getattr(account, field), value]},
        )
        setattr(account, field, value)
        db.session.flush()


def attached_counts(account: Account) -> dict[str, int]:
    """How many contacts, members, charges and billing records hang on the account."""

    def count(model: Any) -> int:
        return db.session.scalar(select(func.count()).where(model.account_id == account.id)) or 0

    return {
        "contacts": count(AccountContact),
        "members": count(UserProfile),
        "charges": count(Charge),
        "billing records": count(DailyBillingRecord),
    }


def delete_account(account: Account, by: Any) -> None:
    """Delete an account with its contacts and memberships (callers check billing first)."""
    audit.record(
        "account.delete",
        actor=by,
        obj=account,
        changes={k: [_plain(v), None] for k, v in _snapshot(account).items()},
    )
    db.session.delete(account)
    db.session.flush()


def history(account: Account, limit: int = 200) -> list[AuditEvent]:
    """The account's audit trail, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "Account", AuditEvent.object_id == str(account.id))
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a field value for the audit trail."""
    if isinstance(value, (set, tuple)):
        return sorted(value)
    return value
