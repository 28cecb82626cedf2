"""Making accounts, users and memberships for the member tests (no password hashing: fast)."""

from __future__ import annotations

from sqlalchemy import select

from webapp.accounts.models import Account, UserProfile
from webapp.audit.models import AuditEvent
from webapp.auth.services import create_user
from webapp.extensions import db


def add_account(app, name: str = "Acme Corp") -> str:
    """A saved account; returns its number."""
    with app.app_context():
        return Account.create(company_name=name).account_number


def add_users(app, *emails: str) -> list[int]:
    """Platform users without a password; returns their ids."""
    with app.app_context():
        ids = [create_user(email, None, None).id for email in emails]
        db.session.commit()
        return ids


def add_members(app, number: str, **roles: str) -> dict[str, int]:
    """Memberships of new users ``<name>@example.com`` with the given roles; name -> profile id."""
    with app.app_context():
        account = Account.get_by_account_number(number)
        profiles = {}
        for name, role in roles.items():
            user = create_user(f"{name}@example.com", None, None)
            profiles[name] = UserProfile(user=user, account=account, role=role)
            db.session.add(profiles[name])
        db.session.commit()
        return {name: profile.id for name, profile in profiles.items()}


def roles(app, number: str) -> dict[str, str]:
    """The account's members as email -> role, read afresh."""
    with app.app_context():
        account = Account.get_by_account_number(number)
        rows = db.session.execute(
            select(UserProfile).where(UserProfile.account_id == account.id)
        ).scalars()
        return {p.user.email: p.role for p in rows}


def events(app, action: str) -> list[AuditEvent]:
    """The audit events of one action, oldest first, detached."""
    with app.app_context():
        found = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
        db.session.expunge_all()
        return found
