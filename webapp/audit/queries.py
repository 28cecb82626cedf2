"""Reading the audit trail: filters, keyset pages (newest first) and the CSV export."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from webapp.accounts.models import Account
from webapp.audit.models import AuditEvent
from webapp.audit.services import redact
from webapp.core.cache import safe_cache
from webapp.core.export import csv_lines
from webapp.core.paging import positive_int
from webapp.extensions import db

__all__ = [
    "PER_PAGE",
    "EventPage",
    "Keyset",
    "event_page",
    "export_csv",
    "filter_conditions",
    "known_values",
]

PER_PAGE = 50
KNOWN_SECONDS = 300
# Actions the code records; the select also offers whatever the table holds.
ACTIONS = (
    "account.create",
    "account.update",
    "account.activate",
    "account.deactivate",
    "account.make-default",
    "account.delete",
    "login.success",
    "login.failure",
    "logout",
    "password.change",
    "user.locale",
    "user.create",
    "user.role_change",
    "user.activate",
    "user.deactivate",
    "user.password_reset",
    "login.password_ok",
    "user.2fa_enrol",
    "user.2fa_disable",
    "user.2fa_recovery_regenerated",
    "user.reset_2fa",
    "setting.require_2fa",
    "contact.create",
    "contact.update",
    "contact.make-primary",
    "contact.delete",
    "billing.rollup",
    "demo.seed",
    "token.create",
    "token.revoke",
    "saved_view.create",
    "saved_view.rename",
    "saved_view.delete",
)
OBJECT_TYPES = (
    "Account",
    "AccountContact",
    "UserProfile",
    "User",
    "billing_day",
    "ApiToken",
    "SavedView",
)
EXPORT_FIELDS = (
    "id",
    "created_at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "account_id",
    "email",
    "client_addr",
    "changes",
)


def _positive(value: str | None) -> int | None:
    return positive_int(value, default=None, cap=2**63 - 1)


@dataclass(frozen=True)
class Keyset:
    """Where a page starts: after (older than) or before (newer than) an event id."""

    after: int | None = None
    before: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Keyset:
        """Read ``after``/``before`` leniently: anything but a positive number is ignored."""
        after = _positive(args.get("after"))
        return cls(after, None if after else _positive(args.get("before")))


@dataclass
class EventPage:
    """One page of events, newest first, with what its Next and Previous links need."""

    rows: list[AuditEvent]
    has_next: bool
    has_previous: bool
    args: dict[str, Any] = field(default_factory=dict)
    accounts: dict[int, Any] = field(default_factory=dict)

    def next_args(self) -> dict[str, Any]:
        """Link arguments of the next (older) page."""
        return {**self.args, "after": self.rows[-1].id}

    def previous_args(self) -> dict[str, Any]:
        """Link arguments of the previous (newer) page."""
        return {**self.args, "before": self.rows[0].id}


def event_page(
    conditions: Iterable[ColumnElement[bool]],
    keyset: Keyset,
    args: dict[str, Any] | None = None,
    per_page: int = PER_PAGE,
) -> EventPage:
    """The events matching ``conditions`` on one page, read from the id index by keyset."""
    stmt = select(AuditEvent).where(*conditions)
    reverse = keyset.before is not None
    if keyset.after is not None:
        stmt = stmt.where(AuditEvent.id < keyset.after)
    elif reverse:
        stmt = stmt.where(AuditEvent.id > keyset.before)
    order = AuditEvent.id.asc() if reverse else AuditEvent.id.desc()
    rows = list(db.session.scalars(stmt.order_by(order).limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if reverse:
        rows.reverse()
        return EventPage(rows, True, more, args or {})
    return EventPage(rows, more, keyset.after is not None, args or {})


def with_accounts(page: EventPage) -> EventPage:
    """Attach the number and name of each account the page's events belong to (one query)."""
    ids = {e.account_id for e in page.rows if e.account_id is not None}
    if ids:
        rows = db.session.execute(
            select(Account.id, Account.account_number, Account.company_name).where(
                Account.id.in_(ids)
            )
        )
        page.accounts = {row.id: row for row in rows}
    return page


def _actor_matches(text: str) -> ColumnElement[bool]:
    """The actor, or the email a sign-in named, contains ``text`` (its % and _ literal)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(
        func.lower(AuditEvent.actor).like(pattern, escape="\\"),
        AuditEvent.email.like(pattern, escape="\\"),
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def filter_conditions(
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    from_date: date | None = None,
    to_date: date | None = None,
) -> list[ColumnElement[bool]]:
    """SQL conditions for the filters given: ``action`` is exact, or a prefix ending in ".";
    the days are UTC, both ends included."""
    conditions = [_actor_matches(actor)] if actor else []
    if action:
        prefix = action.endswith(".")
        conditions.append(
            AuditEvent.action.startswith(action, autoescape=True)
            if prefix
            else AuditEvent.action == action
        )
    exact = {AuditEvent.object_type: object_type, AuditEvent.object_id: object_id}
    conditions += [column == value for column, value in exact.items() if value]
    if from_date:
        conditions.append(AuditEvent.created_at >= _day_start(from_date))
    if to_date and to_date < date.max:
        conditions.append(AuditEvent.created_at < _day_start(to_date + timedelta(days=1)))
    return conditions


def known_values(column: str) -> list[str]:
    """The actions (or object types) the code records and the table holds, sorted; cached."""
    key = f"audit:known:{column}"
    stored = safe_cache.get(key)
    if stored is None:
        attribute = getattr(AuditEvent, column)
        stored = sorted(set(db.session.scalars(select(attribute).distinct())) - {""})
        safe_cache.set(key, stored, timeout=KNOWN_SECONDS)
    static = ACTIONS if column == "action" else OBJECT_TYPES
    return sorted({*static, *stored})


def export_csv(conditions: Iterable[ColumnElement[bool]]) -> Iterator[str]:
    """Every matching event as CSV lines, newest first, read in chunks so memory stays flat."""
    yield from csv_lines(EXPORT_FIELDS, _export_rows(conditions))


def _export_rows(conditions: Iterable[ColumnElement[bool]]) -> Iterator[list[Any]]:
    """The matching events as export rows, their changes redacted and written as JSON."""
    stmt = (
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.id.desc())
        .execution_options(yield_per=1000)
    )
    for event in db.session.scalars(stmt):
        values = {name: getattr(event, name) for name in EXPORT_FIELDS}
        values["created_at"] = event.created_at.isoformat()
        values["changes"] = json.dumps(redact(event.changes or {}), sort_keys=True, default=str)
        yield [values[name] for name in EXPORT_FIELDS]
