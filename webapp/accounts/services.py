"""Account use cases: create, update, change state, delete, history; no commits here."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from webapp.accounts.models import (
    Account,
    AccountContact,
    Charge,
    DailyBillingRecord,
    UserProfile,
)
from webapp.accounts.models.account import FIELDS
from webapp.audit import services as audit
from webapp.audit.models import AuditEvent
from webapp.audit.queries import EventPage, Keyset, event_page
from webapp.extensions import db

EDITABLE = (*FIELDS, "tags")


def account_or_404(number: str) -> Account:
    """The account with this number, or a 404 answer (malformed numbers included)."""
    account = Account.get_by_account_number(number)
    if account is None:
        abort(404)
    return account


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


def set_state(account: Account, action: str, by: Any) -> AuditEvent | None:
    """Activate, deactivate or make default (the old default is cleared in this transaction);
    returns the event to offer an undo for, or None when nothing changed."""
    field, value = {
        "activate": ("is_active", True),
        "deactivate": ("is_active", False),
        "make-default": ("is_default_account", True),
    }[action]
    if getattr(account, field) == value:
        return None
    batch = audit.new_batch()
    if action == "make-default":
        _audit_default_cleared(account, by, batch)
    event = audit.record(
        f"account.{action}",
        actor=by,
        obj=account,
        changes={field: [getattr(account, field), value]},
        batch=batch,
    )
    setattr(account, field, value)
    db.session.flush()
    return event


def _audit_default_cleared(account: Account, by: Any, batch: str) -> None:
    """Record that the old default loses its flag (the model clears it at flush)."""
    with db.session.no_autoflush:
        formers = db.session.scalars(
            select(Account).where(
                Account.is_default_account.is_(True), Account.id != account.id
            )
        ).all()
    for former in formers:
        changes = {"is_default_account": [True, False]}
        audit.record("account.update", actor=by, obj=former, changes=changes, batch=batch)


OVERVIEW_ROWS = 5  # each tab pages through the rest


def overview(account: Account) -> dict[str, list[Any]]:
    """The overview's first related rows: contacts (primary first), members with their users
    (one joined statement), and the latest daily billing records."""

    def rows(stmt: Any) -> list[Any]:
        return list(db.session.scalars(stmt))

    by_account = {"account_id": account.id}
    return {
        "contacts": rows(
            select(AccountContact)
            .filter_by(**by_account)
            .order_by(AccountContact.is_primary.desc(), AccountContact.id)
            .limit(OVERVIEW_ROWS)
        ),
        "members": rows(
            select(UserProfile)
            .filter_by(**by_account)
            .options(joinedload(UserProfile.user, innerjoin=True))
            .order_by(UserProfile.id)
            .limit(OVERVIEW_ROWS)
        ),
        "billing": rows(
            select(DailyBillingRecord)
            .filter_by(**by_account)
            .order_by(DailyBillingRecord.date.desc(), DailyBillingRecord.id.desc())
            .limit(2 * OVERVIEW_ROWS)
        ),
    }


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


def history(account: Account, keyset: Keyset | None = None) -> EventPage:
    """One page of the account's audit trail (its related records included), newest first."""
    return event_page([AuditEvent.account_id == account.id], keyset or Keyset())


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a field value for the audit trail."""
    if isinstance(value, (set, tuple)):
        return sorted(value)
    return value
