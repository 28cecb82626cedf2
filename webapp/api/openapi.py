"""The OpenAPI 3.1 description of ``/api/v1``, generated from the API's marshmallow schemas.

Why apispec + marshmallow, and not a framework that owns the routes: flask-smorest was tried
and rejected (an app-wide error handler that would reshape the dashboard's error pages, ETags
hashed from bodies where we have a revision, page-number pagination where we need cursors);
spectree and flask-openapi3 bring pydantic beside our WTForms and marshmallow, their own 422
format instead of RFC 9457, and docs pages that load from a CDN. apispec only writes the
document: the routes, errors and rules stay ours. Each operation below names its schemas and
every status it can answer, and ``links`` let a client (and schemathesis' stateful tests)
follow a created account or contact to its GET, PATCH and DELETE.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from webapp.api import schemas
from webapp.api.http import json_response
from webapp.api.problems import PROBLEM, title
from webapp.api.request_keys import KEY_PATTERN
from webapp.api.v1 import bp

__all__ = ["build_spec"]

NUMBER_PATTERN = r"^\d{4}-\d{4}-\d{4}$"
ERRORS = {
    "read": (400, 401, 403, 404, 422, 429),  # 400: a NUL byte in the query string
    "body": (400, 401, 403, 404, 409, 415, 422, 429),
    "match": (400, 401, 403, 404, 409, 412, 415, 422, 428, 429),
}
NUMBER = {
    "in": "path",
    "name": "number",
    "required": True,
    "schema": {"type": "string", "pattern": NUMBER_PATTERN},
}
CONTACT_ID = {
    "in": "path",
    "name": "contact_id",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag last read; missing → 428, stale → 412.",
    "schema": {"type": "string"},
}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Same key and body within 24 h: the first answer again.",
    "schema": {"type": "string", "pattern": KEY_PATTERN},
}
ETAG = {"ETag": {"description": "The version, for If-Match.", "schema": {"type": "string"}}}


def _errors(kind: str) -> dict[str, Any]:
    return {
        str(code): {"description": title(code), "content": {PROBLEM: {"schema": "Problem"}}}
        for code in ERRORS[kind]
    }


def _json(schema: str, description: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _links(kind: str, ident: dict[str, str]) -> dict[str, Any]:
    """Links from an answer to the GET, PATCH and DELETE of the same record."""
    match = {"header.If-Match": "$response.header.ETag"}
    extra = {}
    if kind == "Account":
        extra = {"CreateContact": {"operationId": "createContact", "parameters": ident}}
    return {
        **extra,
        f"Get{kind}": {"operationId": f"get{kind}", "parameters": ident},
        f"Update{kind}": {"operationId": f"update{kind}", "parameters": {**ident, **match}},
        f"Delete{kind}": {"operationId": f"delete{kind}", "parameters": {**ident, **match}},
    }


ACCOUNT_ID = {"path.number": "$response.body#/account_number"}
CONTACT_IDS = {"path.number": "$request.path.number", "path.contact_id": "$response.body#/id"}


def _account_paths() -> dict[str, dict[str, Any]]:
    created = _json("AccountOut", "Created", headers=ETAG, links=_links("Account", ACCOUNT_ID))
    return {
        "/accounts": {
            "get": {
                "operationId": "listAccounts",
                "summary": "List accounts (cursor pages)",
                "parameters": [{"in": "query", "schema": "ListArgs"}],
                "responses": {"200": _json("AccountPage", "A page"), **_errors("read")},
            },
            "post": {
                "operationId": "createAccount",
                "summary": "Create an account",
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": _body("AccountNew"),
                "responses": {"201": created, **_errors("body")},
            },
        },
        "/accounts/{number}": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "getAccount",
                "summary": "Read an account",
                "responses": {
                    "200": _json("AccountOut", "The account", headers=ETAG),
                    **_errors("read"),
                },
            },
            "patch": {
                "operationId": "updateAccount",
                "summary": "Change some fields",
                "parameters": [IF_MATCH],
                "requestBody": _body("AccountIn"),
                "responses": {
                    "200": _json("AccountOut", "Saved", headers=ETAG),
                    **_errors("match"),
                },
            },
            "delete": {
                "operationId": "deleteAccount",
                "summary": "Delete (admin)",
                "parameters": [IF_MATCH],
                "responses": {"204": {"description": "Deleted"}, **_errors("match")},
            },
        },
    }


def _contact_paths() -> dict[str, dict[str, Any]]:
    created = _json("ContactOut", "Created", headers=ETAG, links=_links("Contact", CONTACT_IDS))
    return {
        "/accounts/{number}/contacts": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "listContacts",
                "parameters": [{"in": "query", "schema": "ContactArgs"}],
                "summary": "An account's contacts",
                "responses": {"200": _json("ContactList", "Contacts"), **_errors("read")},
            },
            "post": {
                "operationId": "createContact",
                "summary": "Add a contact",
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": _body("ContactNew"),
                "responses": {"201": created, **_errors("body")},
            },
        },
        "/accounts/{number}/contacts/{contact_id}": {
            "parameters": [NUMBER, CONTACT_ID],
            "get": {
                "operationId": "getContact",
                "summary": "Read a contact",
                "responses": {
                    "200": _json("ContactOut", "The contact", headers=ETAG),
                    **_errors("read"),
                },
            },
            "patch": {
                "operationId": "updateContact",
                "summary": "Change some fields",
                "parameters": [IF_MATCH],
                "requestBody": _body("ContactIn"),
                "responses": {
                    "200": _json("ContactOut", "Saved", headers=ETAG),
                    **_errors("match"),
                },
            },
            "delete": {
                "operationId": "deleteContact",
                "summary": "Delete a contact",
                "parameters": [IF_MATCH],
                "responses": {"204": {"description": "Deleted"}, **_errors("match")},
            },
        },
    }


def build_spec() -> dict[str, Any]:
    """The whole document, as a dict."""
    spec = APISpec(
        title="Accounts admin API",
        version="1.0.0",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Bearer tokens from /tokens or `flask tokens create`. Errors are "
            "application/problem+json (RFC 9457)."
        },
        servers=[{"url": "/api/v1"}],
        security=[{"bearer": []}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name in (
        "AccountIn",
        "AccountNew",
        "AccountOut",
        "AccountPage",
        "ListArgs",
        "ContactArgs",
        "ContactIn",
        "ContactNew",
        "ContactOut",
        "ContactList",
        "Problem",
    ):
        spec.components.schema(name, schema=getattr(schemas, name))
    for path, operations in {**_account_paths(), **_contact_paths()}.items():
        shared = operations.pop("parameters", [])
        spec.path(path=path, operations=operations, parameters=shared)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document (no token needed)."""
    document = current_app.extensions.get("api_openapi")
    if document is None:
        document = current_app.extensions["api_openapi"] = build_spec()
    return json_response(document)
