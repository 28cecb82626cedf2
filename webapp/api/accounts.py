"""``/api/v1/accounts``: list with cursors, create, read, partial update and delete.

Writes go through ``webapp.accounts.services``, as the pages' do, so an account made here is
the same as one made by the form, and its audit row names the token. The ETag is the
account's ``revision``, the counter the edit page's 409 checks too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Response, request, url_for
from sqlalchemy.orm.exc import StaleDataError

from webapp.accounts import queries, services
from webapp.accounts.models import Account
from webapp.api import request_keys
from webapp.api.http import check_if_match, etag, json_body, json_response, need
from webapp.api.problems import ApiProblem
from webapp.api.schemas import AccountOut, ListArgs
from webapp.api.v1 import bp
from webapp.api.validation import account_values, invalid, typed, typed_account
from webapp.errors import ValidationError
from webapp.extensions import db

NUMBER = "/accounts/<number>"
MAX_ID = 2**31 - 1
IMMUTABLE = "An account number never changes after creation."


def dump(account: Account) -> dict[str, Any]:
    """The account as JSON."""
    return AccountOut().dump(account)


def _answer(account: Account, status: int = 200, **headers: str) -> Response:
    return json_response(dump(account), status, {"ETag": etag(account.revision), **headers})


@bp.get("/accounts")
def list_accounts():
    """A page of accounts matching the list page's query, with the next page's cursor."""
    need("viewer")
    args = typed(ListArgs(), request.args.to_dict())
    query = queries.ListQuery.from_args(
        {**args, "per_page": str(args.get("limit", 25)), "after": args.get("cursor", "")}
    )
    if "cursor" in args:
        _check_cursor(args["cursor"], query.sort)
        query = replace(query, page=2)  # a cursor walk, not a page jump
    page = queries.list_page(query)
    after = page.next_args().get("after") if page.has_next and page.rows else None
    return json_response({"items": [dump(a) for a in page.rows], "next_cursor": after})


def _check_cursor(cursor: str, sort: str) -> None:
    """422 unless the cursor is one this list made for this order."""
    position = queries.decode_cursor(cursor, sort.lstrip("-"))
    bad = position is None or not 0 < position[1] <= MAX_ID
    if not bad and isinstance(position[0], str):
        bad = "\x00" in position[0] or len(position[0]) > 255
    if bad:
        raise invalid({"cursor": "Not a cursor of this list and order; start again."})


@bp.post("/accounts")
def create_account():
    """Create an account (201, Location, ETag); a blank account_number is generated."""
    who = need("editor")
    payload = json_body()
    given = typed_account(payload, new=True)
    replayed = request_keys.claim(who.id)
    if replayed is not None:
        return replayed
    values = account_values(given, None)
    try:
        account = services.create_account(values, payload.get("account_number"), by=who.actor)
    except ValidationError as exc:
        db.session.rollback()
        raise invalid(exc.errors) from None
    location = url_for("api_v1.get_account", number=account.account_number)
    return request_keys.finish(_answer(account, 201, Location=location))


@bp.get(NUMBER)
def get_account(number: str):
    """One account, with its revision as ETag."""
    need("viewer")
    return _answer(services.account_or_404(number))


@bp.patch(NUMBER)
def update_account(number: str):
    """Change the fields sent; needs If-Match with the current ETag."""
    who = need("editor")
    account = services.account_or_404(number)
    given = typed_account(json_body(), new=False)  # a malformed body is 422 before any 412
    check_if_match(account.revision)
    if given.get("account_number", account.account_number) != account.account_number:
        raise invalid({"account_number": IMMUTABLE})
    values = account_values(given, account)
    try:
        services.update_account(account, values, by=who.actor)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        raise invalid(exc.errors) from None
    except StaleDataError:
        db.session.rollback()
        raise ApiProblem(412, "Someone saved this account first; GET it again.") from None
    return _answer(account)


@bp.delete(NUMBER)
def delete_account(number: str):
    """Delete an account (admin, write scope, If-Match); 409 while billing exists."""
    who = need("admin")
    account = services.account_or_404(number)
    check_if_match(account.revision)
    counts = services.attached_counts(account)
    if counts["charges"] or counts["billing records"]:
        raise ApiProblem(409, "This account has billing records; deactivate it instead.")
    services.delete_account(account, by=who.actor)
    db.session.commit()
    return Response(status=204)
