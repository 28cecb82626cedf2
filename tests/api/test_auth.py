"""Bearer tokens: who gets 401 (with WWW-Authenticate) and 403; cookies count for nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.api.conftest import make_token
from tests.conftest import login
from webapp.api.models import ApiToken
from webapp.auth.models import User
from webapp.core.types import utcnow
from webapp.extensions import db


def assert_401(response) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == 401


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer aa_not-a-token", "Bearer x" * 300],
)
def test_missing_or_bad_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    assert_401(client.get("/api/v1/accounts", headers=headers))


def _set_token(app, **values) -> None:
    with app.app_context():
        for token in db.session.scalars(select(ApiToken)):
            for name, value in values.items():
                setattr(token, name, value)
        db.session.commit()


def test_expired_and_revoked_tokens_are_401(app, client, bearer):
    headers = bearer("editor", "read")
    assert client.get("/api/v1/accounts", headers=headers).status_code == 200
    _set_token(app, expires_at=utcnow() - timedelta(seconds=1))
    assert_401(client.get("/api/v1/accounts", headers=headers))
    _set_token(app, expires_at=utcnow() + timedelta(days=1), revoked_at=utcnow())
    assert_401(client.get("/api/v1/accounts", headers=headers))


def test_a_deactivated_users_tokens_stop_working(app, client, bearer):
    headers = bearer("admin", "write")
    assert client.get("/api/v1/accounts", headers=headers).status_code == 200
    with app.app_context():
        db.session.scalar(select(User)).is_active = False
        db.session.commit()
    assert_401(client.get("/api/v1/accounts", headers=headers))


def test_a_signed_in_session_cookie_is_not_accepted(app, signed_in):
    client = signed_in("admin")
    assert client.get("/accounts/").status_code == 200  # the cookie works for pages
    assert_401(client.get("/api/v1/accounts"))
    assert_401(client.post("/api/v1/accounts", json={"company_name": "Forged"}))


def test_no_csrf_token_is_needed_with_a_bearer_token(api):
    response = api("POST", "/accounts", {"company_name": "Acme Corp"})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    ("role", "scope", "create", "delete"),
    [
        ("viewer", "read", 403, 403),
        ("editor", "read", 403, 403),  # a read token acts as a viewer whatever the role
        ("admin", "read", 403, 403),
        ("editor", "write", 201, 403),  # deleting needs an admin
        ("admin", "write", 201, 204),
    ],
)
def test_scope_caps_the_role(app, api, bearer, role, scope, create, delete):
    headers = bearer(role, scope)
    client = app.test_client()
    account = api.create()
    path = f"/api/v1/accounts/{account['account_number']}"
    assert client.get(path, headers=headers).status_code == 200
    created = client.post("/api/v1/accounts", json={"company_name": "X"}, headers=headers)
    assert created.status_code == create
    if create == 403:
        assert created.mimetype == "application/problem+json"
    deleted = client.delete(path, headers={**headers, "If-Match": '"1"'})
    assert deleted.status_code == delete


def test_a_viewer_cannot_get_a_write_token(app, make_user):
    from webapp.errors import ValidationError

    user_id = make_user("v@example.com", "viewer")
    with pytest.raises(ValidationError):
        make_token(app, user_id, "write")


def test_last_used_is_recorded_at_most_once_a_minute(app, client, bearer):
    headers = bearer()
    for _ in range(3):
        assert client.get("/api/v1/accounts", headers=headers).status_code == 200
    with app.app_context():
        first = db.session.scalar(select(ApiToken.last_used_at))
    assert first is not None
    _set_token(app, last_used_at=utcnow() - timedelta(seconds=30))
    client.get("/api/v1/accounts", headers=headers)
    with app.app_context():
        assert utcnow() - db.session.scalar(select(ApiToken.last_used_at)) > timedelta(seconds=29)
    _set_token(app, last_used_at=utcnow() - timedelta(minutes=2))
    client.get("/api/v1/accounts", headers=headers)
    with app.app_context():
        assert utcnow() - db.session.scalar(select(ApiToken.last_used_at)) < timedelta(seconds=5)


def test_tokens_are_stored_hashed(app, bearer):
    secret = bearer()["Authorization"].split()[1]
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert secret not in (token.token_hash, token.prefix)
        assert secret.startswith(token.prefix) and len(token.token_hash) == 64


def test_signing_in_still_works_beside_the_api(client, make_user):
    make_user("e@example.com", "editor")
    assert login(client, "e@example.com").status_code == 303
