"""Contact screens through HTTP: statuses, redirects, roles, CSRF, 422, 404 and the audit."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, post
from tests.contacts.helpers import account_id, add_account, add_contact, contacts, events


def form_data(**changes) -> dict:
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone_number": "",
        "save": "Save",
    }
    return {**data, **changes}


def base(number: str) -> str:
    return f"/accounts/{number}/contacts"


def test_list_shows_primary_first_and_searches_names_and_emails(app, signed_in):
    number = add_account(app)
    add_contact(app, number, "alan.turing@example.com")
    add_contact(app, number, "zoe.zed@example.com", is_primary=True)
    add_contact(app, number, "grace.hopper@navy.example")
    client = signed_in("viewer")
    page = client.get(f"{base(number)}/").get_data(as_text=True)
    assert page.index("zoe.zed@") < page.index("grace.hopper@") < page.index("alan.turing@")
    assert "3 contacts" in page
    found = client.get(f"{base(number)}/?q=NAVY").get_data(as_text=True)
    assert "grace.hopper@" in found and "alan.turing@" not in found
    found = client.get(f"{base(number)}/?q=alan+turing").get_data(as_text=True)
    assert "alan.turing@" in found and "zoe.zed@" not in found
    none = client.get(f"{base(number)}/?q=nobody").get_data(as_text=True)
    assert "No contact matches" in none


def test_list_is_paged_and_empty_state_says_what_to_do(app, signed_in):
    number = add_account(app)
    client = signed_in("editor")
    empty = client.get(f"{base(number)}/").get_data(as_text=True)
    assert "no contacts yet" in empty and "Add the first one" in empty
    for i in range(30):
        add_contact(app, number, f"person{i:02d}.x@example.com")
    first = client.get(f"{base(number)}/").get_data(as_text=True)
    second = client.get(f"{base(number)}/?page=2").get_data(as_text=True)
    assert first.count("mailto:") == 25 and second.count("mailto:") == 5
    assert "Page 1 of 2" in first and f'href="{base(number)}/?page=2"' in first
    assert client.get(f"{base(number)}/?page=abc").status_code == 200


def test_create_normalises_audits_and_follows_a_safe_next(app, signed_in):
    number = add_account(app, country="GBR")
    client = signed_in("editor")
    page = f"{base(number)}/new?next=/accounts/{number}"
    response = post(client, page, form_data(phone_number="020 7946 0018"), form_page=page)
    assert response.status_code == 303 and response.headers["Location"] == f"/accounts/{number}"
    stored = contacts(app, number)["ada@example.com"]
    assert stored["phone_number"] == "+442079460018" and stored["is_primary"] is False
    ((action, object_id, changes, owner),) = events(app)
    assert (action, object_id, owner) == (
        "contact.create",
        str(stored["id"]),
        account_id(app, number),
    )
    assert changes["email"] == [None, "ada@example.com"]
    assert changes["phone_number"] == [None, "+442079460018"]


def test_an_unsafe_next_goes_to_the_list(app, signed_in):
    number = add_account(app)
    client = signed_in("editor")
    page = f"{base(number)}/new?next=//evil.example/x"
    response = post(client, page, form_data(), form_page=page)
    assert response.status_code == 303 and response.headers["Location"] == f"{base(number)}/"


@pytest.mark.parametrize("duplicate", ["ada@example.com", "ADA@Example.COM"])
def test_a_duplicate_email_in_any_case_is_422_at_the_email_field(app, signed_in, duplicate):
    number = add_account(app)
    add_contact(app, number, "ada@example.com")
    client = signed_in("editor")
    page = f"{base(number)}/new"
    response = post(client, page, form_data(first_name="Kept", email=duplicate), form_page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in html and "already has a contact with this email" in html
    assert 'value="Kept"' in html and f'value="{duplicate}"' in html
    assert list(contacts(app, number)) == ["ada@example.com"] and events(app) == []


def test_losing_a_race_for_the_same_email_is_422_not_500(app, signed_in, monkeypatch):
    from webapp.accounts.models import AccountContact

    number = add_account(app)
    add_contact(app, number, "ada@example.com")
    # The other request's row lands between our check and our insert: the index refuses it.
    monkeypatch.setattr(AccountContact, "_check_email_free", lambda *args: None)
    client = signed_in("editor")
    page = f"{base(number)}/new"
    response = post(client, page, form_data(email="ADA@example.com"), form_page=page)
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert list(contacts(app, number)) == ["ada@example.com"]


def test_invalid_fields_are_422_with_a_message_at_each(app, signed_in):
    number = add_account(app)
    client = signed_in("editor")
    page = f"{base(number)}/new"
    response = post(
        client, page, form_data(first_name="", email="not-an-email", phone_number="12"), page
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("first_name", "email", "phone_number"):
        assert f'id="{field}-error"' in html, field
    assert 'value="Lovelace"' in html and contacts(app, number) == {}


def test_edit_stores_and_audits_only_what_changed(app, signed_in):
    number = add_account(app)
    ident = add_contact(app, number, "ada@example.com", first_name="Ada", last_name="Lovelace")
    client = signed_in("editor")
    page = f"{base(number)}/{ident}/edit"
    assert 'value="ada@example.com"' in client.get(page).get_data(as_text=True)
    response = post(client, page, form_data(phone_number="+1 212 555 0100", welcomed="y"), page)
    assert response.status_code == 303 and response.headers["Location"] == f"{base(number)}/"
    stored = contacts(app, number)["ada@example.com"]
    assert stored["phone_number"] == "+12125550100" and stored["welcomed"] is True
    assert events(app) == [
        (
            "contact.update",
            str(ident),
            {"phone_number": [None, "+12125550100"], "welcomed": [False, True]},
            account_id(app, number),
        )
    ]


def test_editing_onto_another_contacts_email_is_422(app, signed_in):
    number = add_account(app)
    add_contact(app, number, "ada@example.com")
    ident = add_contact(app, number, "grace@example.com", first_name="Grace")
    client = signed_in("editor")
    page = f"{base(number)}/{ident}/edit"
    response = post(client, page, form_data(first_name="Grace", email="Ada@EXAMPLE.com"), page)
    assert response.status_code == 422 and 'id="email-error"' in response.get_data(as_text=True)
    assert set(contacts(app, number)) == {"ada@example.com", "grace@example.com"}


def test_make_primary_clears_the_old_primary_and_audits_both(app, signed_in):
    number = add_account(app)
    old = add_contact(app, number, "ada@example.com", is_primary=True)
    new = add_contact(app, number, "grace@example.com")
    client = signed_in("editor")
    response = post(client, f"{base(number)}/{new}/make-primary", form_page=f"{base(number)}/")
    assert response.status_code == 303 and response.headers["Location"] == f"{base(number)}/"
    stored = contacts(app, number)
    assert stored["grace@example.com"]["is_primary"] is True
    assert stored["ada@example.com"]["is_primary"] is False
    owner = account_id(app, number)
    assert events(app) == [
        ("contact.update", str(old), {"is_primary": [True, False]}, owner),
        ("contact.make-primary", str(new), {"is_primary": [False, True]}, owner),
    ]
    again = post(client, f"{base(number)}/{new}/make-primary", form_page=f"{base(number)}/")
    assert again.status_code == 303 and len(events(app)) == 2


def test_a_new_primary_contact_from_the_form_takes_the_flag(app, signed_in):
    number = add_account(app)
    add_contact(app, number, "ada@example.com", is_primary=True)
    client = signed_in("admin")
    page = f"{base(number)}/new"
    post(client, page, form_data(email="grace@example.com", is_primary="y"), form_page=page)
    stored = contacts(app, number)
    assert stored["grace@example.com"]["is_primary"] and not stored["ada@example.com"]["is_primary"]
    assert [e[0] for e in events(app)] == ["contact.update", "contact.create"]


def test_delete_confirms_then_deletes_and_audits(app, signed_in):
    number = add_account(app)
    ident = add_contact(app, number, "ada@example.com", is_primary=True)
    client = signed_in("editor")
    page = f"{base(number)}/{ident}/delete"
    confirm = client.get(page)
    assert confirm.status_code == 200 and "Delete the contact" in confirm.get_data(as_text=True)
    response = post(client, page, form_page=page)
    assert response.status_code == 303 and contacts(app, number) == {}
    ((action, object_id, changes, _),) = events(app)
    assert (action, object_id) == ("contact.delete", str(ident))
    assert changes["email"] == ["ada@example.com", None]
    assert changes["is_primary"] == [True, None]
    history = client.get(f"/accounts/{number}/history").get_data(as_text=True)
    assert "contact.delete" in history


def test_viewer_reads_but_cannot_change(app, signed_in):
    number = add_account(app)
    ident = add_contact(app, number, "ada@example.com")
    client = signed_in("viewer")
    page = client.get(f"{base(number)}/").get_data(as_text=True)
    assert "ada@example.com" in page
    assert "Add contact" not in page and "Make primary" not in page and "Edit" not in page
    for path in ("/new", f"/{ident}/edit", f"/{ident}/delete"):
        assert client.get(f"{base(number)}{path}").status_code == 403, path
    for path in ("/new", f"/{ident}/edit", f"/{ident}/delete", f"/{ident}/make-primary"):
        response = post(client, f"{base(number)}{path}", form_data(email="x@example.com"))
        assert response.status_code == 403, path
    assert list(contacts(app, number)) == ["ada@example.com"] and events(app) == []


def test_posts_without_csrf_are_400(app, signed_in):
    number = add_account(app)
    ident = add_contact(app, number, "ada@example.com")
    client = signed_in("editor")
    csrf_token(client, f"{base(number)}/new")
    for path in ("/new", f"/{ident}/edit", f"/{ident}/delete", f"/{ident}/make-primary"):
        response = client.post(f"{base(number)}{path}", data=form_data(email="x@example.com"))
        assert response.status_code == 400, path
    assert list(contacts(app, number)) == ["ada@example.com"]


def test_unknown_accounts_and_contacts_are_404(app, signed_in):
    number = add_account(app)
    other = add_account(app, company_name="Other Co")
    theirs = add_contact(app, other, "theirs@example.com")
    client = signed_in("admin")
    for path in (
        f"{base('0000-0000-0000')}/",
        f"{base('0000-0000-000x')}/new",
        f"{base(number)}/999999/edit",
        f"{base(number)}/{theirs}/edit",
        f"{base(number)}/{theirs}/delete",
    ):
        assert client.get(path).status_code == 404, path
    for path in (f"/{theirs}/make-primary", f"/{theirs}/delete", f"/{theirs}/edit"):
        response = post(client, f"{base(number)}{path}", form_data(email="x@example.com"))
        assert response.status_code == 404, path
    assert contacts(app, other)["theirs@example.com"]["is_primary"] is False
    assert events(app) == []


def test_the_partial_links_back_to_the_page_that_includes_it(app):
    from flask import render_template

    from webapp.accounts.models import Account
    from webapp.contacts.services import contacts_page

    number = add_account(app)
    for i in range(12):
        add_contact(app, number, f"p{i:02d}.x@example.com")
    with app.test_request_context(f"/accounts/{number}?contacts_q=x"):
        account = Account.get_by_account_number(number)
        page = contacts_page(account, "x", 1, prefix="contacts_")
        html = render_template(
            "contacts/_table.html", account=account, contacts_page=page, can_edit=True
        )
    assert 'name="contacts_q"' in html and f'action="/accounts/{number}"' in html
    assert f'href="/accounts/{number}?contacts_q=x&amp;contacts_page=2"' in html
    assert f"make-primary?next=/accounts/{number}?contacts_q%3Dx" in html
    assert html.count("mailto:") == 10
