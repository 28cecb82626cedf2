"""What every API view needs: the caller, role checks, the JSON body, ETags and If-Match."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, g, request

from webapp.api.problems import ApiProblem
from webapp.api.services import Caller

__all__ = ["caller", "check_if_match", "etag", "json_body", "json_response", "need"]

JSON_TYPES = ("application/json", "application/merge-patch+json")


def caller() -> Caller:
    """The authenticated caller of this request (set by the blueprint's guard)."""
    return g.api_caller


def need(role: str) -> Caller:
    """The caller, if their role (capped by the token's scope) is at least ``role``; else 403."""
    who = caller()
    if not who.may(role):
        raise ApiProblem(
            403, f"This needs {role} rights; this {who.scope} token acts as {who.role}."
        )
    return who


def json_body() -> dict[str, Any]:
    """The request's JSON object: 415 for another media type, 400 for malformed JSON."""
    if request.mimetype not in JSON_TYPES:
        raise ApiProblem(415, "Send the body as application/json.")
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, RecursionError):
        raise ApiProblem(400, "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiProblem(422, "The body must be a JSON object.", errors={"": "Expected an object."})
    bad = _nul_field(body)
    if bad is not None:
        raise ApiProblem(422, errors={bad: "Text may not contain NUL characters."})
    return body


def _nul_field(value: Any, name: str = "") -> str | None:
    """The field holding a NUL character anywhere inside it (PostgreSQL refuses them)."""
    if isinstance(value, str):
        return name if "\x00" in value else None
    items: Any = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return name or key
        found = _nul_field(item, name or str(key))
        if found is not None:
            return found
    return None


def etag(value: object) -> str:
    """A strong entity tag for a revision or hash."""
    return f'"{value}"'


def check_if_match(current: object) -> None:
    """428 without ``If-Match``; 412 when it names another version than ``current``."""
    if "If-Match" not in request.headers:
        raise ApiProblem(428, "Send If-Match with the ETag you last read.")
    if not request.if_match.contains(str(current)) and not request.if_match.star_tag:
        raise ApiProblem(412, "The resource changed since you read it; GET it again.")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the given headers."""
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers.update(headers or {})
    return response
