"""Account members: pages, candidates, add or invite, change role, remove; no commits here.

The owner rule: an account that has members has at least one owner. A member added to an
account without an owner becomes its owner (so the first member is always the owner);
demoting or removing the last owner while other members remain is refused. Every change
first locks the account's row (``SELECT … FOR NO KEY UPDATE`` on PostgreSQL), so changes to
one account's members run one after the other and two staff cannot each demote "the other"
owner. The rule is checked after the change is flushed, inside the same transaction; on
SQLite (one writer at a time) that write already holds the database's write lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.orm import contains_eager

from webapp.accounts.models import MEMBER_ROLES, Account, User, UserProfile
from webapp.audit import services as audit
from webapp.auth.services import create_user, find_user
from webapp.core import validators
from webapp.core.i18n import gettext as _
from webapp.core.paging import PageNumbers, page_count
from webapp.errors import ValidationError
from webapp.extensions import db

__all__ = [
    "Paged",
    "add_member",
    "candidates",
    "change_role",
    "find_profile",
    "find_profile_of",
    "has_owner",
    "members_page",
    "remove_member",
    "user_memberships",
]

DEFAULT_PER_PAGE = 25
LAST_OWNER = "An account with members needs an owner: make another member owner first."


@dataclass(frozen=True)
class Paged(PageNumbers):
    """One page of rows with its total, page number and search words, for tables and links."""

    rows: list[Any]
    total: int
    page: int
    per_page: int
    q: str = ""
    roles: tuple[str, ...] = MEMBER_ROLES

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this view (with changes), without defaults: for links."""
        values = {"q": self.q, "page": self.page, "per_page": self.per_page, **changes}
        defaults = {"q": "", "page": 1, "per_page": DEFAULT_PER_PAGE}
        return {k: v for k, v in values.items() if defaults[k] != v}


def _page(stmt: Any, page: int, per_page: int, q: str = "") -> Paged:
    """Count ``stmt``'s rows, then read the requested page (clamped to the last one)."""
    per_page = min(max(per_page, 1), 100)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = min(max(page, 1), page_count(total or 0, per_page))
    rows = list(db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)))
    return Paged(rows, total or 0, page, per_page, q)


def members_page(account: Account, q: str = "", page: int = 1, per_page: int = 10) -> Paged:
    """The account's members (users loaded in the same query), searched by email, one page."""
    q = (q or "").strip()[:200]
    stmt = (
        select(UserProfile)
        .join(UserProfile.user)
        .options(contains_eager(UserProfile.user))
        .where(UserProfile.account_id == account.id)
        .order_by(func.lower(User.email), UserProfile.id)
    )
    if q:
        stmt = stmt.where(func.lower(User.email).contains(q.lower(), autoescape=True))
    return _page(stmt, page, per_page, q)


