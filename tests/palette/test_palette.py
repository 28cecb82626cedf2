"""The palette's endpoint and its page without JavaScript: accounts, pages, actions by role."""

from __future__ import annotations

import pytest

from webapp.accounts.models import Account, AccountContact
from webapp.extensions import db


@pytest.fixture
def accounts(app):
    with app.app_context():
        acme = Account.create(company_name="Acme Harbour Ltd", city="Brest")
        Account.create(company_name="Globex Corporation", city="Springfield")
        db.session.add(
            AccountContact(
                account=acme,
                first_name="Ann",
                last_name="Lee",
                email="ann.lee@acme-harbour.example",
            )
        )
        db.session.commit()
        return acme.account_number


def palette(client, q: str) -> dict:
    response = client.get("/search/palette", query_string={"q": q})
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def labels(body: dict, kind: str) -> list[str]:
    return [hit["label"] for hit in body["results"] if hit["kind"] == kind]


def test_exact_account_number_jumps(accounts, signed_in):
    client = signed_in("viewer")
    body = palette(client, f" {accounts} ")
    assert body["jump"] == f"/accounts/{accounts}"
    assert body["results"][0] == {
        "kind": "account",
        "label": "Acme Harbour Ltd",
        "detail": f"{accounts} · Brest, USA",
        "url": f"/accounts/{accounts}",
    }
    page = client.get("/search", query_string={"q": accounts})
    assert page.status_code == 302 and page.headers["Location"] == f"/accounts/{accounts}"


def test_company_name_and_contact_email_find_the_account(accounts, signed_in):
    client = signed_in("viewer")
    assert labels(palette(client, "harb"), "account") == ["Acme Harbour Ltd"]
    assert labels(palette(client, "GLOBEX corp"), "account") == ["Globex Corporation"]
    body = palette(client, "ann.lee@acme-harbour.example")
    assert labels(body, "account") == ["Acme Harbour Ltd"] and body["jump"] is None
    assert labels(palette(client, accounts[:9]), "account") == ["Acme Harbour Ltd"]


def test_short_words_offer_pages_only(accounts, signed_in):
    body = palette(signed_in("viewer"), "ac")
    assert labels(body, "account") == [] and "Accounts" in labels(body, "page")


def test_page_names_by_role(signed_in):
    viewer = signed_in("viewer")
    assert labels(palette(viewer, "reports"), "page") == ["Reports"]
    assert labels(palette(viewer, "audit"), "page") == ["Audit"]
    assert labels(palette(viewer, "staff"), "page") == []
    admin = signed_in("admin")
    assert [h["url"] for h in palette(admin, "Staff")["results"]][0] == "/staff/"
    assert {"Accounts", "Reports", "Audit", "Staff"} <= set(labels(palette(admin, ""), "page"))


def test_pages_in_german_are_found_by_either_language(signed_in):
    viewer = signed_in("viewer")
    german = {"Accept-Language": "de"}
    for q in ("reports", "berichte"):
        response = viewer.get("/search/palette", query_string={"q": q}, headers=german)
        hits = [h for h in response.get_json()["results"] if h["kind"] == "page"]
        assert [(h["label"], h["detail"], h["url"]) for h in hits] == [
            ("Berichte", "Seite", "/reports/billing")
        ]


def test_actions_by_role(signed_in):
    assert "New account" not in labels(palette(signed_in("viewer"), "new account"), "action")
    body = palette(signed_in("editor"), "new account")
    hit = next(h for h in body["results"] if h["label"] == "New account")
    assert hit == {
        "kind": "action",
        "label": "New account",
        "detail": "Action",
        "url": "/accounts/new",
    }


def test_anonymous_goes_to_login(client):
    for path in ("/search/palette?q=acme", "/search?q=acme"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_search_page_without_javascript(accounts, signed_in):
    client = signed_in("editor")
    home = client.get("/accounts/").get_data(as_text=True)
    assert 'action="/search"' in home and 'src="/static/js/palette.js"' in home
    page = client.get("/search", query_string={"q": "acme"}).get_data(as_text=True)
    assert f'href="/accounts/{accounts}">Acme Harbour Ltd</a>' in page
    assert "Keyboard shortcuts" in page
    assert 'href="/accounts/new">New account</a>' in client.get("/search?q=new").get_data(
        as_text=True
    )


def test_endpoint_reads_few_statements(accounts, app, signed_in):
    from tests.conftest import statements_of

    client = signed_in("viewer")
    client.get("/search/palette?q=acme")
    _, statements = statements_of(app, lambda: client.get("/search/palette?q=acme"))
    assert len([s for s in statements if "account" in s.lower()]) == 1
