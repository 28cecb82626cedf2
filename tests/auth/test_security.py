"""CSRF on every POST route, roles on every route, security headers on every kind of page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import post
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db

# A viewer's own things: read tokens, and saved views (a view changes no account, issue 13).
SELF_SERVICE = {
    "auth.login",
    "auth.logout",
    "auth.change_password",
    "auth.set_locale",
    "tokens.create",
    "tokens.revoke",
    "savedviews.create",
    "savedviews.rename",
    "savedviews.delete",
    # One's own two-factor sign-in (issue 14); the second step comes before any role.
    "twofactor.code",
    "twofactor.enrol",
    "twofactor.regenerate",
    "twofactor.disable",
}
SAMPLE_VALUES = {
    "user_id": 1,
    "number": "0000-0000-0000",
    "contact_id": 1,
    "profile_id": 1,
    "token_id": 1,
    "job_id": 1,
    "view_id": 1,
    "event_id": 1,
}
API = "api_v1."  # bearer tokens only: no cookie, so no CSRF (tested below and in tests/api)


def sample(rule, arg: str):
    """A value for a URL argument: a known sample, or the first choice of an ``any`` converter."""
    converter = rule._converters[arg]
    items = getattr(converter, "items", None)
    return sorted(items)[0] if items else SAMPLE_VALUES[arg]


def post_routes(app, api: bool = False) -> list[tuple[str, str]]:
    """(endpoint, url) of every page route (or API route) that accepts POST, with sample values
    for its arguments."""
    adapter = app.url_map.bind("localhost")
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint.startswith(API) == api:
            values = {arg: sample(rule, arg) for arg in rule.arguments}
            routes.append((rule.endpoint, adapter.build(rule.endpoint, values)))
    return sorted(routes)


def state(app) -> tuple:
    """Everything a forged POST could change."""
    with app.app_context():
        users = db.session.execute(
            select(User.id, User.email, User.role, User.is_active, User.password_hash).order_by(
                User.id
            )
        ).all()
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return tuple(users), events


def test_route_walk_finds_the_post_routes(app):
    endpoints = {endpoint for endpoint, _ in post_routes(app)}
    assert {
        "auth.login",
        "auth.logout",
        "staff.change_role",
        "staff.set_active",
        "staff.require_2fa",
        "staff.reset_2fa",
        "twofactor.code",
        "twofactor.enrol",
        "accounts.create",
        "accounts.edit",
        "accounts.change_state",
        "accounts.delete",
    } <= endpoints


def test_every_post_without_csrf_is_400_and_changes_nothing(app, signed_in):
    client = signed_in("admin")
    before = state(app)
    for endpoint, url in post_routes(app):
        response = client.post(url, data={"role": "viewer", "email": "x@example.com"})
        assert response.status_code == 400, endpoint
        assert "This form expired" in response.get_data(as_text=True)
    assert state(app) == before


def test_api_post_routes_refuse_a_session_cookie_with_401_and_change_nothing(app, signed_in):
    client = signed_in("admin")
    before = state(app)
    routes = post_routes(app, api=True)
    assert {"api_v1.create_account", "api_v1.create_contact"} <= {e for e, _ in routes}
    for endpoint, url in routes:
        response = post(client, url, {"company_name": "Forged"})
        assert response.status_code == 401, endpoint
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        json_post = client.post(url, json={"company_name": "Forged"})
        assert json_post.status_code == 401, endpoint
    assert state(app) == before


def test_anonymous_api_requests_are_401_not_a_login_redirect(client):
    response = client.get("/api/v1/accounts")
    assert response.status_code == 401 and "Location" not in response.headers


def test_every_post_route_refuses_a_viewer(app, signed_in):
    client = signed_in("viewer")
    before = state(app)
    for endpoint, url in post_routes(app):
        if endpoint not in SELF_SERVICE:
            assert post(client, url, {"role": "admin"}).status_code == 403, endpoint
    assert state(app) == before


@pytest.mark.parametrize("path", ["/staff/", "/staff/new", "/staff/1/temporary-password"])
def test_staff_screens_are_admin_only(signed_in, path):
    assert signed_in("editor").get(path).status_code == 403
    assert signed_in("viewer", "v@example.com").get(path).status_code == 403


def test_forbidden_page_is_a_page_not_a_redirect(signed_in):
    response = signed_in("viewer").get("/staff/")
    assert response.status_code == 403
    assert "permission" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/accounts/", "/staff/", "/accounts/1234-5678-9012/edit", "/nope"]
)
def test_anonymous_get_of_any_dashboard_url_goes_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_staff_link_shown_only_to_admins(signed_in):
    assert 'href="/staff/"' in signed_in("admin").get("/accounts/").get_data(as_text=True)
    assert 'href="/staff/"' not in signed_in("editor").get("/accounts/").get_data(as_text=True)


HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_security_headers(response, dashboard: bool = True) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "'nonce-" in csp
    if dashboard:
        assert response.headers["Cache-Control"] == "no-store"


def test_headers_on_dashboard_login_and_error_pages(client, signed_in):
    assert_security_headers(client.get("/login"))
    admin = signed_in("admin")
    assert_security_headers(admin.get("/accounts/"))
    assert_security_headers(admin.get("/no-such-page"))
    assert_security_headers(signed_in("viewer", "v@example.com").get("/staff/"))


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_inline_scripts_or_styles_without_nonce(signed_in):
    html = signed_in("admin").get("/staff/").get_data(as_text=True)
    assert " style=" not in html and "<style" not in html
    assert all("src=" in tag for tag in html.split("<script")[1:])
