"""Membership of a user in an account, with a per-account role."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from webapp.core.i18n import gettext as _
from webapp.core.models import TimestampMixin, changed_after_creation
from webapp.errors import ValidationError
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.accounts.models.account import Account
    from webapp.auth.models import User

__all__ = ["MEMBER_ROLES", "UserProfile"]

MEMBER_ROLES = ("owner", "admin", "member")


class UserProfile(TimestampMixin, db.Model):
    """A user's membership of one account; user and account never change after creation."""

    __tablename__ = "user_profile"
    __table_args__ = (
        UniqueConstraint("user_id", "account_id"),
        CheckConstraint("role IN ('owner', 'admin', 'member')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")

    user: Mapped[User] = relationship(back_populates="user_profiles", active_history=True)
    account: Mapped[Account] = relationship(back_populates="user_profiles", active_history=True)

    def __repr__(self) -> str:
        return f"<UserProfile user={self.user_id} account={self.account_id} {self.role}>"

    def clean(self, session: Session) -> None:
        """Refuse an unknown role, a missing user or account, or a move to another one."""
        if self.user is None and self.user_id is None:
            raise ValidationError("user", _("A membership needs a user."))
        if self.account is None and self.account_id is None:
            raise ValidationError("account", _("A membership needs an account."))
        moved = changed_after_creation(self, "user", "user_id", "account", "account_id")
        if moved:
            field = moved.removesuffix("_id")
            message = _("The %(field)s of a membership never changes.", field=field)
            raise ValidationError(field, message)
        self.role = self.role or "member"
        if self.role not in MEMBER_ROLES:
            raise ValidationError("role", _("Choose owner, admin or member."))
