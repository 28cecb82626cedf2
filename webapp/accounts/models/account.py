"""The Account: the organisational unit that groups users, resources and billing."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Index, Integer, String, exists, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from webapp.core import validators
from webapp.core.cache import ModelCache
from webapp.core.i18n import gettext as _
from webapp.core.models import (
    METADATA_RULES,
    MetadataMixin,
    clear_flag_elsewhere,
    unique_when_true,
)
from webapp.errors import ValidationError
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.accounts.models.contact import AccountContact
    from webapp.accounts.models.profile import UserProfile
    from webapp.billing.models import Charge, DailyBillingRecord

__all__ = ["Account"]

MAX_NUMBER_ATTEMPTS = 10
SORTABLE = ("company_name", "city", "country", "created_at", "updated_at")


def _phone(value: Any, row: dict[str, Any]) -> str | None:
    return validators.phone_number(value, validators.alpha2(row.get("country") or "USA"))


def _bounded(field: str) -> validators.Rule:
    return lambda v, row: validators.bounded_text(field, v)


def _flag(default: bool) -> validators.Rule:
    return lambda v, row: default if v is None else bool(v)


RULES: dict[str, validators.Rule] = {
    "company_name": lambda v, row: validators.bounded_text("company_name", v, required=True),
    **METADATA_RULES,
    **{field: _bounded(field) for field in ("address1", "address2", "city", "state")},
    "postal_code": lambda v, row: validators.postal_code(v),
    "country": lambda v, row: validators.country(v or "USA"),
    "language": lambda v, row: validators.language(v or "en"),
    "timezone": lambda v, row: validators.time_zone(v or "UTC"),
    "currency": lambda v, row: validators.currency(v or "USD"),
    "phone_number": _phone,
    "is_active": _flag(True),
    "is_default_account": _flag(False),
}


def random_account_number() -> str:
    """Twelve random digits in the form ####-####-####."""
    digits = f"{secrets.randbelow(10**12):012d}"
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"


FIELDS = tuple(RULES)  # every field a person may set, in form order


