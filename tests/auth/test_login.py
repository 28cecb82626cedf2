"""Signing in and out through the real form, with CSRF on, as a person does."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token, login, post
from webapp.audit.models import AuditEvent
from webapp.extensions import db

GENERIC = "Wrong email or password"


def test_login_then_next_page(client, make_user):
    make_user("ada@example.com", "viewer")
    response = client.post(
        "/login?next=/accounts/%3Fq%3Dacme",
        data={"email": "ADA@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/accounts/?q=acme"
    assert client.get("/accounts/").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "https:evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "http://localhost/accounts/",
        "accounts",
        "/\r\nSet-Cookie:x",
    ],
)
def test_unsafe_next_falls_back_to_the_list(client, make_user, target):
    make_user("ada@example.com", "viewer")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/accounts/"


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "inactive", "platform user"])
def test_every_refusal_looks_the_same(client, make_user, app, case):
    make_user("staff@example.com", "viewer")
    make_user("gone@example.com", "viewer", is_active=False)
    make_user("member@example.com", None)
    email, password = {
        "wrong password": ("staff@example.com", "not-the-password-1"),
        "unknown email": ("nobody@example.com", PASSWORD),
        "inactive": ("gone@example.com", PASSWORD),
        "platform user": ("member@example.com", PASSWORD),
    }[case]
    response = login(client, email, password)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count(GENERIC) == 1 and 'value="' + email + '"' in page
    assert client.get("/accounts/").status_code == 302
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login.failure")
        ).one()
        assert event.email == email and event.client_addr == "127.0.0.1"


def test_missing_fields_are_422(client):
    response = client.post(
        "/login", data={"email": "", "password": "", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422


def test_login_without_csrf_is_400(client, make_user):
    make_user("ada@example.com", "viewer")
    response = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "This form expired" in response.get_data(as_text=True)
    assert client.get("/accounts/").status_code == 302


def test_session_is_renewed_at_login(client, make_user):
    make_user("ada@example.com", "viewer")
    csrf_token(client)
    with client.session_transaction() as before:
        before["planted"] = "by-an-attacker"
    login(client, "ada@example.com")
    with client.session_transaction() as after:
        assert "planted" not in after and after.get("sid")


def test_logout_needs_post_with_csrf(signed_in):
    client = signed_in("viewer")
    assert client.get("/logout").status_code == 405
    assert client.get("/accounts/").status_code == 200
    assert client.post("/logout").status_code == 400
    assert client.get("/accounts/").status_code == 200
    response = post(client, "/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/accounts/").status_code == 302


def test_session_cookie_flags(app, make_user):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    make_user("ada@example.com", "viewer")
    client = app.test_client()
    response = login(client, "ada@example.com", remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Expires=" in remember_cookie


def test_eleventh_failure_is_429_and_not_even_checked(client, make_user, app):
    make_user("ada@example.com", "viewer")
    for _ in range(10):
        assert login(client, "ada@example.com", "wrong-password-99").status_code == 200
    response = login(client, "ada@example.com", PASSWORD)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert client.get("/accounts/").status_code == 302


ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}


def fail_from_address(client, times: int):
    """Fail ``times`` sign-ins, each with another email, from one address."""
    for i in range(times):
        data = {
            "email": f"x{i}@example.com",
            "password": "nope-nope-nope",
            "csrf_token": csrf_token(client),
        }
        client.post("/login", data=data, environ_base=ATTACKER)
    return client


def test_failures_on_other_emails_from_other_addresses_never_block(app, make_user):
    make_user("ada@example.com", "viewer")
    fail_from_address(app.test_client(), 12)
    honest = app.test_client()
    assert login(honest, "ada@example.com").status_code == 303


def test_x_forwarded_for_is_not_trusted(app, make_user):
    make_user("ada@example.com", "viewer")
    client = app.test_client()
    for i in range(10):
        client.post(
            "/login",
            data={
                "email": "ada@example.com",
                "password": "wrong-password-99",
                "csrf_token": csrf_token(client),
            },
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        )
    with app.app_context():
        addresses = set(db.session.scalars(select(AuditEvent.client_addr)))
    assert addresses == {"127.0.0.1"}


def test_idle_session_expires(signed_in):
    client = signed_in("viewer")
    with client.session_transaction() as session:
        session["last_seen"] -= 31 * 60
    response = client.get("/accounts/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_absolute_lifetime(signed_in):
    client = signed_in("viewer")
    with client.session_transaction() as session:
        session["login_at"] -= 13 * 3600
    assert client.get("/accounts/").status_code == 302


def test_password_change_ends_other_sessions(app, make_user):
    make_user("ada@example.com", "viewer")
    mine, other = app.test_client(), app.test_client()
    login(mine, "ada@example.com")
    login(other, "ada@example.com")
    response = post(
        mine,
        "/password",
        {
            "old_password": PASSWORD,
            "new_password": "brand-new-pass-42",
            "confirm": "brand-new-pass-42",
        },
        form_page="/password",
    )
    assert response.status_code == 303
    assert mine.get("/accounts/").status_code == 200
    assert other.get("/accounts/").status_code == 302
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "password.change")
        ).one()
        assert event.changes == {"password": "changed"}


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("wrong-old-password", "brand-new-pass-42", "old_password"),
        (PASSWORD, "short", "new_password"),
    ],
)
def test_password_change_refusals_are_422(signed_in, old, new, field):
    client = signed_in("viewer")
    response = post(
        client,
        "/password",
        {"old_password": old, "new_password": new, "confirm": new},
        form_page="/password",
    )
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)


def test_logout_ends_a_remembered_session_too(app, make_user):
    make_user("ada@example.com", "viewer")
    client = app.test_client()
    login(client, "ada@example.com", remember="y")
    assert client.get_cookie("remember_token") is not None
    post(client, "/logout")
    assert client.get_cookie("remember_token") is None
    assert client.get("/accounts/").status_code == 302


def cookie_attributes(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


@pytest.mark.parametrize(("setting", "secure"), [(None, True), ("true", True), ("false", False)])
def test_secure_cookie_setting(backend, make_user, setting, secure):
    from webapp import create_app

    config = {k: v for k, v in backend.items() if k != "SESSION_COOKIE_SECURE"}
    if setting is not None:
        config["SESSION_COOKIE_SECURE"] = setting
    app = create_app(config)
    make_user("ada@example.com", "viewer")
    response = login(app.test_client(), "ada@example.com", remember="y")
    for header in response.headers.getlist("Set-Cookie"):
        attributes = cookie_attributes(header)
        assert {"httponly", "samesite"} <= attributes
        assert ("secure" in attributes) is secure, header
    with app.app_context():
        db.engine.dispose()


def test_refusal_pages_are_identical(client, make_user):
    make_user("staff@example.com", "viewer")
    make_user("member@example.com", None)

    def page(email: str, password: str) -> str:
        html = login(client, email, password).get_data(as_text=True)
        return re.sub(r'value="[^"]*"', 'value=""', html)

    pages = {
        page("staff@example.com", "wrong-password-11"),
        page("nobody@example.com", PASSWORD),
        page("member@example.com", PASSWORD),
    }
    assert len(pages) == 1


def test_ten_failures_from_one_address_block_that_address(app, make_user):
    make_user("ada@example.com", "viewer")
    attacker = fail_from_address(app.test_client(), 10)
    blocked = attacker.post(
        "/login",
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": csrf_token(attacker)},
        environ_base=ATTACKER,
    )
    assert blocked.status_code == 429


def test_nul_byte_is_a_400_not_a_crash(client):
    response = client.post(
        "/login",
        data={"email": "a\x00@example.com", "password": "x", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 400
