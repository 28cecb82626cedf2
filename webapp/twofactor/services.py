"""Two-factor sign-in: TOTP secrets, single-use recovery codes and the "required" setting.

Every change is audited in the caller's transaction; callers commit once. The TOTP secret is
stored as base32 text (TOTP needs the secret itself, so it cannot be hashed); it is shown only
during enrolment, never again, is kept out of the shared user cache (a deferred column) and is
redacted from audit changes.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import time
from typing import Any

import pyotp
import segno
from sqlalchemy import delete, or_, select, update

from webapp.audit import services as audit
from webapp.auth.models import User
from webapp.core.i18n import gettext as _
from webapp.core.types import utcnow
from webapp.extensions import db
from webapp.twofactor.models import AppSetting, RecoveryCode

__all__ = [
    "check_code",
    "disable",
    "enrol",
    "is_required",
    "new_secret",
    "password_failure",
    "qr_svg",
    "regenerate_recovery_codes",
    "reset",
    "second_step",
    "set_required",
    "unused_recovery_codes",
]

ISSUER = "Accounts admin"
STEP = 30
DRIFT = 1  # steps either side of now that are accepted (a phone's clock may be off by ~30 s)
RECOVERY_COUNT = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
REQUIRE_KEY = "require_two_factor"
ASCII_ALNUM = frozenset(string.ascii_lowercase + string.digits)


def new_secret() -> str:
    """A fresh random base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def qr_svg(secret: str, email: str) -> str:
    """The authenticator app's enrolment link as an inline SVG QR code (dark on white)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    title = _("QR code for your authenticator app")
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", title=title)


def matching_step(secret: str, code: str, after: int | None, now: float | None = None) -> int:
    """The 30-s step whose code is ``code`` (within the drift, later than ``after``), or -1."""
    totp, counter = pyotp.TOTP(secret), int((time.time() if now is None else now) // STEP)
    for step in range(counter - DRIFT, counter + DRIFT + 1):
        if (after is None or step > after) and secrets.compare_digest(
            totp.generate_otp(step), code
        ):
            return step
    return -1


def _claim_step(user: User, step: int) -> bool:
    """Record ``step`` as used, atomically, so two requests cannot both spend one code."""
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _normalise(code: str) -> str:
    """Lower-case ASCII letters and digits only (spaces, dashes and anything else dropped)."""
    return "".join(ch for ch in (code or "").lower() if ch in ASCII_ALNUM)


def _use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code of the user, atomically; False when none matches."""
    spent = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code))
        .where(RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1


def check_code(user: User, code: str) -> str | None:
    """The method ("totp" or "recovery") when ``code`` is valid and unspent, else None."""
    code = _normalise(code)
    if len(code) == 6 and code.isdigit():
        step = matching_step(user.totp_secret or "", code, user.totp_last_step)
        return "totp" if step >= 0 and _claim_step(user, step) else None
    return "recovery" if len(code) == 10 and _use_recovery_code(user, code) else None


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones; returns them (shown once)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(10)) for _ in range(RECOVERY_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def enrol(user: User, secret: str, code: str, address: str) -> list[str] | None:
    """Turn two-factor on when ``code`` matches the new secret; returns the recovery codes."""
    step = matching_step(secret, _normalise(code), None)
    if step < 0:
        return None
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    audit.record(
        "user.2fa_enrol",
        actor=user,
        obj=user,
        changes={"two_factor": [False, True], "totp_secret": "changed"},
        client_addr=address,
    )
    return _new_recovery_codes(user)


def regenerate_recovery_codes(user: User, address: str) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    audit.record("user.2fa_recovery_regenerated", actor=user, obj=user, client_addr=address)
    return _new_recovery_codes(user)


def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User, address: str) -> None:
    """Turn one's own two-factor sign-in off (the caller checked the password and the rule)."""
    _clear(user)
    changes = {"two_factor": [True, False]}
    audit.record("user.2fa_disable", actor=user, obj=user, changes=changes, client_addr=address)


def reset(user: User, by: Any, address: str = "") -> bool:
    """Remove a user's TOTP secret and recovery codes (an admin or the CLI); False if none."""
    had = user.has_two_factor
    _clear(user)
    changes = {"two_factor": [had, False]}
    audit.record("user.reset_2fa", actor=by, obj=user, changes=changes, client_addr=address)
    return had


def unused_recovery_codes(user: User) -> int:
    """How many of the user's recovery codes are still unused."""
    query = select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return len(db.session.scalars(query).all())


def is_required() -> bool:
    """True when admins require two-factor sign-in of every staff user (read at sign-in only)."""
    return db.session.get(AppSetting, REQUIRE_KEY) is not None


def set_required(required: bool, by: User) -> bool:
    """Require (or stop requiring) two-factor sign-in for every staff user; False if unchanged."""
    row = db.session.get(AppSetting, REQUIRE_KEY)
    if (row is not None) == required:
        return False
    if required:
        db.session.add(AppSetting(key=REQUIRE_KEY, value="true"))
    else:
        db.session.delete(row)
    audit.record("setting.require_2fa", actor=by, changes={"require_2fa": [not required, required]})
    return True


def _failure(user: User, address: str, reason: str) -> None:
    """A failed sign-in check, counted by the sign-in limit like a wrong password."""
    audit.record(
        "login.failure",
        actor="anonymous",
        obj=user,
        email=user.email,
        client_addr=address,
        changes={"reason": reason},
    )


def password_failure(user: User, address: str) -> None:
    """A wrong password given to change one's two-factor sign-in (audited, throttled)."""
    _failure(user, address, "password to change two-factor")


def second_step(user: User, code: str, address: str) -> str | None:
    """Check the sign-in code; audited like the password step (failures count to the limit)."""
    method = check_code(user, code)
    if method is None:
        _failure(user, address, "second step")
        return None
    user.last_login_at = utcnow()
    audit.record(
        "login.success",
        actor=user,
        obj=user,
        email=user.email,
        client_addr=address,
        changes={"method": method},
    )
    return method
