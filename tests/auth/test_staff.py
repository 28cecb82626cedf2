"""Staff-user screens: create, change role, deactivate, reset password, keep an admin."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import login, post
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db


def user(app, email: str) -> User:
    with app.app_context():
        found = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge_all()
        return found


def test_list_shows_staff(signed_in):
    page = signed_in("admin").get("/staff/").get_data(as_text=True)
    assert "admin@example.com" in page and "Change role" in page


def test_create_with_password(app, signed_in):
    client = signed_in("admin")
    response = post(
        client,
        "/staff/new",
        {"email": "New@Example.com", "role": "editor", "password": "a-fine-password-7"},
        form_page="/staff/new",
    )
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    created = user(app, "new@example.com")
    assert created.role == "editor" and not created.must_change_password
    assert login(app.test_client(), "new@example.com", "a-fine-password-7").status_code == 303


def test_create_with_temporary_password_shown_once(app, signed_in):
    client = signed_in("admin")
    response = post(
        client,
        "/staff/new",
        {"email": "temp@example.com", "role": "viewer", "password": ""},
        form_page="/staff/new",
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    password = re.search(r"mono[^>]*>([^<]+)<", page).group(1)
    assert "already shown" in client.get(response.headers["Location"]).get_data(as_text=True)
    newcomer = app.test_client()
    assert login(newcomer, "temp@example.com", password).status_code == 303
    forced = newcomer.get("/accounts/")
    assert forced.status_code == 302 and forced.headers["Location"] == "/password"


def test_create_refuses_duplicates_and_weak_passwords_with_422(signed_in):
    client = signed_in("admin")
    duplicate = post(
        client,
        "/staff/new",
        {"email": "admin@example.com", "role": "viewer"},
        form_page="/staff/new",
    )
    assert duplicate.status_code == 422 and "already exists" in duplicate.get_data(as_text=True)
    weak = post(
        client,
        "/staff/new",
        {"email": "w@example.com", "role": "viewer", "password": "password1234"},
        form_page="/staff/new",
    )
    assert weak.status_code == 422 and "too common" in weak.get_data(as_text=True)


def test_change_role_is_audited(app, signed_in, make_user):
    client = signed_in("admin")
    target = make_user("ed@example.com", "viewer")
    response = post(client, f"/staff/{target}/role", {"role": "editor"})
    assert response.status_code == 303
    assert user(app, "ed@example.com").role == "editor"
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.role_change")
        ).one()
        assert (
            event.changes == {"role": ["viewer", "editor"]} and event.actor == "admin@example.com"
        )


def test_deactivated_user_is_signed_out_at_once(app, signed_in, make_user):
    admin = signed_in("admin")
    make_user("ed@example.com", "editor")
    ed = app.test_client()
    login(ed, "ed@example.com")
    assert ed.get("/accounts/").status_code == 200
    target = user(app, "ed@example.com").id
    assert post(admin, f"/staff/{target}/deactivate").status_code == 303
    assert ed.get("/accounts/").status_code == 302
    assert post(admin, f"/staff/{target}/activate").status_code == 303
    assert user(app, "ed@example.com").is_active


def test_the_last_admin_cannot_be_removed(app, signed_in):
    client = signed_in("admin")
    me = user(app, "admin@example.com").id
    page = client.get("/staff/")
    assert page.status_code == 200
    demote = post(client, f"/staff/{me}/role", {"role": "viewer"})
    assert demote.status_code == 409
    assert "At least one active admin" in demote.get_data(as_text=True)
    assert post(client, f"/staff/{me}/deactivate").status_code == 409
    still = user(app, "admin@example.com")
    assert still.role == "admin" and still.is_active


def test_an_admin_may_step_down_when_another_remains(app, signed_in, make_user):
    client = signed_in("admin")
    make_user("second@example.com", "admin")
    me = user(app, "admin@example.com").id
    assert post(client, f"/staff/{me}/role", {"role": "editor"}).status_code == 303
    assert user(app, "admin@example.com").role == "editor"
    assert client.get("/staff/").status_code == 403


def test_reset_password_forces_a_change(app, signed_in, make_user):
    client = signed_in("admin")
    target = make_user("ed@example.com", "editor")
    response = post(client, f"/staff/{target}/reset-password")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    password = re.search(r"mono[^>]*>([^<]+)<", page).group(1)
    ed = app.test_client()
    assert login(ed, "ed@example.com").status_code == 200  # the old password is gone
    assert login(ed, "ed@example.com", password).status_code == 303
    assert ed.get("/accounts/").headers["Location"] == "/password"


def test_unknown_role_is_422(app, signed_in, make_user):
    target = make_user("ed@example.com", "viewer")
    response = post(signed_in("admin"), f"/staff/{target}/role", {"role": "superuser"})
    assert response.status_code == 422
    assert user(app, "ed@example.com").role == "viewer"


def test_unknown_staff_user_is_404(signed_in):
    client = signed_in("admin")
    assert post(client, "/staff/9999/deactivate").status_code == 404
