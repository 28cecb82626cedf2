"""The reduced view of member admins: the accounts they administer and the pages they may open.

A platform user (no staff role) whose membership role is ``admin`` on an active account may
sign in; every page outside ``ALLOWED_ENDPOINTS``, and every page of an account that is not
theirs, answers 404 (SPEC section 3). Their accounts are read once per request (one query,
never cached), so a removed membership or a changed role takes effect on the next request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, current_app, g, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from webapp.accounts.models import Account, UserProfile
from webapp.extensions import db

__all__ = [
    "ALLOWED_ENDPOINTS",
    "admit",
    "administered_accounts",
    "administered_numbers",
    "enforce",
    "is_allowed",
    "may_open",
]

MEMBER_ROLE = "admin"
# Default deny: a member admin may open these and nothing else. Pages with a ``number`` in
# their URL are further limited to the member admin's own accounts (``enforce``).
ALLOWED_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.logout",
        "auth.change_password",
        "core.healthz",
        "static",
        "myaccounts.index",
        "accounts.detail",
        "contacts.index",
        "contacts.create",
        "contacts.edit",
        "contacts.delete",
        "contacts.make_primary",
        "presence.contact",
        "presence.contact_leave",
        "members.index",
        "billing.index",
        "billing.export",
    }
)
G_KEY = "member_admin_numbers"


def _administered(user_id: int):
    return (
        select(Account)
        .join(UserProfile, UserProfile.account_id == Account.id)
        .where(
            UserProfile.user_id == user_id,
            UserProfile.role == MEMBER_ROLE,
            Account.is_active.is_(True),
        )
    )


def administered_numbers(user_id: int) -> frozenset[str]:
    """Numbers of the active accounts on which this user's membership role is admin."""
    query = _administered(user_id).with_only_columns(Account.account_number)
    return frozenset(db.session.scalars(query))


def administered_accounts(user_id: int) -> list[Account]:
    """The active accounts this user administers, by company name."""
    query = _administered(user_id).order_by(Account.company_name, Account.id)
    return list(db.session.scalars(query))


def admit(user: Any) -> bool:
    """True for an active platform user who administers an active account; remembers which."""
    if not user.is_active or user.role is not None:
        return False
    numbers = administered_numbers(user.id)
    setattr(g, G_KEY, numbers)
    return bool(numbers)


def is_allowed(endpoint: str | None, view_args: Mapping[str, Any] | None) -> bool:
    """True when a member admin may open this endpoint with these URL values."""
    if endpoint not in ALLOWED_ENDPOINTS:
        return False
    number = (view_args or {}).get("number")
    return number is None or number in g.get(G_KEY, frozenset())


def enforce(endpoint: str | None, view_args: Mapping[str, Any] | None) -> None:
    """Answer 404 (never 403: nothing is confirmed to exist) outside the reduced view."""
    if not is_allowed(endpoint, view_args):
        abort(404)


def may_open(path: str) -> bool:
    """True when a member admin may open this local path (a sign-in ``next``, say)."""
    adapter = current_app.create_url_adapter(request)
    try:
        endpoint, view_args = adapter.match(path.split("?", 1)[0], method="GET")
    except HTTPException:
        return False
    return is_allowed(endpoint, view_args)
