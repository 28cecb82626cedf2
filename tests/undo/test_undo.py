"""Undo through HTTP: each action restored exactly and audited; refused when stale, late or not
yours."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import post
from tests.contacts.helpers import add_account, add_contact, contacts
from webapp.accounts.models import Account
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.undo import services as undo_services

OFFER = re.compile(
    r'<form class="[^"]*undo-offer[^"]*" method="post"\s+action="(/undo/(\d+))"(.*?)</form>', re.S
)
HIDDEN = re.compile(
    r'name="(csrf_token|write_key|next)"[^>]*value="([^"]*)"'
    r'|value="([^"]*)"[^>]*name="(csrf_token|write_key|next)"'
)


def offer(client, page: str) -> tuple[str, int, dict]:
    """The Undo form on ``page``: its action, the event it names and its hidden fields."""
    html = client.get(page).get_data(as_text=True)
    match = OFFER.search(html)
    assert match, f"no undo offer on {page}"
    fields = {}
    for m in HIDDEN.finditer(match.group(3)):
        name, value = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        fields[name] = value
    return match.group(1), int(match.group(2)), fields


def state(app, number: str) -> tuple[bool, bool, int]:
    with app.app_context():
        db.session.expunge_all()
        a = Account.get_by_account_number(number)
        return a.is_active, a.is_default_account, a.revision


def audit_rows(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        return [(e.object_id, e.undo_of, e.changes, e.actor) for e in rows]


def test_deactivate_then_undo_restores_it_audited_as_undo_of_the_event(app, signed_in):
    client = signed_in("editor")
    number = add_account(app)
    response = post(client, f"/accounts/{number}/deactivate")
    assert response.status_code == 303
    path, event_id, fields = offer(client, response.headers["Location"])
    assert state(app, number)[0] is False
    response = client.post(path, data=fields)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{number}"
    assert state(app, number)[0] is True
    [(_, undo_of, changes, actor)] = audit_rows(app, "account.undo")
    assert (undo_of, actor) == (event_id, "editor@example.com")
    assert changes == {"is_active": [False, True]}
    page = client.get(f"/accounts/{number}/history").get_data(as_text=True)
    assert f"undo of event {event_id}" in page


def test_the_same_undo_sent_twice_writes_once(app, signed_in):
    client = signed_in("editor")
    number = add_account(app)
    location = post(client, f"/accounts/{number}/deactivate").headers["Location"]
    path, _, fields = offer(client, location)
    assert client.post(path, data=fields).status_code == 303
    assert client.post(path, data=fields).status_code == 303
    assert len(audit_rows(app, "account.undo")) == 1


def test_make_default_undo_restores_both_accounts(app, signed_in):
    client = signed_in("editor")
    old, new = add_account(app, is_default_account=True), add_account(app, company_name="Beta")
    location = post(client, f"/accounts/{new}/make-default").headers["Location"]
    assert (state(app, old)[1], state(app, new)[1]) == (False, True)
    path, _, fields = offer(client, location)
    assert client.post(path, data=fields).status_code == 303
    assert (state(app, old)[1], state(app, new)[1]) == (True, False)
    assert len(audit_rows(app, "account.undo")) == 2


def test_bulk_undo_restores_every_account_of_the_batch(app, signed_in):
    client = signed_in("editor")
    a, b = add_account(app, company_name="A"), add_account(app, company_name="B")
    idle = add_account(app, company_name="Idle", is_active=False)
    data = {"action": "deactivate", "value": "", "selected": [a, b, idle]}
    location = post(client, "/accounts/bulk/apply", data).headers["Location"]
    assert [state(app, n)[0] for n in (a, b, idle)] == [False, False, False]
    path, _, fields = offer(client, location)
    assert client.post(path, data=fields).status_code == 303
    assert [state(app, n)[0] for n in (a, b, idle)] == [True, True, False]
    assert len(audit_rows(app, "account.undo")) == 2


def test_bulk_tag_undo_restores_the_tags(app, signed_in):
    client = signed_in("editor")
    with app.app_context():
        account = Account(company_name="Tagged")
        account.tags = {"old"}
        number = account.save().account_number
    data = {"action": "add-tag", "value": "vip", "selected": [number]}
    location = post(client, "/accounts/bulk/apply", data).headers["Location"]
    path, _, fields = offer(client, location)
    assert client.post(path, data=fields).status_code == 303
    with app.app_context():
        assert sorted(Account.get_by_account_number(number).tags) == ["old"]


def test_contact_delete_undo_brings_it_back_with_the_same_fields(app, signed_in):
    client = signed_in("editor")
    number = add_account(app)
    cid = add_contact(app, number, "ann.lee@example.com", is_primary=True, phone_number="")
    before = contacts(app, number)["ann.lee@example.com"]
    path = f"/accounts/{number}/contacts/{cid}/delete"
    response = post(client, path, form_page=path)
    assert response.status_code == 303
    assert contacts(app, number) == {}
    undo_path, _, fields = offer(client, response.headers["Location"])
    assert client.post(undo_path, data=fields).status_code == 303
    after = contacts(app, number)["ann.lee@example.com"]
    assert {k: v for k, v in after.items() if k != "id"} == {
        k: v for k, v in before.items() if k != "id"
    }
    assert audit_rows(app, "contact.undo")


def test_changed_in_between_is_409_naming_the_field_and_writes_nothing(app, signed_in):
    editor, other = signed_in("editor"), signed_in("editor", "bob@example.com")
    a, b = add_account(app, company_name="A"), add_account(app, company_name="B")
    data = {"action": "deactivate", "value": "", "selected": [a, b]}
    location = post(editor, "/accounts/bulk/apply", data).headers["Location"]
    path, _, fields = offer(editor, location)
    assert post(other, f"/accounts/{b}/activate").status_code == 303
    response = editor.post(path, data=fields)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "is_active" in page and "bob@example.com" in page and b in page
    assert [state(app, n)[0] for n in (a, b)] == [False, True]  # a is not restored either
    assert audit_rows(app, "account.undo") == []


def test_refused_after_30_seconds(app, signed_in, monkeypatch):
    client = signed_in("editor")
    number = add_account(app)
    location = post(client, f"/accounts/{number}/deactivate").headers["Location"]
    path, _, fields = offer(client, location)
    later = undo_services.utcnow() + timedelta(seconds=31)
    monkeypatch.setattr(undo_services, "utcnow", lambda: later)
    response = client.post(path, data=fields)
    assert response.status_code == 410
    assert "30 seconds" in response.get_data(as_text=True)
    assert state(app, number)[0] is False


def test_another_user_cannot_undo(app, signed_in):
    editor, other = signed_in("editor"), signed_in("admin")
    number = add_account(app)
    location = post(editor, f"/accounts/{number}/deactivate").headers["Location"]
    path, _, fields = offer(editor, location)
    response = post(other, path, {"next": fields["next"]})
    assert response.status_code == 403
    assert state(app, number)[0] is False


def test_without_csrf_is_400(app, signed_in):
    client = signed_in("editor")
    number = add_account(app)
    location = post(client, f"/accounts/{number}/deactivate").headers["Location"]
    path, _, fields = offer(client, location)
    response = client.post(path, data={**fields, "csrf_token": "bad"})
    assert response.status_code == 400
    assert state(app, number)[0] is False


@pytest.mark.parametrize("target", ["/undo/999999", "login"])
def test_unknown_or_not_undoable_event_is_404(app, signed_in, target):
    client = signed_in("editor")
    if target == "login":
        with app.app_context():
            target = f"/undo/{db.session.scalar(select(func.max(AuditEvent.id)))}"
    assert post(client, target).status_code == 404


def test_a_failing_row_rolls_back_the_whole_undo(app, signed_in, monkeypatch):
    client = signed_in("editor")
    a, b = add_account(app, company_name="A"), add_account(app, company_name="B")
    data = {"action": "deactivate", "value": "", "selected": [a, b]}
    location = post(client, "/accounts/bulk/apply", data).headers["Location"]
    path, _, fields = offer(client, location)
    real, calls = undo_services._restore_account, []

    def fail_second(event, account, by, lead):
        calls.append(event.id)
        if len(calls) == 2:
            from webapp.errors import ValidationError

            raise ValidationError("is_active", "boom")
        real(event, account, by, lead)

    monkeypatch.setattr(undo_services, "_restore_account", fail_second)
    assert client.post(path, data=fields).status_code == 409
    assert [state(app, n)[0] for n in (a, b)] == [False, False]
    assert audit_rows(app, "account.undo") == []


def test_a_second_undo_with_a_fresh_form_is_409_already_undone(app, signed_in):
    client = signed_in("editor")
    number = add_account(app)
    location = post(client, f"/accounts/{number}/deactivate").headers["Location"]
    path, event_id, fields = offer(client, location)
    assert client.post(path, data=fields).status_code == 303
    response = post(client, path, {"next": fields["next"]})
    assert response.status_code == 409
    assert f"Event {event_id} was already undone" in response.get_data(as_text=True)


def test_no_offer_when_nothing_changed(app, signed_in):
    client = signed_in("editor")
    number = add_account(app, is_active=False)
    location = post(client, f"/accounts/{number}/deactivate").headers["Location"]
    assert "undo-offer" not in client.get(location).get_data(as_text=True)
