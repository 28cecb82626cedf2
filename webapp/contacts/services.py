"""Contact use cases: list a page, create, update, delete, make primary; no commits here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from webapp.accounts.models import Account, AccountContact
from webapp.audit import services as audit
from webapp.audit.models import AuditEvent
from webapp.core.paging import PageNumbers, page_count
from webapp.extensions import db

__all__ = [
    "ContactPage",
    "contacts_page",
    "create_contact",
    "delete_contact",
    "make_primary",
    "update_contact",
]

AUDITED = ("first_name", "last_name", "email", "phone_number", "is_primary", "is_test", "welcomed")
MAX_WORDS = 8


@dataclass(frozen=True)
class ContactPage(PageNumbers):
    """One page of an account's contacts (primary first), its total and how to reach the others."""

    rows: list[AccountContact]
    total: int
    q: str
    page: int
    per_page: int
    prefix: str = ""

    def param(self, name: str) -> str:
        """The query-string name of ``q`` or ``page`` (prefixed when tables share a page)."""
        return f"{self.prefix}{name}"

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this page (with changes), defaults left out: for links."""
        values = {"q": self.q, "page": self.page, **changes}
        kept = {k: v for k, v in values.items() if v not in ("", None) and (k, v) != ("page", 1)}
        return {self.param(k): v for k, v in kept.items()}


def _matching(account: Account, q: str) -> Select:
    """The account's contacts whose first name, last name or email contain every word of q."""
    stmt = select(AccountContact).where(AccountContact.account_id == account.id)
    for word in q.lower().split()[:MAX_WORDS]:
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).contains(word, autoescape=True)
                    for column in (
                        AccountContact.first_name,
                        AccountContact.last_name,
                        AccountContact.email,
                    )
                )
            )
        )
    return stmt


def contacts_page(
    account: Account, q: str, page: int, per_page: int = 10, *, prefix: str = ""
) -> ContactPage:
    """The page of the account's contacts matching q: primary first, then by name.

    ``prefix`` names the page's query-string parameters (``q``, ``page``) for links, e.g.
    ``contacts_`` on a page that shows several searchable tables.
    """
    q = (q or "").strip()[:200]
    per_page = max(1, min(per_page, 100))
    stmt = _matching(account, q)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, min(page, page_count(total, per_page)))
    rows = db.session.scalars(
        stmt.order_by(
            AccountContact.is_primary.desc(),
            func.lower(AccountContact.last_name),
            func.lower(AccountContact.first_name),
            AccountContact.id,
        )
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return ContactPage(list(rows), total, q, page, per_page, prefix)


def _snapshot(contact: AccountContact) -> dict[str, Any]:
    return {field: getattr(contact, field) for field in AUDITED}


def _other_primaries(account_id: int, contact: AccountContact) -> list[AccountContact]:
    """The account's primary contacts other than this one (at most one, by the index)."""
    with db.session.no_autoflush:
        return list(
            db.session.scalars(
                select(AccountContact).where(
                    AccountContact.account_id == account_id,
                    AccountContact.is_primary.is_(True),
                    AccountContact.id != (contact.id or 0),
                )
            )
        )


def _audit_cleared(formers: list[AccountContact], by: Any) -> None:
    """Record that these contacts lost the primary flag (the model cleared it at flush)."""
    for former in formers:
        audit.record("contact.update", actor=by, obj=former, changes={"is_primary": [True, False]})


def create_contact(account: Account, data: dict[str, Any], by: Any) -> AccountContact:
    """Add a contact to the account (validated at flush) and audit it."""
    contact = AccountContact(account=account, **{k: data[k] for k in AUDITED if k in data})
    formers = _other_primaries(account.id, contact) if contact.is_primary else []
    db.session.add(contact)
    db.session.flush()
    _audit_cleared(formers, by)
    changes = {k: [None, v] for k, v in _snapshot(contact).items()}
    audit.record("contact.create", actor=by, obj=contact, changes=changes)
    return contact


def update_contact(contact: AccountContact, data: dict[str, Any], by: Any) -> dict[str, list[Any]]:
    """Apply the submitted values; returns and audits what changed (as stored)."""
    before = _snapshot(contact)
    for name in AUDITED:
        if name in data and data[name] != before[name]:
            setattr(contact, name, data[name])
    taken = contact.is_primary and not before["is_primary"]
    formers = _other_primaries(contact.account_id, contact) if taken else []
    db.session.flush()
    _audit_cleared(formers, by)
    after = _snapshot(contact)
    changes = {k: [before[k], after[k]] for k in AUDITED if before[k] != after[k]}
    if changes:
        audit.record("contact.update", actor=by, obj=contact, changes=changes)
    return changes


def make_primary(contact: AccountContact, by: Any) -> bool:
    """Make the contact its account's primary one, clearing the old primary in this
    transaction; False when it already was."""
    if contact.is_primary:
        return False
    formers = _other_primaries(contact.account_id, contact)
    contact.is_primary = True
    db.session.flush()
    _audit_cleared(formers, by)
    changes = {"is_primary": [False, True]}
    audit.record("contact.make-primary", actor=by, obj=contact, changes=changes)
    return True


def delete_contact(contact: AccountContact, by: Any) -> AuditEvent:
    """Delete a contact, recording every value it had; returns the event (for an undo)."""
    changes = {k: [v, None] for k, v in _snapshot(contact).items()}
    event = audit.record(
        "contact.delete", actor=by, obj=contact, changes=changes, batch=audit.new_batch()
    )
    db.session.delete(contact)
    db.session.flush()
    return event
