"""/api/v1/accounts: the table of SPEC section 7, status by status."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.accounts.test_views import form_data
from tests.conftest import csrf_token
from webapp.accounts.models import Account, DailyBillingRecord
from webapp.audit.models import AuditEvent
from webapp.extensions import db

PROBLEM = "application/problem+json"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Account.id)).all())


def test_create_answers_201_with_location_etag_and_every_field(api):
    response = api("POST", "/accounts", {"company_name": "Acme Corp", "tags": ["vip"]})
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/accounts/{body['account_number']}"
    assert response.headers["ETag"] == f'"{body["revision"]}"'
    expected = {
        "account_number",
        "revision",
        "created_at",
        "updated_at",
        "company_name",
        "name",
        "description",
        "version",
        "annotations",
        "tags",
        "phone_number",
        "address1",
        "address2",
        "city",
        "state",
        "postal_code",
        "country",
        "language",
        "timezone",
        "currency",
        "is_active",
        "is_default_account",
    }
    assert set(body) == expected
    assert body["name"] == "acmeCorp" and body["version"] == "1.0.0" and body["is_active"] is True
    assert body["created_at"].endswith("+00:00")


def test_create_with_a_chosen_number_and_blank_number(api):
    assert api.create(account_number="1234-5678-9012")["account_number"] == "1234-5678-9012"
    assert api.create(account_number="")["account_number"] != ""
    taken = api("POST", "/accounts", {"company_name": "B", "account_number": "1234-5678-9012"})
    assert "account_number" in problem(taken, 422)["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "company_name"),
        ({"company_name": ""}, "company_name"),
        ({"company_name": 5}, "company_name"),
        ({"company_name": "A", "is_active": "yes"}, "is_active"),
        ({"company_name": "A", "is_active": 1}, "is_active"),
        ({"company_name": "A", "tags": "vip"}, "tags"),
        ({"company_name": "A", "tags": ["a,b"]}, "tags"),
        ({"company_name": "A", "annotations": {"x": [1]}}, "annotations"),
        ({"company_name": "A", "annotations": []}, "annotations"),
        ({"company_name": "A", "country": "Narnia"}, "country"),
        ({"company_name": "A", "phone_number": "12"}, "phone_number"),
        ({"company_name": "A", "version": 1.0}, "version"),
        ({"company_name": "A", "account_number": "12"}, "account_number"),
        ({"company_name": "A", "nickname": "x"}, "nickname"),
        ({"company_name": "A", "revision": 3}, "revision"),
        ({"company_name": "A\x00"}, "company_name"),
    ],
)
def test_invalid_create_is_422_with_field_errors_and_nothing_written(app, api, body, field):
    body = problem(api("POST", "/accounts", body), 422)
    assert field in body["errors"]
    assert count(app) == 0


def test_body_must_be_a_json_object(app, api):
    client, headers = api.client, api.headers
    assert problem(
        client.post(
            "/api/v1/accounts", data="{", headers={**headers, "Content-Type": "application/json"}
        ),
        400,
    )
    assert problem(
        client.post(
            "/api/v1/accounts",
            data="company_name=A",
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
    )
    assert problem(api("POST", "/accounts", ["company_name"]), 422)
    assert count(app) == 0


def test_get_answers_200_with_etag_and_404_for_unknown_or_malformed(api):
    account = api.create()
    response = api("GET", f"/accounts/{account['account_number']}")
    assert response.status_code == 200 and response.get_json() == account
    assert response.headers["ETag"] == '"1"'
    problem(api("GET", "/accounts/0000-0000-0000"), 404)
    problem(api("GET", "/accounts/not-a-number"), 404)
    problem(api("GET", "/accounts/" + "9" * 80), 404)


def test_patch_needs_if_match(app, api):
    number = api.create()["account_number"]
    problem(api("PATCH", f"/accounts/{number}", {"city": "Paris"}), 428)
    problem(api("PATCH", f"/accounts/{number}", {"city": "Paris"}, if_match='"7"'), 412)
    response = api("PATCH", f"/accounts/{number}", {"city": "Paris"}, if_match='"1"')
    assert response.status_code == 200
    assert response.get_json()["city"] == "Paris" and response.headers["ETag"] == '"2"'
    stale = api("PATCH", f"/accounts/{number}", {"city": "Rome"}, if_match='"1"')
    problem(stale, 412)
    assert api("GET", f"/accounts/{number}").get_json()["city"] == "Paris"


def test_patch_merges_over_the_stored_values(api):
    account = api.create(tags=["vip"], annotations={"tier": "gold"}, city="Oslo")
    number = account["account_number"]
    response = api("PATCH", f"/accounts/{number}", {"country": "fr"}, if_match='"1"')
    body = response.get_json()
    assert body["country"] == "FRA" and body["city"] == "Oslo" and body["tags"] == ["vip"]
    assert body["annotations"] == {"tier": "gold"} and body["is_active"] is True


def test_patch_cannot_change_the_account_number(api):
    number = api.create()["account_number"]
    other = "1111-2222-3333" if number != "1111-2222-3333" else "1111-2222-4444"
    body = problem(
        api("PATCH", f"/accounts/{number}", {"account_number": other}, if_match='"1"'), 422
    )
    assert "account_number" in body["errors"]
    same = api("PATCH", f"/accounts/{number}", {"account_number": number}, if_match='"1"')
    assert same.status_code == 200


def test_invalid_patch_changes_nothing(api):
    number = api.create(city="Oslo")["account_number"]
    body = problem(api("PATCH", f"/accounts/{number}", {"city": "x" * 300}, if_match='"1"'), 422)
    assert "city" in body["errors"]
    problem(api("PATCH", f"/accounts/{number}", {"colour": "red"}, if_match='"1"'), 422)
    assert api("GET", f"/accounts/{number}").get_json()["revision"] == 1


def test_patch_of_flags_moves_the_default(api):
    first = api.create(is_default_account=True)["account_number"]
    second = api.create()["account_number"]
    api("PATCH", f"/accounts/{second}", {"is_default_account": True}, if_match='"1"')
    assert api("GET", f"/accounts/{second}").get_json()["is_default_account"] is True
    assert api("GET", f"/accounts/{first}").get_json()["is_default_account"] is False


def test_delete_needs_if_match_answers_204_and_refuses_while_billing_exists(app, api):
    number = api.create()["account_number"]
    problem(api("DELETE", f"/accounts/{number}"), 428)
    problem(api("DELETE", f"/accounts/{number}", if_match='"9"'), 412)
    response = api("DELETE", f"/accounts/{number}", if_match='"1"')
    assert response.status_code == 204 and response.data == b""
    problem(api("GET", f"/accounts/{number}"), 404)
    billed = api.create()["account_number"]
    with app.app_context():
        account = Account.get_by_account_number(billed)
        db.session.add(
            DailyBillingRecord(
                account=account,
                provider="p",
                charge_type="completion",
                date=__import__("datetime").date(2026, 1, 1),
            )
        )
        db.session.commit()
    problem(api("DELETE", f"/accounts/{billed}", if_match='"1"'), 409)
    assert api("GET", f"/accounts/{billed}").status_code == 200


def test_unknown_routes_and_methods_are_problems_but_pages_keep_their_html(api, signed_in):
    problem(api("GET", "/nothing-here"), 404)
    response = api("PUT", "/accounts")
    problem(response, 405)
    assert "POST" in response.headers["Allow"]
    page = signed_in("admin", "a2@example.com").get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_audit_names_the_token(app, api):
    number = api.create()["account_number"]
    api("PATCH", f"/accounts/{number}", {"city": "Paris"}, if_match='"1"')
    prefix = api.headers["Authorization"].split()[1][:11]
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("account.%")))
        actors = {(e.action, e.actor) for e in events}
    label = f"api-admin@example.com via token {prefix}"
    assert actors == {("account.create", label), ("account.update", label)}


COMPARED = (
    "company_name",
    "name",
    "description",
    "version",
    "annotations",
    "tags",
    "phone_number",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "language",
    "timezone",
    "currency",
    "is_active",
    "is_default_account",
    "revision",
)


def test_an_api_account_equals_a_form_account(app, api, signed_in):
    fields = {
        "company_name": "Globex Ltd",
        "description": "Big",
        "version": "2.1.0",
        "phone_number": "+1 212 555 0100",
        "address1": "1 Main St",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "gb",
        "language": "EN-us",
        "timezone": "Europe/London",
        "currency": "eur",
    }
    via_api = api.create(**fields, tags=["beta", "vip"], annotations={"tier": "gold", "n": 3})
    browser = signed_in("editor")
    data = form_data(**fields, tags="vip, beta", annotations='{"tier": "gold", "n": 3}')
    token = csrf_token(browser, "/accounts/new")
    assert browser.post("/accounts/new", data={**data, "csrf_token": token}).status_code == 303
    with app.app_context():
        accounts = {a.account_number: a for a in db.session.scalars(select(Account))}
        form_account = next(a for n, a in accounts.items() if n != via_api["account_number"])
        api_account = accounts[via_api["account_number"]]
        for name in COMPARED:
            assert getattr(api_account, name) == getattr(form_account, name), name
        changes = {
            e.changes.keys().__len__()
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "account.create")
            )
        }
    assert len(changes) == 1  # both audited with the same fields


def test_a_server_error_is_a_problem_too(app, api, monkeypatch):
    from webapp.accounts import services

    def broken(number: str):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "account_or_404", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    body = problem(api("GET", "/accounts/1234-5678-9012"), 500)
    assert "boom" not in body["detail"]
