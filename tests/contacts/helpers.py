"""Helpers shared by the contact tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from webapp.accounts.models import Account, AccountContact
from webapp.audit.models import AuditEvent
from webapp.extensions import db


def add_account(app, **fields: Any) -> str:
    """A committed account; returns its number."""
    fields.setdefault("company_name", "Acme Corp")
    with app.app_context():
        return Account.create(**fields).account_number


def add_contact(app, number: str, email: str, **fields: Any) -> int:
    """A committed contact of the account; returns its id."""
    first, _, last = email.partition("@")[0].partition(".")
    fields.setdefault("first_name", first.capitalize())
    fields.setdefault("last_name", (last or "Doe").capitalize())
    with app.app_context():
        account = Account.get_by_account_number(number)
        contact = AccountContact(account=account, email=email, **fields)
        db.session.add(contact)
        db.session.commit()
        return contact.id


def contacts(app, number: str) -> dict[str, dict[str, Any]]:
    """The account's contacts as stored, by email."""
    with app.app_context():
        account = Account.get_by_account_number(number)
        rows = db.session.scalars(
            select(AccountContact).where(AccountContact.account_id == account.id)
        )
        return {
            c.email: {
                "id": c.id,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "phone_number": c.phone_number,
                "is_primary": c.is_primary,
                "is_test": c.is_test,
                "welcomed": c.welcomed,
            }
            for c in rows
        }


def events(app, prefix: str = "contact.") -> list[tuple[str, str, dict[str, Any], int | None]]:
    """(action, object id, changes, account id) of the recorded contact events, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like(f"{prefix}%")).order_by(AuditEvent.id)
        )
        return [(e.action, e.object_id, e.changes, e.account_id) for e in rows]


def account_id(app, number: str) -> int:
    with app.app_context():
        return Account.get_by_account_number(number).id
