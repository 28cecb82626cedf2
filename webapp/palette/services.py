"""What the palette finds: accounts from the list's search index, pages and actions by role.

Accounts come from ``webapp.accounts.search`` (the list's index: FTS5 trigram on SQLite,
pg_trgm on PostgreSQL), at most ``LIMIT`` of them, read straight from the index with no count
and no sort over all matches, so a common word costs what a rare one costs. Words under 3
characters cannot use the index; the palette then offers pages and actions only (a scan of a
million documents for "ab" would blow the 100 ms budget). An exact account number jumps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from webapp.accounts import search
from webapp.accounts.models import Account, AccountContact
from webapp.core import validators
from webapp.core.i18n import gettext as _
from webapp.core.i18n import lazy_gettext as _l
from webapp.extensions import db

__all__ = ["Hit", "Results", "find"]

LIMIT = 8


@dataclass(frozen=True)
class Target:
    """A page or action the palette offers to staff of at least ``role``."""

    label: Any  # lazy: shown in the request's language; ``words`` start with its English
    endpoint: str
    role: str
    words: str  # what else finds it, lower case


# Import, Tokens and API docs come from other branches (endpoints as named on main after
# their merge): each is offered once its endpoint exists in the app.
PAGES = (
    Target(_l("Accounts"), "accounts.index", "viewer", "accounts list home search"),
    Target(_l("Reports"), "reports.billing", "viewer", "reports billing totals chart"),
    Target(_l("Audit"), "audit.index", "viewer", "audit log trail history changes"),
    Target(_l("Staff"), "staff.index", "admin", "staff users roles"),
    Target(_l("Saved views"), "savedviews.index", "viewer", "saved views views filters"),
    Target(_l("Import"), "imports.upload", "editor", "import upload csv jsonl"),
    Target(_l("Tokens"), "tokens.index", "viewer", "tokens api keys"),
    Target(_l("API docs"), "tokens.docs", "viewer", "api docs openapi swagger"),
    Target(_l("Change password"), "auth.change_password", "viewer", "change password account me"),
)
ACTIONS = (
    Target(_l("New account"), "accounts.create", "editor", "new account create add account"),
    Target(_l("Export accounts as CSV"), "accounts.export", "viewer", "export csv download"),
    Target(_l("Add staff user"), "staff.create", "admin", "add staff user new user create"),
)


@dataclass(frozen=True)
class Hit:
    """One result: what it is, what it says, where it leads."""

    kind: str  # "account", "page" or "action"
    label: str
    detail: str
    url: str


@dataclass
class Results:
    """Accounts, pages and actions for a query, and where an exact account number leads."""

    q: str
    accounts: list[Hit]
    pages: list[Hit]
    actions: list[Hit]
    jump: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The palette endpoint's body: every hit in display order, and the jump."""
        hits = [*self.accounts, *self.pages, *self.actions]
        return {"q": self.q, "jump": self.jump, "results": [asdict(hit) for hit in hits]}


def find(q: str, user: Any) -> Results:
    """Everything the palette offers this user for ``q``."""
    q = " ".join((q or "").split())[:200]
    accounts = find_accounts(q)
    jump = accounts[0].url if validators.ACCOUNT_NUMBER_RE.fullmatch(q) and accounts else None
    pages = [_hit("page", t) for t in _targets(PAGES, q, user)]
    actions = [_hit("action", t) for t in _targets(ACTIONS, q, user)]
    return Results(q, accounts, pages, actions, jump)


def find_accounts(q: str) -> list[Hit]:
    """The account of an exact number; else up to ``LIMIT`` accounts whose search document
    holds every word, by company name."""
    columns = (Account.account_number, Account.company_name, Account.city, Account.country)
    if validators.ACCOUNT_NUMBER_RE.fullmatch(q):
        stmt = select(*columns).where(Account.account_number == q)
        return [_account_hit(*row) for row in db.session.execute(stmt)]
    words = tuple(q.lower().split()[:8])
    if not words or not search.indexed(words):
        return []
    if len(words) == 1 and "@" in q:
        exact = _by_email(q, columns)
        if exact:
            return exact
    ids = search.matching_ids(words).limit(LIMIT).scalar_subquery()
    stmt = select(*columns).where(Account.id.in_(ids)).order_by(Account.company_name)
    return [_account_hit(*row) for row in db.session.execute(stmt)]


def _by_email(email: str, columns: tuple[Any, ...]) -> list[Hit]:
    """Accounts with a contact of exactly this email, from the email index: a whole address
    is made of trigrams every address shares (".example", "com"), which cost the trigram
    index 140 ms at a million accounts; the search below still finds partial addresses."""
    contacts = select(AccountContact.account_id).where(
        AccountContact.email.in_({email, email.lower()})
    )
    stmt = (
        select(*columns)
        .where(Account.id.in_(contacts.limit(LIMIT).scalar_subquery()))
        .order_by(Account.company_name)
    )
    return [_account_hit(*row) for row in db.session.execute(stmt)]


def _account_hit(number: str, company: str, city: str | None, country: str | None) -> Hit:
    place = ", ".join(part for part in (city, country) if part)
    detail = f"{number} · {place}" if place else number
    return Hit("account", company, detail, url_for("accounts.detail", number=number))


def _targets(targets: tuple[Target, ...], q: str, user: Any) -> list[Target]:
    """The targets this user may use (and whose endpoint exists) that every word matches."""
    words = q.lower().split()
    functions = current_app.view_functions
    return [
        t
        for t in targets
        if t.endpoint in functions
        and user.may(t.role)
        and all(w in f"{str(t.label).lower()} {t.words}" for w in words)
    ]


def _hit(kind: str, target: Target) -> Hit:
    detail = _("Page") if kind == "page" else _("Action")
    return Hit(kind, str(target.label), detail, url_for(target.endpoint))
