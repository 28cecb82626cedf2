"""Schemathesis hooks for tests/api/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import uuid
from typing import Any

import schemathesis


@schemathesis.hook
def map_headers(context: Any, headers: dict[str, Any] | None) -> dict[str, Any] | None:
    """A fresh Idempotency-Key whenever one is sent.

    Generated keys repeat ("0", "A"), and a repeated key with the same body rightly replays the
    first answer: the account it names may since have been deleted, which the stateful checks
    would read as "created resource not found". Replays are tested in test_idempotency.py.
    """
    if headers and "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    return headers
