"""Account and its related records (SPEC section 5): import them from here."""

from webapp.accounts.models.account import Account
from webapp.accounts.models.contact import AccountContact
from webapp.accounts.models.profile import MEMBER_ROLES, UserProfile
from webapp.auth.models import (
    ResolvedUserType,
    User,
    get_resolved_user,
    is_authenticated_user,
)
from webapp.billing.models import CHARGE_TYPES, Charge, DailyBillingRecord

__all__ = [
    "CHARGE_TYPES",
    "MEMBER_ROLES",
    "Account",
    "AccountContact",
    "Charge",
    "DailyBillingRecord",
    "ResolvedUserType",
    "User",
    "UserProfile",
    "get_resolved_user",
    "is_authenticated_user",
]
