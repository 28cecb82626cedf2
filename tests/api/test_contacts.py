"""/api/v1/accounts/<number>/contacts: the same rules as the accounts (content-hash ETags)."""

from __future__ import annotations

from sqlalchemy import select

from tests.api.test_accounts import problem
from webapp.audit.models import AuditEvent
from webapp.extensions import db

ADA = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}


def test_contacts_create_list_read_patch_delete(app, api):
    number = api.create(country="GBR")["account_number"]
    base = f"/accounts/{number}/contacts"
    created = api("POST", base, {**ADA, "phone_number": "020 7946 0018", "is_primary": True})
    assert created.status_code == 201
    contact = created.get_json()
    assert contact["phone_number"] == "+442079460018" and contact["is_primary"] is True
    path = created.headers["Location"]
    assert path == f"/api/v1{base}/{contact['id']}"
    etag = created.headers["ETag"]
    assert api("GET", base).get_json() == {"items": [contact], "next_cursor": None}
    assert api("GET", f"{base}/{contact['id']}").headers["ETag"] == etag
    problem(api("PATCH", f"{base}/{contact['id']}", {"last_name": "King"}), 428)
    changed = api("PATCH", f"{base}/{contact['id']}", {"last_name": "King"}, if_match=etag)
    assert changed.status_code == 200 and changed.get_json()["last_name"] == "King"
    assert changed.headers["ETag"] != etag
    problem(api("PATCH", f"{base}/{contact['id']}", {"last_name": "X"}, if_match=etag), 412)
    problem(api("DELETE", f"{base}/{contact['id']}", if_match=etag), 412)
    gone = api("DELETE", f"{base}/{contact['id']}", if_match=changed.headers["ETag"])
    assert gone.status_code == 204
    problem(api("GET", f"{base}/{contact['id']}"), 404)
    with app.app_context():
        actors = set(
            db.session.scalars(select(AuditEvent.actor).where(AuditEvent.action.like("contact.%")))
        )
    assert len(actors) == 1 and " via token aa_" in actors.pop()


def test_contact_rules_are_the_forms(api):
    number = api.create()["account_number"]
    base = f"/accounts/{number}/contacts"
    assert "email" in problem(api("POST", base, {**ADA, "email": "nope"}), 422)["errors"]
    assert "first_name" in problem(api("POST", base, {**ADA, "first_name": 1}), 422)["errors"]
    assert "extra" in problem(api("POST", base, {**ADA, "extra": 1}), 422)["errors"]
    assert (
        "last_name"
        in problem(api("POST", base, {"first_name": "A", "email": "a@b.co"}), 422)["errors"]
    )
    assert api("POST", base, ADA).status_code == 201
    assert "email" in problem(api("POST", base, {**ADA, "email": "ADA@example.com"}), 422)["errors"]


def test_out_of_range_and_foreign_ids_are_404(api):
    first = api.create()["account_number"]
    second = api.create()["account_number"]
    contact = api("POST", f"/accounts/{first}/contacts", ADA).get_json()
    for path in (
        f"/accounts/{first}/contacts/{2**70}",
        f"/accounts/{first}/contacts/{2**31}",
        f"/accounts/{first}/contacts/-1",
        f"/accounts/{first}/contacts/0",
        f"/accounts/{second}/contacts/{contact['id']}",
        "/accounts/0000-0000-0000/contacts",
    ):
        problem(api("GET", path), 404)
        if not path.endswith("/contacts"):
            problem(api("DELETE", path, if_match='"x"'), 404)


def test_contact_pages_walk_every_contact_once(api):
    number = api.create()["account_number"]
    base = f"/accounts/{number}/contacts"
    made = [
        api("POST", base, {**ADA, "email": f"c{i}@example.com"}).get_json()["id"] for i in range(7)
    ]
    seen, cursor = [], None
    while True:
        page = api("GET", f"{base}?limit=3" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made
    for query in ("limit=0", "limit=101", "cursor=abc", "cursor=WzEwMDAwMDAwMDAwMDAwXQ=="):
        assert "errors" in problem(api("GET", f"{base}?{query}"), 422)
