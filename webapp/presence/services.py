"""Who has an edit form open: one shared-cache entry per record, renewed by each editor's poll.

The entry maps a user id to ``[name, expires]`` (epoch seconds). Opening the form and each
poll renew the caller's line for ``PRESENCE_SECONDS``; lines past their time are dropped on
the next write, so a closed tab vanishes within that time even when its leave beacon is lost.
Every call goes through ``safe_cache``: with the cache down nobody is shown, and the edit page
works as before. Two editors renewing at the same instant may each write over the other's
line; the loser's next poll, a few seconds later, puts it back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for

from webapp.core.cache import safe_cache

__all__ = ["Notice", "arrive", "leave", "notice", "poll_seconds"]

ENTRY_SECONDS = 30  # a line lives this long unless renewed
POLL_SECONDS = 5  # how often an open form renews its line and asks who else is there


def _seconds(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def poll_seconds() -> int:
    """How often an open edit form polls (``PRESENCE_POLL_SECONDS``)."""
    return _seconds("PRESENCE_POLL_SECONDS", POLL_SECONDS)


def _key(kind: str, object_id: int) -> str:
    return f"presence:{kind}:{object_id}"


def _live(entry: Any, now: float) -> dict[str, list[Any]]:
    """The entry's lines that have not expired (a damaged entry counts as empty)."""
    if not isinstance(entry, dict):
        return {}
    return {uid: line for uid, line in entry.items() if line[1] > now}


def arrive(kind: str, object_id: int, user: Any) -> list[str]:
    """Mark ``user`` as editing this record for a while; returns the other editors' names."""
    now, key = time.time(), _key(kind, object_id)
    lines = _live(safe_cache.get(key), now)
    ttl = _seconds("PRESENCE_SECONDS", ENTRY_SECONDS)
    lines[str(user.id)] = [user.email, now + ttl]
    safe_cache.set(key, lines, timeout=ttl * 2)
    return sorted(name for uid, (name, _) in lines.items() if uid != str(user.id))


def leave(kind: str, object_id: int, user: Any) -> None:
    """Drop ``user``'s line at once (the page was left)."""
    now, key = time.time(), _key(kind, object_id)
    lines = _live(safe_cache.get(key), now)
    if lines.pop(str(user.id), None) is not None:
        safe_cache.set(key, lines, timeout=_seconds("PRESENCE_SECONDS", ENTRY_SECONDS) * 2)


@dataclass(frozen=True)
class Notice:
    """What an edit page shows and polls: the other editors, and the poll and leave URLs."""

    names: list[str]
    poll_url: str
    leave_url: str


def notice(kind: str, object_id: int, user: Any, **url_args: Any) -> Notice:
    """Mark ``user`` as editing; the notice for the page (``kind``: account or contact)."""
    return Notice(
        arrive(kind, object_id, user),
        url_for(f"presence.{kind}", **url_args),
        url_for(f"presence.{kind}_leave", **url_args),
    )
