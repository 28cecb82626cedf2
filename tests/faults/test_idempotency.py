"""A form sent twice (back button, double click, retry) is saved once and answered as the first."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select, update

from tests.accounts.test_views import add_accounts, form_data
from tests.conftest import csrf_token, login
from tests.faults.helpers import form_fields, form_fields_of
from webapp.accounts.models import Account, AccountContact, UserProfile
from webapp.audit.models import AuditEvent
from webapp.core.idempotency import WriteKey, purge
from webapp.core.types import utcnow
from webapp.extensions import db


def _count(app: Flask, model: type, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _audits(app: Flask, action: str) -> int:
    return _count(app, AuditEvent, AuditEvent.action == action)


def _new_account(client, **fields) -> dict[str, str]:
    return {**form_fields(client, "/accounts/new"), "company_name": "Acme Corp", **fields}


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


def test_the_same_create_sent_twice_saves_once_with_the_same_answer(app, signed_in):
    client = signed_in("editor")
    data = _new_account(client)
    first = client.post("/accounts/new", data=data)
    first_flash = _flashes(client)
    client.get(first.headers["Location"])  # shows and clears the flash
    second = client.post("/accounts/new", data=data)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert _flashes(client) == first_flash and first_flash[0].startswith("Created account")
    assert _count(app, Account) == 1 and _audits(app, "account.create") == 1


def test_a_post_without_a_key_works_as_before(app, signed_in):
    client = signed_in("editor")
    data = _new_account(client)
    del data["write_key"]
    assert client.post("/accounts/new", data=data).status_code == 303
    assert client.post("/accounts/new", data=data).status_code == 303
    assert _count(app, Account) == 2


def test_two_copies_sent_at_once_by_one_user_save_once(app, make_user):
    """Two sessions of the same user race the same form: one account, one audit row."""
    make_user("editor@example.com", "editor")
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        assert login(client, "editor@example.com").status_code == 303
    key = _new_account(clients[0])["write_key"]
    sent = [{**_new_account(client), "write_key": key} for client in clients]  # own CSRF each
    start = threading.Barrier(2, timeout=30)

    def send(client, data) -> tuple[int, str]:
        start.wait()
        response = client.post("/accounts/new", data=data)
        return response.status_code, response.headers.get("Location", "")

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(send, clients, sent))
    assert answers[0] == answers[1] and answers[0][0] == 303
    assert _count(app, Account) == 1 and _audits(app, "account.create") == 1


def test_an_edit_sent_again_after_its_save_is_303_not_409(app, signed_in):
    (number,) = add_accounts(app, "Acme Corp")
    client = signed_in("editor")
    page = client.get(f"/accounts/{number}/edit").get_data(as_text=True)
    hidden = dict(re.findall(r'name="(csrf_token|write_key|revision)"[^>]*?value="([^"]*)"', page))
    data = form_data(company_name="Acme Labs", **hidden)
    first = client.post(f"/accounts/{number}/edit", data=data)
    second = client.post(f"/accounts/{number}/edit", data=data)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"] == f"/accounts/{number}"
    assert _audits(app, "account.update") == 1


def test_a_state_action_sent_again_changes_nothing_more(app, signed_in):
    (number,) = add_accounts(app, "Acme Corp")
    client = signed_in("editor")
    action = f"/accounts/{number}/deactivate"
    data = form_fields(client, f"/accounts/{number}", action=action)
    assert client.post(action, data=data).status_code == 303
    with app.app_context():  # someone else reactivates it meanwhile
        db.session.execute(update(Account).values(is_active=True))
        db.session.commit()
    again = client.post(action, data=data)
    assert again.status_code == 303 and again.headers["Location"] == f"/accounts/{number}"
    assert _count(app, Account, Account.is_active.is_(True)) == 1
    assert _audits(app, "account.deactivate") == 1


def test_a_contact_add_sent_again_adds_one_contact(app, signed_in):
    (number,) = add_accounts(app, "Acme Corp")
    client = signed_in("editor")
    path = f"/accounts/{number}/contacts/new"
    data = {
        **form_fields(client, path),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
    }
    first, second = client.post(path, data=data), client.post(path, data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app, AccountContact) == 1


def test_an_invalid_post_then_the_corrected_one_with_the_same_key_saves_once(app, signed_in):
    client = signed_in("editor")
    data = _new_account(client, company_name="")
    refused = client.post("/accounts/new", data=data)
    assert refused.status_code == 422
    assert f'value="{data["write_key"]}"' in refused.get_data(as_text=True)  # kept for the fix
    data["company_name"] = "Acme Corp"
    assert client.post("/accounts/new", data=data).status_code == 303
    assert client.post("/accounts/new", data=data).status_code == 303
    assert _count(app, Account) == 1


def test_another_users_key_is_refused(app, signed_in):
    alice = signed_in("editor", "alice@example.com")
    data = _new_account(alice)
    assert alice.post("/accounts/new", data=data).status_code == 303
    bob = signed_in("editor", "bob@example.com")
    data["csrf_token"] = form_fields(bob, "/accounts/new")["csrf_token"]
    assert bob.post("/accounts/new", data=data).status_code == 422
    assert _count(app, Account) == 1


def test_keys_older_than_a_day_are_purged(app, signed_in, runner):
    client = signed_in("editor")
    old = [_new_account(client, company_name=name) for name in ("Acme", "Beta")]
    for data in [*old, _new_account(client, company_name="Gamma")]:
        assert client.post("/accounts/new", data=data).status_code == 303
    with app.app_context():  # no write runs after this, so only the command can purge
        day_ago = utcnow() - timedelta(hours=25)
        aged = update(WriteKey).where(WriteKey.key.in_([data["write_key"] for data in old]))
        db.session.execute(aged.values(created_at=day_ago))
        db.session.commit()
    result = runner.invoke(args=["purge-write-keys"])
    assert "2 expired form keys deleted" in result.output
    with app.app_context():
        assert purge() == 0 and _count(app, WriteKey) == 1


def test_a_bulk_apply_sent_again_changes_each_account_once(app, signed_in):
    a, b = add_accounts(app, "Acme Corp", "Beta Labs")
    client = signed_in("editor")
    choice = {
        "action": "add-tag",
        "value": "vip",
        "selected": [a, b],
        "csrf_token": csrf_token(client),
    }
    preview = client.post("/accounts/bulk/preview", data=choice)
    data = {**choice, **form_fields_of(preview.get_data(as_text=True), "/accounts/bulk/apply")}
    first = client.post("/accounts/bulk/apply", data=data)
    events = _count(app, AuditEvent)
    second = client.post("/accounts/bulk/apply", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app, AuditEvent) == events >= 2


def test_a_member_added_twice_is_added_once_without_an_error(app, signed_in):
    (number,) = add_accounts(app, "Acme Corp")
    client = signed_in("editor")
    path = f"/accounts/{number}/members/new"
    data = {**form_fields(client, path), "email": "new@example.com", "role": "admin", "invite": "y"}
    first, second = client.post(path, data=data), client.post(path, data=data)
    assert first.status_code == second.status_code == 303  # not 422 "already a member"
    assert _count(app, UserProfile) == 1


def test_a_damaged_key_is_refused_at_the_form(app, signed_in):
    client = signed_in("editor")
    response = client.post("/accounts/new", data=_new_account(client, write_key="bad key!"))
    assert response.status_code == 422
    assert "This form is damaged; reload the page." in response.get_data(as_text=True)
    assert _count(app, Account) == 0


def test_a_delete_sent_again_answers_as_the_first_not_404(app, signed_in):
    (number,) = add_accounts(app, "Acme Corp")
    client = signed_in("admin")
    data = form_fields(client, f"/accounts/{number}/delete")
    first = client.post(f"/accounts/{number}/delete", data=data)
    client.get(first.headers["Location"])
    second = client.post(f"/accounts/{number}/delete", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _flashes(client) == [f"Deleted account {number}."]
    assert _count(app, Account) == 0 and _audits(app, "account.delete") == 1
    del data["write_key"]  # without a key, a deleted account is simply not found
    assert client.post(f"/accounts/{number}/delete", data=data).status_code == 404
