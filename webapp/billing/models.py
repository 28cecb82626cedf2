"""Charges (one per billable event) and the daily billing records rolled up from them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from webapp.core import validators
from webapp.core.models import TimestampMixin
from webapp.core.types import Money, UTCDateTime, utcnow
from webapp.errors import ValidationError
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.accounts.models.account import Account
    from webapp.auth.models import User

__all__ = ["CHARGE_TYPES", "Charge", "DailyBillingRecord"]

CHARGE_TYPES = ("completion", "plugin", "tool")
MONEY = Money()
TYPE_CHECK = "charge_type IN ('completion', 'plugin', 'tool')"
TOKEN_CHECK = (
    "prompt_tokens >= 0 AND completion_tokens >= 0 "
    "AND total_tokens = prompt_tokens + completion_tokens"
)


def _tokens(field: str, value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field, "Use a whole number of tokens, 0 or more.")
    return value


def _cost(value: Any) -> Decimal:
    try:
        cost = Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        raise ValidationError("cost", "Use a decimal amount such as 0.0125.") from None
    if not cost.is_finite() or cost < 0:
        raise ValidationError("cost", "Use a decimal amount of 0 or more.")
    return cost.quantize(Decimal("0.000001"))


class Charge(db.Model):
    """One billable event of an account (a completion, a plugin call or a tool call)."""

    __tablename__ = "charge"
    __table_args__ = (
        CheckConstraint(TYPE_CHECK, name="charge_type"),
        CheckConstraint(TOKEN_CHECK, name="tokens"),
        Index("ix_charge_account_id_created_at", "account_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    provider: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(128), default="", server_default="")
    charge_type: Mapped[str] = mapped_column(String(16))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    reference: Mapped[str] = mapped_column(String(255), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    account: Mapped[Account] = relationship(back_populates="charges")
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Charge {self.id} {self.provider} {self.charge_type} {self.cost}>"

    def clean(self, session: Session) -> None:
        """Refuse a charge for an inactive account, an unknown type or tokens that do not add up."""
        if self in session.new:
            account = self.account or (
                session.get(self._account_class(), self.account_id) if self.account_id else None
            )
            if account is None:
                raise ValidationError("account", "A charge belongs to an account.")
            if not account.is_active:
                raise ValidationError(
                    "account", "This account is inactive and takes no new charges."
                )
        self.provider = validators.bounded_text("provider", self.provider, 64, required=True)
        self.model = validators.bounded_text("model", self.model, 128)
        self.reference = validators.bounded_text("reference", self.reference, 255)
        if self.charge_type not in CHARGE_TYPES:
            raise ValidationError("charge_type", "Choose completion, plugin or tool.")
        self.prompt_tokens = _tokens("prompt_tokens", self.prompt_tokens)
        self.completion_tokens = _tokens("completion_tokens", self.completion_tokens)
        expected = self.prompt_tokens + self.completion_tokens
        if self.total_tokens is None:
            self.total_tokens = expected
        elif self.total_tokens != expected:
            raise ValidationError(
                "total_tokens", "Total tokens must equal prompt plus completion tokens."
            )
        self.cost = _cost(self.cost)

    @classmethod
    def _account_class(cls) -> type:
        return cls.account.property.mapper.class_


class DailyBillingRecord(TimestampMixin, db.Model):
    """Totals of one day's charges for one (account, user, provider, charge type)."""

    __tablename__ = "daily_billing_record"
    __table_args__ = (
        CheckConstraint(TYPE_CHECK, name="charge_type"),
        CheckConstraint(TOKEN_CHECK, name="tokens"),
        Index("ix_daily_billing_record_date_account_id", "date", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    provider: Mapped[str] = mapped_column(String(64))
    charge_type: Mapped[str] = mapped_column(String(16))
    date: Mapped[date] = mapped_column(Date)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    total_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    charge_count: Mapped[int] = mapped_column(Integer, default=0)

    account: Mapped[Account] = relationship(back_populates="daily_billing_records")
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<DailyBillingRecord {self.account_id} {self.date} {self.provider} {self.cost}>"


# NULL users count as one user here: COALESCE makes the key unique on SQLite and PostgreSQL alike.
Index(
    "uq_daily_billing_record_key",
    DailyBillingRecord.account_id,
    func.coalesce(DailyBillingRecord.user_id, 0),
    DailyBillingRecord.provider,
    DailyBillingRecord.charge_type,
    DailyBillingRecord.date,
    unique=True,
)
