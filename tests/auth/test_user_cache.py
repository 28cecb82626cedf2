"""The signed-in user comes from the cache; a change to a user counts from the next request."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import login, post, statements_of
from webapp.auth.models import User
from webapp.extensions import db

USER_SELECT = re.compile(r'\bFROM "?user"?\b', re.IGNORECASE)


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def user_selects(app: Flask, client: FlaskClient, path: str) -> tuple[int, list[str]]:
    """The status of GET ``path`` and the statements it ran that read the user table."""
    status, statements = statements_of(app, lambda: client.get(path).status_code)
    return status, [s for s in statements if USER_SELECT.search(s)]


def same_session(other_app: Flask, client: FlaskClient) -> FlaskClient:
    """A client of another app instance (host) carrying the same session cookie."""
    twin = other_app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    return twin


@pytest.mark.parametrize("path", ["/accounts/", "/password"])
def test_a_signed_in_page_reads_no_user_row(app, signed_in, path):
    client = signed_in("editor")
    assert client.get(path).status_code == 200
    status, selects = user_selects(app, client, path)
    assert status == 200 and selects == []


def test_the_cached_user_serves_the_templates(app, signed_in):
    client = signed_in("editor", email="ed@example.com")
    client.get("/password")
    page = client.get("/password").get_data(as_text=True)
    assert "ed@example.com" in page and "editor" in page


@pytest.mark.parametrize("change", ["deactivate", "demote"])
def test_a_staff_change_takes_effect_on_the_next_request_on_every_host(
    app, other_app, signed_in, make_user, change
):
    admin = signed_in("admin")
    make_user("ed@example.com", "editor")
    ed = app.test_client()
    assert login(ed, "ed@example.com").status_code == 303
    ed_elsewhere = same_session(other_app, ed)
    for client in (ed, ed_elsewhere):  # cached by this host and by the other one
        assert client.get("/accounts/new").status_code == 200
        assert client.get("/accounts/new").status_code == 200
    target = user_id(app, "ed@example.com")
    if change == "deactivate":
        assert post(admin, f"/staff/{target}/deactivate").status_code == 303
        expected = 302  # signed out: to the sign-in page
    else:
        assert post(admin, f"/staff/{target}/role", {"role": "viewer"}).status_code == 303
        expected = 403
    assert ed.get("/accounts/new").status_code == expected
    assert ed_elsewhere.get("/accounts/new").status_code == expected


def test_a_password_change_ends_the_other_sessions_on_every_host(app, other_app, make_user):
    from tests.conftest import PASSWORD

    make_user("ed@example.com", "editor")
    mine, other = app.test_client(), app.test_client()
    for client in (mine, other):
        assert login(client, "ed@example.com").status_code == 303
    other_elsewhere = same_session(other_app, other)
    assert other_elsewhere.get("/accounts/").status_code == 200
    data = {"old_password": PASSWORD, "new_password": "another-staple-77y"}
    data["confirm"] = data["new_password"]
    response = post(mine, "/password", data, form_page="/password")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert mine.get("/accounts/").status_code == 200
    assert other.get("/accounts/").status_code == 302
    assert other_elsewhere.get("/accounts/").status_code == 302
