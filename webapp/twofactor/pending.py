"""The sign-in that waits for its second step: kept in the session for five minutes at most.

Nobody is logged in meanwhile (Flask-Login knows nothing of it), so every other page still
sends the visitor to ``/login``.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import session

from webapp.auth.models import User
from webapp.extensions import db

__all__ = ["ENROL_FLAG", "KEY", "begin", "clear", "pending_user"]

KEY = "2fa_pending"
# Set at sign-in when enrolment is required: the guard (auth.views) allows only enrolment.
ENROL_FLAG = "2fa_enrol"
PENDING_SECONDS = 300


def begin(user: User, remember: bool, next_url: str) -> None:
    """Remember (in a renewed session) who passed the password step, and for how long."""
    session.clear()
    session[KEY] = {
        "uid": user.id,
        "token": user.session_token,
        "exp": time.time() + PENDING_SECONDS,
        "remember": bool(remember),
        "next": next_url,
    }


def pending_user() -> tuple[User, dict[str, Any]] | None:
    """The user waiting for the second step and the pending state, or None (expired, changed)."""
    state = session.get(KEY)
    if not isinstance(state, dict) or state.get("exp", 0) < time.time():
        session.pop(KEY, None)
        return None
    user = db.session.get(User, state.get("uid"))
    token = str(state.get("token", ""))
    if (
        user is None
        or not user.is_active  # who may sign in at all was decided by the password step
        or not user.has_two_factor
        or not secrets.compare_digest(user.session_token, token)
    ):
        session.pop(KEY, None)
        return None
    return user, state


def clear() -> None:
    """Forget the pending sign-in."""
    session.pop(KEY, None)
