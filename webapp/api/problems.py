"""RFC 9457 problem details: every error the API answers is ``application/problem+json``."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from flask import Response
from werkzeug.exceptions import HTTPException

__all__ = ["PROBLEM", "ApiProblem", "from_exception", "problem", "title"]

PROBLEM = "application/problem+json"
DETAILS = {
    401: "Send a valid token: Authorization: Bearer <token>.",
    404: "No such resource.",
    405: "This method is not allowed here.",
    422: "Some values are invalid; see errors.",
    500: "Something went wrong on our side.",
    503: "A service we depend on is unavailable; try again shortly.",
}
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def title(status: int) -> str:
    """The status's reason phrase, e.g. "Precondition Required"."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    status: int,
    detail: str | None = None,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response with type, title, status, detail (and errors for 422)."""
    body: dict[str, Any] = {
        "type": "about:blank",  # RFC 9457: nothing beyond the status, whose phrase is the title
        "title": title(status),
        "status": status,
        "detail": detail or DETAILS.get(status) or title(status),
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    response.headers.update(headers or {})
    return response


class ApiProblem(HTTPException):
    """Raise to answer with a problem (views stay linear: check, raise, go on)."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail, response=problem(status, detail, errors, headers))
        self.code = status


def from_exception(
    exc: HTTPException | None, status: int, detail: str | None, extra: dict[str, str] | None
) -> Response:
    """The problem for an error raised anywhere under ``/api/v1`` (routing ones included)."""
    if isinstance(exc, ApiProblem) and exc.response is not None:
        return exc.response
    headers = dict(extra or {})
    if exc is not None:
        headers.update({k: v for k, v in exc.get_headers() if k in KEPT_HEADERS})
    own = detail if exc is not None and detail != type(exc).description else None
    return problem(status, own, headers=headers)
