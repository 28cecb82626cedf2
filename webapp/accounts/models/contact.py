"""People to contact at an account: one primary, emails unique per account whatever the case."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, exists, func, inspect, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from webapp.accounts.models.account import Account
from webapp.core import validators
from webapp.core.cache import ModelCache
from webapp.core.i18n import gettext as _
from webapp.core.models import (
    TimestampMixin,
    changed_after_creation,
    clear_flag_elsewhere,
    unique_when_true,
)
from webapp.errors import ValidationError
from webapp.extensions import db

__all__ = ["FIELDS", "AccountContact"]

FIELDS = ("first_name", "last_name", "email", "phone_number")


class AccountContact(TimestampMixin, db.Model):
    """A contact person of one account."""

    __tablename__ = "account_contact"
    __table_args__ = (
        unique_when_true("uq_account_contact_primary", "account_id", flag="is_primary"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(String(150))
    last_name: Mapped[str] = mapped_column(String(150))
    email: Mapped[str] = mapped_column(String(320), index=True)
    phone_number: Mapped[str | None] = mapped_column(String(20))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    is_test: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    welcomed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    account: Mapped[Account] = relationship(back_populates="contacts", active_history=True)

    # A contact's email is part of its account's search document: the list's counts watch it.
    cache = ModelCache("account_contact")

    def __repr__(self) -> str:
        return f"<AccountContact {self.email}>"

    @property
    def full_name(self) -> str:
        """First and last name, as shown to staff."""
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def clean_values(cls, values: dict[str, Any], country: str | None) -> dict[str, Any]:
        """Normalise the given fields (the account's country hints the phone's region)."""
        region = validators.alpha2(country)
        return validators.apply_rules(
            values,
            {
                "first_name": lambda v, row: validators.bounded_text("first_name", v, 150, True),
                "last_name": lambda v, row: validators.bounded_text("last_name", v, 150, True),
                "email": lambda v, row: validators.email(v),
                "phone_number": lambda v, row: validators.phone_number(v, region),
            },
        )

    def clean(self, session: Session) -> None:
        """Normalise the fields, keep the email unique per account and one primary contact."""
        account = self.account or (
            session.get(Account, self.account_id) if self.account_id else None
        )
        if account is None:
            raise ValidationError("account", _("A contact belongs to an account."))
        if changed_after_creation(self, "account", "account_id"):
            raise ValidationError("account", _("A contact cannot move to another account."))
        cleaned = self.clean_values({f: getattr(self, f) for f in FIELDS}, account.country)
        for field, value in cleaned.items():
            if getattr(self, field) != value:
                setattr(self, field, value)
        self._check_email_free(session, account)
        if self.is_primary and inspect(self).attrs.is_primary.history.added:
            clear_flag_elsewhere(
                session, self, "is_primary", AccountContact.account_id == account.id
            )

    def _check_email_free(self, session: Session, account: Any) -> None:
        if account.id is None:
            return
        taken = exists().where(
            AccountContact.account_id == account.id,
            func.lower(AccountContact.email) == self.email.lower(),
            AccountContact.id != (self.id or 0),
        )
        with session.no_autoflush:
            if session.scalar(select(taken)):
                raise ValidationError(
                    "email", _("This account already has a contact with this email.")
                )


Index(
    "uq_account_contact_email",
    AccountContact.account_id,
    func.lower(AccountContact.email),
    unique=True,
)
