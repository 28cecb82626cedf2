"""Presence through HTTP: a second editor sees the first at once, polls see arrivals, lines
expire, a dead cache hides presence without failing the page, viewers cannot poll."""

from __future__ import annotations

import time

import pytest

from tests.conftest import PASSWORD, csrf_token
from tests.contacts.helpers import add_account, add_contact
from webapp.extensions import cache
from webapp.presence import services


@pytest.fixture
def two_editors(app, signed_in):
    return signed_in("editor", "ann@example.com"), signed_in("editor", "bob@example.com")


def test_the_second_editor_sees_the_first_in_the_page(app, two_editors):
    ann, bob = two_editors
    number = add_account(app)
    first = ann.get(f"/accounts/{number}/edit").get_data(as_text=True)
    assert "Also editing" not in first
    second = bob.get(f"/accounts/{number}/edit").get_data(as_text=True)
    assert "Also editing: ann@example.com" in second
    assert 'aria-live="polite"' in second


def test_the_first_editors_poll_returns_the_second(app, two_editors):
    ann, bob = two_editors
    number = add_account(app)
    ann.get(f"/accounts/{number}/edit")
    assert ann.get(f"/accounts/{number}/presence").get_json()["editors"] == []
    bob.get(f"/accounts/{number}/edit")
    response = ann.get(f"/accounts/{number}/presence")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json()["editors"] == ["bob@example.com"]


def test_an_entry_expires_without_a_poll(app, two_editors, monkeypatch):
    ann, bob = two_editors
    number = add_account(app)
    ann.get(f"/accounts/{number}/edit")
    later = time.time() + services.ENTRY_SECONDS + 1
    monkeypatch.setattr(services.time, "time", lambda: later)
    assert "Also editing" not in bob.get(f"/accounts/{number}/edit").get_data(as_text=True)


def test_leaving_drops_the_entry_at_once(app, two_editors):
    ann, bob = two_editors
    number = add_account(app)
    ann.get(f"/accounts/{number}/edit")
    token = csrf_token(ann, f"/accounts/{number}/edit")
    response = ann.post(f"/accounts/{number}/presence/leave", data={"csrf_token": token})
    assert response.status_code == 204
    assert bob.get(f"/accounts/{number}/presence").get_json()["editors"] == []
    assert ann.post(f"/accounts/{number}/presence/leave").status_code == 400  # no CSRF


def test_a_cache_failure_leaves_the_edit_page_without_presence(app, two_editors, monkeypatch):
    ann, bob = two_editors
    number = add_account(app)
    ann.get(f"/accounts/{number}/edit")

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    response = bob.get(f"/accounts/{number}/edit")
    assert response.status_code == 200
    assert "Also editing" not in response.get_data(as_text=True)
    assert bob.get(f"/accounts/{number}/presence").get_json()["editors"] == []


def test_a_viewer_cannot_poll(app, signed_in):
    viewer = signed_in("viewer")
    number = add_account(app)
    assert viewer.get(f"/accounts/{number}/presence").status_code == 403


def test_the_edit_page_carries_the_poll_and_no_inline_script(app, two_editors):
    ann, _ = two_editors
    number = add_account(app)
    page = ann.get(f"/accounts/{number}/edit").get_data(as_text=True)
    assert "data-presence-url" in page and "js/presence.js" in page
    assert "<script>" not in page


def test_another_worker_sharing_the_cache_sees_the_editor(app, other_app, two_editors):
    ann, _ = two_editors
    number = add_account(app)
    ann.get(f"/accounts/{number}/edit")
    elsewhere = other_app.test_client()
    token = csrf_token(elsewhere)
    elsewhere.post(
        "/login", data={"email": "bob@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert elsewhere.get(f"/accounts/{number}/presence").get_json()["editors"] == [
        "ann@example.com"
    ]


def test_contact_edit_forms_show_presence_too(app, two_editors, signed_in):
    ann, bob = two_editors
    number = add_account(app)
    cid = add_contact(app, number, "zoe.kim@example.com")
    path = f"/accounts/{number}/contacts/{cid}"
    ann.get(f"{path}/edit")
    assert "Also editing: ann@example.com" in bob.get(f"{path}/edit").get_data(as_text=True)
    assert ann.get(f"{path}/presence").get_json()["editors"] == ["bob@example.com"]
    assert "data-presence-url" not in ann.get(f"/accounts/{number}/contacts/new").get_data(
        as_text=True
    )
    other = add_account(app, company_name="Other")
    assert ann.get(f"/accounts/{other}/contacts/{cid}/presence").status_code == 404
    assert signed_in("viewer").get(f"{path}/presence").status_code == 403
