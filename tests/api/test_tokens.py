"""Making and revoking tokens: ``flask tokens`` and the /tokens page."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import csrf_token
from webapp.api.models import ApiToken
from webapp.audit.models import AuditEvent
from webapp.extensions import db


def test_cli_prints_the_token_alone_on_the_last_line(app, runner, make_user):
    make_user("ops@example.com", "editor")
    result = runner.invoke(
        args=["tokens", "create", "--email", "OPS@example.com", "--scope", "write"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.rstrip("\n").splitlines()[-1]
    assert re.fullmatch(r"aa_[A-Za-z0-9_-]{43}", token)
    response = app.test_client().get(
        "/api/v1/accounts", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert (stored.expires_at - stored.created_at).days == 90
        assert (
            db.session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "token.create"))
            == "cli"
        )


def test_cli_refuses_a_scope_beyond_the_role_and_bad_days(app, runner, make_user):
    make_user("v@example.com", "viewer")
    refused = runner.invoke(
        args=["tokens", "create", "--email", "v@example.com", "--scope", "write"]
    )
    assert refused.exit_code != 0 and "read" in refused.output
    for days in ("0", "-3", "x"):
        bad = runner.invoke(
            args=[
                "tokens",
                "create",
                "--email",
                "v@example.com",
                "--scope",
                "read",
                "--expires-days",
                days,
            ]
        )
        assert bad.exit_code != 0
    nobody = runner.invoke(
        args=["tokens", "create", "--email", "no@example.com", "--scope", "read"]
    )
    assert nobody.exit_code != 0
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []
    ok = runner.invoke(
        args=[
            "tokens",
            "create",
            "--email",
            "v@example.com",
            "--scope",
            "read",
            "--expires-days",
            "1",
        ]
    )
    assert ok.exit_code == 0


def test_cli_revoke_stops_every_token_of_the_user(app, runner, make_user):
    make_user("ops@example.com", "admin")
    tokens = [
        runner.invoke(
            args=["tokens", "create", "--email", "ops@example.com", "--scope", s]
        ).output.splitlines()[-1]
        for s in ("read", "write")
    ]
    result = runner.invoke(args=["tokens", "revoke", "--email", "ops@example.com"])
    assert result.exit_code == 0 and "Revoked 2 tokens" in result.output
    client = app.test_client()
    for token in tokens:
        response = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "token.revoke")
        )
        assert len(actions.all()) == 2


def _create_on_page(client, **data):
    token = csrf_token(client, "/tokens")
    fields = {"name": "script", "scope": "read", "expires_days": "30", "csrf_token": token}
    return client.post("/tokens", data={**fields, **data})


def test_page_shows_a_new_token_once(app, signed_in):
    client = signed_in("editor")
    response = _create_on_page(client, scope="write")
    assert response.status_code == 303 and response.headers["Location"] == "/tokens"
    page = client.get("/tokens").get_data(as_text=True)
    secret = re.search(r"<code[^>]*data-token>([^<]+)</code>", page).group(1)
    api = app.test_client()
    assert (
        api.get("/api/v1/accounts", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    listing = client.get("/tokens").get_data(as_text=True)
    assert secret not in listing and secret[:11] in listing
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token.create"))
        assert event.actor == "editor@example.com" and secret not in str(event.changes)


def test_page_refuses_write_to_a_viewer_and_posts_without_csrf(app, signed_in):
    client = signed_in("viewer")
    assert _create_on_page(client, scope="write").status_code == 422
    assert client.post("/tokens", data={"scope": "read", "expires_days": "30"}).status_code == 400
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []


def test_a_resent_create_form_does_not_make_or_show_a_second_token(app, signed_in):
    client = signed_in("editor")
    token = csrf_token(client, "/tokens")
    page = client.get("/tokens").get_data(as_text=True)
    key = re.search(r'name="write_key" type="hidden" value="([^"]+)"', page).group(1)
    data = {"scope": "read", "expires_days": "30", "csrf_token": token, "write_key": key}
    assert client.post("/tokens", data=data).status_code == 303
    assert "data-token" in client.get("/tokens").get_data(as_text=True)
    again = client.post("/tokens", data=data)
    assert again.status_code == 303 and again.headers["Location"] == "/tokens"
    assert "data-token" not in client.get("/tokens").get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(ApiToken)).all()) == 1


def test_page_revokes_ones_own_tokens_only(app, signed_in):
    mine, theirs = signed_in("editor"), signed_in("admin")
    _create_on_page(mine)
    _create_on_page(theirs)
    with app.app_context():
        ids = {t.user_id: t.id for t in db.session.scalars(select(ApiToken))}
    own_id, other_id = sorted(ids.values())
    token = csrf_token(mine, "/tokens")
    assert mine.post(f"/tokens/{other_id}/revoke", data={"csrf_token": token}).status_code == 404
    response = mine.post(f"/tokens/{own_id}/revoke", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/tokens"
    with app.app_context():
        revoked = {t.id: t.revoked_at is not None for t in db.session.scalars(select(ApiToken))}
    assert revoked == {own_id: True, other_id: False}
    assert "revoked" in mine.get("/tokens").get_data(as_text=True)


def test_docs_page_is_a_staff_page_without_inline_script(client, signed_in):
    assert client.get("/api/docs").status_code == 302
    response = signed_in("viewer").get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert (
        "swagger-ui-bundle.js" in html
        and "js/api-docs.js" in html
        and "/api/v1/openapi.json" in html
    )
    assert all("src=" in tag for tag in html.split("<script")[1:])
    assert "//cdn" not in html and "https://" not in html.split("<body")[1]
