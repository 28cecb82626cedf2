"""Undo one recorded action from its audit events, in the caller's transaction; no commits.

An action's events share a ``batch`` (a bulk change, a default moved from one account to
another); the undo offer names the batch's first event. An undo checks that every record
still holds what the action set, then writes each field's old value back and audits it as
``account.undo`` / ``contact.undo`` with ``undo_of`` naming that event.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import abort, flash
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from webapp.accounts.models import Account, AccountContact
from webapp.audit import services as audit
from webapp.audit.models import AuditEvent
from webapp.core import idempotency
from webapp.core.i18n import gettext as _
from webapp.core.types import utcnow
from webapp.extensions import db

__all__ = ["UNDO_SECONDS", "Conflict", "Difference", "check", "finish", "offer", "undo"]

UNDO_SECONDS = 30
ACTIONS = ("account.activate", "account.deactivate", "account.make-default", "contact.delete")
CHUNK = 500  # accounts locked and loaded at a time


@dataclass(frozen=True)
class Difference:
    """A field that changed after the action: what the action set, what it holds now, who."""

    record: str
    field: str
    expected: Any
    current: Any
    by: str


class Conflict(Exception):
    """The records changed after the action; nothing was written."""

    def __init__(self, differences: list[Difference]) -> None:
        super().__init__("changed since")
        self.differences = differences


def offer(event: AuditEvent | None) -> dict[str, Any] | None:
    """What the flash needs to show an Undo button for this event (None: nothing to undo)."""
    if event is None or event.id is None:
        return None
    return {"event": event.id, "until": time.time() + UNDO_SECONDS}


def finish(message: str, location: str, event: AuditEvent | None) -> Response:
    """Commit and redirect as ``idempotency.finish`` does, with an Undo button in the flash."""
    pending = offer(event)  # read before the commit expires the event
    response = idempotency.finish(message, location)
    if pending is not None:
        flash(pending, "undo")
    return response


def seconds_left(until: float) -> int:
    """Whole seconds until an offer expires (0 once it has)."""
    return max(0, int(until - time.time()))


def _undoable(action: str) -> bool:
    return action in ACTIONS or action.startswith("account.bulk-")


def check(event_id: int, user: Any) -> AuditEvent:
    """The event if this user may undo it now; else 404, 403, 410 or 409 with the reason."""
    event = db.session.get(AuditEvent, event_id)
    if event is None or not _undoable(event.action):
        abort(404, _("There is no such action to undo."))
    if event.actor_id != user.id:
        abort(403, _("Only the person who made a change may undo it."))
    if utcnow() - event.created_at > timedelta(seconds=UNDO_SECONDS):
        message = _("Undo is offered for %(num)s seconds; this change is older.", num=UNDO_SECONDS)
        abort(410, message)
    if db.session.scalar(select(exists().where(AuditEvent.undo_of == event.id))):
        abort(409, _("Event %(id)s was already undone.", id=event.id))
    return event


def _events(event: AuditEvent) -> list[AuditEvent]:
    """The action's events, newest first (the order to reverse them in)."""
    if event.batch is None:
        return [event]
    stmt = select(AuditEvent).where(AuditEvent.batch == event.batch)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id.desc())))


def undo(event: AuditEvent, by: Any) -> int:
    """Restore what the action changed, or raise Conflict; returns how many records."""
    events = _events(event)
    accounts = _locked_accounts(events)
    differences = [d for e in events for d in _differences(e, accounts)]
    if differences:
        raise Conflict(differences)
    for count, e in enumerate(events, 1):
        if e.object_type == "Account":
            _restore_account(e, accounts[int(e.object_id)], by, event.id)
        else:
            _restore_contact(e, by, event.id)
        if count % CHUNK == 0 or e.action == "account.make-default":
            db.session.flush()  # the old default loses the flag before the other takes it
    db.session.flush()
    return len(events)