class Account(MetadataMixin, db.Model):
    """An account with a unique, never-changing number and validated company and code fields."""

    __tablename__ = "account"
    __table_args__ = (
        unique_when_true(
            "uq_account_single_default", "is_default_account", flag="is_default_account"
        ),
        # (sort key, id) for every sortable column: ordered pages read straight from an index.
        *(Index(f"ix_account_{key}_id", key, "id") for key in SORTABLE),
    )
    cache = ModelCache("account")
    IMMUTABLE_FIELDS = ("account_number",)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_number: Mapped[str] = mapped_column(String(14), unique=True, active_history=True)
    company_name: Mapped[str] = mapped_column(String(255), active_history=True)
    phone_number: Mapped[str | None] = mapped_column(String(20))
    address1: Mapped[str] = mapped_column(String(255), default="", server_default="")
    address2: Mapped[str] = mapped_column(String(255), default="", server_default="")
    city: Mapped[str] = mapped_column(String(255), default="", server_default="")
    state: Mapped[str] = mapped_column(String(255), default="", server_default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    country: Mapped[str] = mapped_column(String(3), default="USA", server_default="USA")
    language: Mapped[str] = mapped_column(String(35), default="en", server_default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    currency: Mapped[str] = mapped_column(
        String(3), default="USD", server_default="USD", index=True
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true"), index=True
    )
    is_default_account: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    contacts: Mapped[list[AccountContact]] = relationship(
        back_populates="account", cascade="all, delete-orphan", passive_deletes=True
    )
    user_profiles: Mapped[list[UserProfile]] = relationship(
        back_populates="account", cascade="all, delete-orphan", passive_deletes=True
    )
    charges: Mapped[list[Charge]] = relationship(back_populates="account", passive_deletes="all")
    daily_billing_records: Mapped[list[DailyBillingRecord]] = relationship(
        back_populates="account", passive_deletes="all"
    )

    __mapper_args__ = {"version_id_col": revision}

    def __repr__(self) -> str:
        return f"<Account {self.account_number} {self.company_name!r}>"

    def __str__(self) -> str:
        return f"{self.company_name} ({self.account_number})"

    # -- creation and saving (the seed's autocommit API) -------------------------------------

    @classmethod
    def create(cls, company_name: str | None = None, **fields: Any) -> Account:
        """Create, validate and commit a new account; blank numbers are generated."""
        return cls(company_name=company_name, **fields).save()

    def save(self) -> Account:
        """Validate and commit this account, retrying a generated number that collides."""
        session = db.session()
        for _attempt in range(MAX_NUMBER_ATTEMPTS):
            try:
                with session.begin_nested():
                    session.add(self)
                break
            except IntegrityError as exc:
                if not self._number_collided(exc):
                    raise
        else:
            raise ValidationError("account_number", _("Could not find a free account number."))
        session.commit()
        return self

    def _number_collided(self, exc: IntegrityError) -> bool:
        """True when a generated number lost a race; a chosen number is the caller's error."""
        if "account_number" not in str(exc.orig):
            return False
        if not getattr(self, "_generated_number", False):
            raise ValidationError("account_number", _("Another account already has this number."))
        self.account_number = None  # type: ignore[assignment]
        return True

    @classmethod
    def randomized_account_number(cls, session: Session | None = None) -> str:
        """A well-formed account number that no account has."""
        session = session or db.session()
        for _attempt in range(MAX_NUMBER_ATTEMPTS):
            number = random_account_number()
            with session.no_autoflush:
                taken = session.scalar(select(exists().where(cls.account_number == number)))
            if not taken:
                return number
        raise ValidationError("account_number", _("Could not find a free account number."))

    # -- validation --------------------------------------------------------------------------

    @classmethod
    def clean_values(cls, values: dict[str, Any]) -> dict[str, Any]:
        """Normalise the given field values (name derived when blank); raise every error at once."""
        return validators.apply_rules({"name": None, **values}, RULES)

    def clean(self, session: Session) -> None:
        """Normalise every field and refuse the row if any rule is broken."""
        errors = self._clean_number(session)
        try:
            cleaned = self.clean_values({field: getattr(self, field) for field in RULES})
        except ValidationError as exc:
            errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        for field, value in cleaned.items():
            if getattr(self, field) != value:
                setattr(self, field, value)
        if self.is_default_account and inspect(self).attrs.is_default_account.history.added:
            self._take_default_flag(session)

    def _clean_number(self, session: Session) -> dict[str, str]:
        state = inspect(self)
        history = state.attrs.account_number.history
        if state.key is not None:
            if history.deleted and history.deleted[0] != self.account_number:
                return {"account_number": "An account number never changes after creation."}
            return {}
        if not self.account_number:
            self.account_number = self.randomized_account_number(session)
            self._generated_number = True
            return {}
        try:
            validators.account_number(self.account_number)
        except ValidationError as exc:
            return exc.errors
        with session.no_autoflush:
            if session.scalar(
                select(exists().where(Account.account_number == self.account_number))
            ):
                return {"account_number": "Another account already has this number."}
        return {}

    def _take_default_flag(self, session: Session) -> None:
        """Clear the flag on the old default in this transaction, before this row is written."""
        clear_flag_elsewhere(session, self, "is_default_account")

    @classmethod
    def clean_row(cls, row: dict[str, Any], session: Session) -> dict[str, Any]:
        """Validate one row of a bulk insert, generating its number when blank."""
        number = row.get("account_number") or cls.randomized_account_number(session)
        return {**cls.clean_values(row), "account_number": validators.account_number(number)}

    # -- look-ups ----------------------------------------------------------------------------

    @classmethod
    def get_by_account_number(cls, number: str) -> Account | None:
        """The account with this number, or None (a malformed number finds nothing)."""
        if not isinstance(number, str) or not validators.ACCOUNT_NUMBER_RE.fullmatch(number):
            return None
        return db.session.scalar(select(cls).where(cls.account_number == number))

    @classmethod
    def get_cached_object(
        cls,
        *,
        invalidate: bool = False,
        pk: int | None = None,
        name: str | None = None,
        account_number: str | None = None,
        company_name: str | None = None,
    ) -> Account | None:
        """The account found by the first given of account_number, pk, name, company_name."""
        given = [
            ("account_number", account_number),
            ("pk", pk),
            ("name", name),
            ("company_name", company_name),
        ]
        field, value = next(((f, v) for f, v in given if v is not None), (None, None))
        if field is None:
            return None
        return cls.cache.fetch(
            field, value, lambda: cls._lookup(field, value), invalidate=invalidate
        )

    @classmethod
    def _lookup(cls, field: str, value: Any) -> Account | None:
        column = cls.id if field == "pk" else getattr(cls, field)
        query = select(cls).where(column == value).order_by(cls.id).limit(1)
        return db.session.scalar(query.execution_options(populate_existing=True))
