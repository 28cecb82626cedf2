"""``/api/v1/accounts/<number>/contacts``: list, create, read, partial update and delete.

Contacts have no revision column, so their ETag is a hash of their JSON: any change to any
field gives a new one, and If-Match refuses a write made from an older read (412).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from flask import Response, abort, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import Account, AccountContact
from webapp.accounts.services import account_or_404
from webapp.api import request_keys
from webapp.api.http import check_if_match, etag, json_body, json_response, need
from webapp.api.problems import ApiProblem
from webapp.api.schemas import ContactArgs, ContactOut
from webapp.api.v1 import bp
from webapp.api.validation import contact_values, invalid, typed, typed_contact
from webapp.contacts import services
from webapp.errors import ValidationError
from webapp.extensions import db

CONTACTS = "/accounts/<number>/contacts"
ONE = f"{CONTACTS}/<int:contact_id>"
MAX_ID = 2**31 - 1  # beyond an INTEGER column: a 404 here, not a database error (a 500)


def dump(contact: AccountContact) -> dict[str, Any]:
    """The contact as JSON."""
    return ContactOut().dump(contact)


def version(contact: AccountContact) -> str:
    """The contact's ETag value: a hash of what the API shows of it."""
    text = json.dumps(dump(contact), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _answer(contact: AccountContact, status: int = 200, **headers: str) -> Response:
    return json_response(dump(contact), status, {"ETag": etag(version(contact)), **headers})


def _contact_or_404(number: str, contact_id: int) -> tuple[Account, AccountContact]:
    account = account_or_404(number)
    contact = db.session.get(AccountContact, contact_id) if contact_id <= MAX_ID else None
    if contact is None or contact.account_id != account.id:
        abort(404)
    return account, contact


@bp.get(CONTACTS)
def list_contacts(number: str):
    """A page of the account's contacts in the order they were added, and the next cursor."""
    need("viewer")
    account = account_or_404(number)
    args = typed(ContactArgs(), request.args.to_dict())
    limit = args.get("limit", 25)
    stmt = (
        select(AccountContact)
        .where(AccountContact.account_id == account.id, AccountContact.id > _after(args))
        .order_by(AccountContact.id)
        .limit(limit + 1)
    )
    rows = list(db.session.scalars(stmt))
    more = len(rows) > limit
    cursor = _cursor(rows[limit - 1].id) if more else None
    return json_response({"items": [dump(c) for c in rows[:limit]], "next_cursor": cursor})


def _cursor(ident: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([ident]).encode()).decode()


def _after(args: dict[str, Any]) -> int:
    """The id a cursor points after (0 without one); 422 for a cursor we did not make."""
    if "cursor" not in args:
        return 0
    try:
        (ident,) = json.loads(base64.urlsafe_b64decode(args["cursor"].encode()))
    except (ValueError, TypeError, binascii.Error):
        ident = None
    if type(ident) is not int or not 0 < ident <= MAX_ID:
        raise invalid({"cursor": "Not a cursor of this list; start again."})
    return ident


@bp.post(CONTACTS)
def create_contact(number: str):
    """Add a contact (201, Location, ETag)."""
    who = need("editor")
    account = account_or_404(number)
    given = typed_contact(json_body(), new=True)
    replayed = request_keys.claim(who.id)
    if replayed is not None:
        return replayed
    values = contact_values(given, account, None)
    contact = _write(lambda: services.create_contact(account, values, by=who.actor))
    location = url_for("api_v1.get_contact", number=number, contact_id=contact.id)
    return request_keys.finish(_answer(contact, 201, Location=location))


@bp.get(ONE)
def get_contact(number: str, contact_id: int):
    """One contact, with its ETag."""
    need("viewer")
    return _answer(_contact_or_404(number, contact_id)[1])


@bp.patch(ONE)
def update_contact(number: str, contact_id: int):
    """Change the fields sent; needs If-Match with the current ETag."""
    who = need("editor")
    account, contact = _contact_or_404(number, contact_id)
    given = typed_contact(json_body(), new=False)  # a malformed body is 422 before any 412
    check_if_match(version(contact))
    values = contact_values(given, account, contact)
    _write(lambda: services.update_contact(contact, values, by=who.actor))
    db.session.commit()
    return _answer(contact)


@bp.delete(ONE)
def delete_contact(number: str, contact_id: int):
    """Delete a contact; needs If-Match."""
    who = need("editor")
    _, contact = _contact_or_404(number, contact_id)
    check_if_match(version(contact))
    services.delete_contact(contact, by=who.actor)
    db.session.commit()
    return Response(status=204)


def _write(write: Any) -> Any:
    """Run a service write; its refusals become 422, a lost race on a unique index 409."""
    try:
        return write()
    except ValidationError as exc:
        db.session.rollback()
        raise invalid(exc.errors) from None
    except IntegrityError:
        db.session.rollback()
        raise ApiProblem(409, "Someone saved a conflicting contact first; try again.") from None