def user_memberships(user: User, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> Paged:
    """Every account the user belongs to, with the role, by company name, one page."""
    stmt = (
        select(UserProfile)
        .join(UserProfile.account)
        .options(contains_eager(UserProfile.account))
        .where(UserProfile.user_id == user.id)
        .order_by(Account.company_name, UserProfile.id)
    )
    return _page(stmt, page, per_page)


def candidates(account: Account, q: str, limit: int = 10) -> list[str]:
    """Up to ``limit`` emails of users matching ``q`` who are not yet members (prefixes first)."""
    q = (q or "").strip().lower()[:320]
    if not q:
        return []
    email = func.lower(User.email)
    members = select(UserProfile.user_id).where(UserProfile.account_id == account.id)
    stmt = (
        select(User.email)
        .where(email.contains(q, autoescape=True), User.id.not_in(members))
        .order_by(email.startswith(q, autoescape=True).desc(), email)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def find_profile(account: Account, profile_id: int) -> UserProfile | None:
    """The membership with this id if it belongs to this account (another account's: None)."""
    profile = db.session.get(UserProfile, profile_id)
    return profile if profile is not None and profile.account_id == account.id else None


def find_profile_of(account: Account, user: User) -> UserProfile | None:
    """The user's membership of the account, if any."""
    return db.session.scalar(
        select(UserProfile).where(
            UserProfile.account_id == account.id, UserProfile.user_id == user.id
        )
    )


def _lock(account_id: int) -> None:
    """Serialise member changes of one account (a row lock; SQLite has one writer anyway)."""
    db.session.execute(
        select(Account.id).where(Account.id == account_id).with_for_update(key_share=True)
    )


def has_owner(account_id: int) -> bool:
    """True when the account has at least one owner."""
    owner = exists().where(UserProfile.account_id == account_id, UserProfile.role == "owner")
    return bool(db.session.scalar(select(owner)))


def _keep_an_owner(account_id: int, field: str) -> None:
    """Refuse a change that leaves members without an owner (run after the change's flush)."""
    members, owners = db.session.execute(
        select(func.count(), func.count().filter(UserProfile.role == "owner")).where(
            UserProfile.account_id == account_id
        )
    ).one()
    if members and not owners:
        raise ValidationError(field, LAST_OWNER)


def _user_for(email: str, invite: bool, by: Any) -> tuple[User, bool]:
    """The user with this email, or a new platform user when ``invite``; and whether invited."""
    user = find_user(email)
    if user is not None:
        return user, False
    if not invite:
        raise ValidationError(
            "email",
            "No user has this email. Check the spelling, or tick "
            "“Invite as a new platform user” to create one.",
        )
    user = create_user(email, None, None)  # no staff role, no password: cannot sign in yet
    audit.record("user.create", actor=by, obj=user, changes={"email": [None, user.email]})
    return user, True


def add_member(
    account: Account, email: str, role: str, invite: bool, by: Any
) -> tuple[UserProfile, bool]:
    """Attach the user with this email (or invite a new one); returns it and whether invited."""
    email = validators.email(email)
    _lock(account.id)
    try:
        with db.session.begin_nested():
            user, invited = _user_for(email, invite, by)
            if find_profile_of(account, user) is not None:
                message = _("%(email)s is already a member of this account.", email=user.email)
                raise ValidationError("email", message)
            role = role if has_owner(account.id) else "owner"
            profile = UserProfile(user=user, account=account, role=role)
            db.session.add(profile)
            db.session.flush()
    except IntegrityError:
        raise ValidationError(
            "email",
            _("Someone added this user at the same moment; reload the members to see them."),
        ) from None
    audit.record(
        "member.invite" if invited else "member.add",
        actor=by,
        obj=profile,
        email=user.email,
        changes={"user": [None, user.email], "role": [None, role]},
    )
    return profile, invited


def _relock(profile: UserProfile, field: str) -> None:
    """Take the account's lock, then re-read the membership as it is now."""
    _lock(profile.account_id)
    try:
        db.session.refresh(profile)
    except InvalidRequestError:
        raise ValidationError(field, _("Someone removed this member a moment ago.")) from None


def change_role(profile: UserProfile, role: str, by: Any) -> bool:
    """Give the member another role (never leaving the account without an owner)."""
    _relock(profile, "role")
    old = profile.role
    if role == old:
        return False
    profile.role = role
    db.session.flush()
    if old == "owner":
        _keep_an_owner(profile.account_id, "role")
    audit.record(
        "member.role_change",
        actor=by,
        obj=profile,
        email=profile.user.email,
        changes={"role": [old, role]},
    )
    return True


def remove_member(profile: UserProfile, by: Any) -> None:
    """Remove the member from the account (the last owner only when nobody else remains)."""
    _relock(profile, "user")
    account_id, was_owner, email = profile.account_id, profile.role == "owner", profile.user.email
    audit.record(
        "member.remove",
        actor=by,
        obj=profile,
        email=email,
        changes={"user": [email, None], "role": [profile.role, None]},
    )
    db.session.delete(profile)
    db.session.flush()
    if was_owner:
        _keep_an_owner(account_id, "user")