def _locked_accounts(events: list[AuditEvent]) -> dict[int, Account]:
    """The events' accounts, locked for this transaction (PostgreSQL), with their tags."""
    ids = sorted({int(e.object_id) for e in events if e.object_type == "Account"})
    found: dict[int, Account] = {}
    for start in range(0, len(ids), CHUNK):
        stmt = (
            select(Account)
            .where(Account.id.in_(ids[start : start + CHUNK]))
            .options(selectinload(Account.tag_links))
            .with_for_update(of=Account)
            .execution_options(populate_existing=True)
        )
        found.update((a.id, a) for a in db.session.scalars(stmt))
    return found


def _current(account: Account, field: str) -> Any:
    value = getattr(account, field)
    return sorted(value) if field == "tags" else value


def _differences(event: AuditEvent, accounts: dict[int, Account]) -> list[Difference]:
    """What no longer holds the value this event set (empty: safe to undo)."""
    if event.object_type != "Account":
        return _contact_differences(event)
    account = accounts.get(int(event.object_id))
    if account is None:
        return [Difference(f"Account #{event.object_id}", "account", "present", "deleted", "")]
    label = f"Account {account.account_number}"
    return [
        Difference(label, field, new, now, _changed_by(event, field))
        for field, (_old, new) in event.changes.items()
        if (now := _current(account, field)) != new
    ]


def _changed_by(event: AuditEvent, field: str) -> str:
    """Who last changed this field of the event's object after the event."""
    stmt = (
        select(AuditEvent)
        .where(
            AuditEvent.object_type == event.object_type,
            AuditEvent.object_id == event.object_id,
            AuditEvent.id > event.id,
        )
        .order_by(AuditEvent.id.desc())
        .limit(100)
    )
    for later in db.session.scalars(stmt):
        if field in later.changes:
            return later.actor
    return "someone (not recorded)"


def _restore_account(event: AuditEvent, account: Account, by: Any, lead: int) -> None:
    """Write back each field's old value and audit it as an undo of ``lead``."""
    for field, (old, _new) in event.changes.items():
        if field == "tags":
            account.tags = set(old)
        else:
            setattr(account, field, old)
    changes = {field: [new, old] for field, (old, new) in event.changes.items()}
    audit.record("account.undo", actor=by, obj=account, changes=changes, undo_of=lead)


def _contact_differences(event: AuditEvent) -> list[Difference]:
    """A deleted contact comes back only to its account, with its email and primary flag free."""
    old = {field: pair[0] for field, pair in event.changes.items()}
    label = f"Contact {old['email']}"
    if db.session.get(Account, event.account_id) is None:
        return [Difference(label, "account", "present", "deleted", "")]
    same = select(AccountContact).where(AccountContact.account_id == event.account_id)
    taken = db.session.scalars(
        same.where(func.lower(AccountContact.email) == old["email"].lower())
    ).first()
    primary = db.session.scalars(same.where(AccountContact.is_primary.is_(True))).first()
    found = []
    if taken is not None:
        now = f"used by contact #{taken.id}"
        found.append(Difference(label, "email", "free", now, _last_actor(taken)))
    if old["is_primary"] and primary is not None:
        now = f"contact #{primary.id} is primary"
        found.append(Difference(label, "is_primary", "no primary", now, _last_actor(primary)))
    return found


def _last_actor(contact: AccountContact) -> str:
    """Who last wrote this contact, by the audit trail."""
    stmt = select(AuditEvent.actor).where(
        AuditEvent.object_type == "AccountContact", AuditEvent.object_id == str(contact.id)
    )
    return db.session.scalar(stmt.order_by(AuditEvent.id.desc()).limit(1)) or "someone"


def _restore_contact(event: AuditEvent, by: Any, lead: int) -> None:
    """Add the contact again with every value it had (it gets a new id)."""
    old = {field: pair[0] for field, pair in event.changes.items()}
    contact = AccountContact(account_id=event.account_id, **old)
    db.session.add(contact)
    db.session.flush()
    changes = {field: [None, value] for field, value in old.items()}
    audit.record("contact.undo", actor=by, obj=contact, changes=changes, undo_of=lead)
