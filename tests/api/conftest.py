"""API fixtures: staff users with tokens, and a client that sends the bearer header."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from webapp.api.services import create_token
from webapp.auth.models import User
from webapp.extensions import db


def make_token(app: Flask, user_id: int, scope: str, days: int = 90) -> str:
    """A new token for the user (committed); returns the secret."""
    with app.app_context():
        secret = create_token(db.session.get(User, user_id), scope, days, by="cli")
        db.session.commit()
        return secret


@pytest.fixture
def bearer(app: Flask, make_user):
    """Factory: the Authorization header of a token of a new staff user of ``role``."""

    def make(role: str = "admin", scope: str = "write", email: str | None = None) -> dict:
        user_id = make_user(email or f"{role}-{scope}@example.com", role)
        return {"Authorization": f"Bearer {make_token(app, user_id, scope)}"}

    return make


@pytest.fixture
def api(app: Flask, bearer):
    """A small client for the API as an admin with a write token."""
    return Api(app, bearer(email="api-admin@example.com"))


class Api:
    """Requests to /api/v1 with one token; JSON in, the response out."""

    def __init__(self, app: Flask, headers: dict[str, str]) -> None:
        self.client = app.test_client()
        self.headers = headers

    def __call__(self, method: str, path: str, body: Any = None, **headers: str):
        kwargs: dict[str, Any] = {"headers": {**self.headers, **_header_names(headers)}}
        if body is not None:
            kwargs["json"] = body
        return self.client.open(f"/api/v1{path}", method=method, **kwargs)

    def create(self, **fields: Any) -> dict:
        """A new account (asserted 201); returns its JSON."""
        response = self("POST", "/accounts", {"company_name": "Acme Corp", **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()


def _header_names(headers: dict[str, str]) -> dict[str, str]:
    """``if_match="…"`` → ``If-Match: …``."""
    return {"-".join(p.capitalize() for p in k.split("_")): v for k, v in headers.items()}
