"""``Idempotency-Key`` on API POSTs: the same key and body within 24 hours answer as the first
request did, writing nothing more; the same key with another body is refused (422).

The key's row is inserted in the write's own transaction before the write, and the answer is
stored on it by ``finish`` in the same commit. A concurrent duplicate's INSERT waits on the
primary key (PostgreSQL) or the write lock (SQLite) until the first commits, then collides
and replays the stored answer; if the first failed, its row went with it and the duplicate
runs as a first request. Keys are per user, so two clients cannot see each other's answers.
"""

from __future__ import annotations

import hashlib
import json
import re

from flask import Response, g, request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from webapp.api.models import ApiRequestKey
from webapp.api.problems import ApiProblem
from webapp.core.idempotency import KEEP
from webapp.core.types import utcnow
from webapp.extensions import db

__all__ = ["claim", "finish", "purge"]

HEADER = "Idempotency-Key"
STORED_HEADERS = ("Location", "ETag")
KEY_PATTERN = r"^[!-~]{1,255}$"  # visible ASCII: no spaces a proxy might trim
KEY_RE = re.compile(KEY_PATTERN)


def _fingerprint() -> str:
    """What makes two requests the same: method, path and body."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_RE.fullmatch(key):
        raise ApiProblem(422, errors={HEADER: "Use 1 to 255 visible ASCII characters."})
    return key


def claim(user_id: int) -> Response | None:
    """Reserve this request's key; a key already used returns the first answer instead."""
    key = _key()
    if key is None:
        return None
    stale = ApiRequestKey.created_at < utcnow() - KEEP
    db.session.execute(
        delete(ApiRequestKey).where(
            ApiRequestKey.user_id == user_id, ApiRequestKey.key == key, stale
        )
    )
    row = ApiRequestKey(user_id=user_id, key=key, fingerprint=_fingerprint(), created_at=utcnow())
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return _replay(db.session.get(ApiRequestKey, (user_id, key)))
    g.api_request_key = row
    return None


def _replay(row: ApiRequestKey | None) -> Response:
    """The stored answer of the key's first request (422 when this body differs)."""
    if row is None or row.status is None:
        raise ApiProblem(409, "A request with this key was in progress; retry it.")
    if row.fingerprint != _fingerprint():
        raise ApiProblem(
            422,
            "This Idempotency-Key was used with another request.",
            errors={HEADER: "Already used with another request body."},
        )
    response = Response(row.body, status=row.status, mimetype="application/json")
    response.headers.update(json.loads(row.headers or "{}"))
    response.headers["Idempotent-Replayed"] = "true"
    return response


def finish(response: Response) -> Response:
    """Store the answer on the claimed key (if any) and commit it with the write."""
    row = g.pop("api_request_key", None)
    if row is not None:
        row.status = response.status_code
        row.body = response.get_data(as_text=True)
        kept = {k: response.headers[k] for k in STORED_HEADERS if k in response.headers}
        row.headers = json.dumps(kept)
    db.session.commit()
    return response


def purge() -> int:
    """Delete keys older than 24 hours; returns how many went."""
    result = db.session.execute(
        delete(ApiRequestKey).where(ApiRequestKey.created_at < utcnow() - KEEP)
    )
    return result.rowcount or 0
