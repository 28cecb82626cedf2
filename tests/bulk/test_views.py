"""Bulk actions through HTTP: preview, apply, audit, the bound, roles, CSRF, 422."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import post
from webapp.accounts.models import Account
from webapp.audit.models import AuditEvent
from webapp.bulk import services
from webapp.extensions import db


def add(app, name: str, tags: tuple[str, ...] = (), **fields) -> str:
    with app.app_context():
        account = Account(company_name=name, **fields)
        account.tags = set(tags)
        return account.save().account_number


def values(app, *numbers: str, field: str = "is_active") -> list:
    with app.app_context():
        db.session.expunge_all()
        found = [Account.get_by_account_number(n) for n in numbers]
        return [sorted(a.tags) if field == "tags" else getattr(a, field) for a in found]


def bulk_events(app) -> list[tuple[str, str, str, dict]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.object_id, AuditEvent.changes)
            .where(AuditEvent.action.like("account.bulk-%"))
            .order_by(AuditEvent.id)
        )
        return [tuple(r) for r in rows]


def account_id(app, number: str) -> str:
    with app.app_context():
        return str(Account.get_by_account_number(number).id)


def form(action: str, *numbers: str, value: str = "", **extra) -> dict:
    return {"action": action, "value": value, "selected": list(numbers), **extra}


def test_preview_lists_each_row_old_to_new_and_changes_nothing(app, signed_in):
    a, b = add(app, "Acme Corp"), add(app, "Beta Labs")
    idle = add(app, "Idle Inc", is_active=False)
    client = signed_in("editor")
    response = post(client, "/accounts/bulk/preview", form("deactivate", a, b, idle))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert a in page and b in page and "Acme Corp" in page
    listed = page.split("<tbody>")[1].split("</tbody>")[0]
    assert idle not in listed  # unchanged rows are counted, not listed
    assert "<strong>2</strong> accounts will change" in page
    assert "<strong>1</strong> is already in that state" in page
    assert "active</td>" in page and "inactive</td>" in page
    assert 'action="/accounts/bulk/apply"' in page and page.count('name="selected"') == 3 * 2
    assert values(app, a, b, idle) == [True, True, False]
    assert bulk_events(app) == []


def test_apply_changes_exactly_the_rows_with_one_event_each(app, signed_in):
    a, b, c = add(app, "Acme Corp"), add(app, "Beta Labs"), add(app, "Gamma Co")
    idle = add(app, "Idle Inc", is_active=False)
    client = signed_in("editor")
    state = "q=co&sort=-city&per_page=50"
    response = post(
        client, "/accounts/bulk/apply", form("deactivate", a, b, idle, list_query=state)
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/accounts/?q=co&sort=-city&per_page=50"
    assert values(app, a, b, c, idle) == [False, False, True, False]
    assert sorted(bulk_events(app), key=lambda e: e[2]) == [
        (
            "account.bulk-deactivate",
            "editor@example.com",
            account_id(app, n),
            {"is_active": [True, False]},
        )
        for n in sorted((a, b), key=lambda n: account_id(app, n))
    ]
    assert "2 changed, 1 unchanged." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        history = client.get(f"/accounts/{a}/history").get_data(as_text=True)
    assert "account.bulk-deactivate" in history


@pytest.mark.parametrize(
    ("action", "field", "typed", "stored"),
    [
        ("set-country", "country", "fr", "FRA"),
        ("set-currency", "currency", "eur", "EUR"),
        ("set-timezone", "timezone", "europe/paris", "Europe/Paris"),
        ("set-language", "language", "en-us", "en-US"),
    ],
)
def test_set_a_field_normalised_by_the_account_rules(app, signed_in, action, field, typed, stored):
    a = add(app, "Acme Corp")
    same = add(app, "Same Co", **{field: stored})
    client = signed_in("editor")
    preview = post(client, "/accounts/bulk/preview", form(action, a, same, value=typed))
    assert preview.status_code == 200 and f"{stored}</td>" in preview.get_data(as_text=True)
    response = post(client, "/accounts/bulk/apply", form(action, a, same, value=typed))
    assert response.status_code == 303
    assert values(app, a, same, field=field) == [stored, stored]
    [(name, _, _, changes)] = bulk_events(app)
    old = {"country": "USA", "currency": "USD", "timezone": "UTC", "language": "en"}[field]
    assert name == f"account.bulk-{action}" and changes == {field: [old, stored]}


def test_add_and_remove_a_tag(app, signed_in):
    a = add(app, "Acme Corp", tags=("beta",))
    b = add(app, "Beta Labs", tags=("vip",))
    client = signed_in("editor")
    assert (
        post(client, "/accounts/bulk/apply", form("add-tag", a, b, value=" VIP ")).status_code
        == 303
    )
    assert values(app, a, b, field="tags") == [["beta", "vip"], ["vip"]]
    assert bulk_events(app)[-1][3] == {"tags": [["beta"], ["beta", "vip"]]}
    assert (
        post(client, "/accounts/bulk/apply", form("remove-tag", a, b, value="vip")).status_code
        == 303
    )
    assert values(app, a, b, field="tags") == [["beta"], []]
    assert [e[3] for e in bulk_events(app)[1:]] == [
        {"tags": [["beta", "vip"], ["beta"]]},
        {"tags": [["vip"], []]},
    ]


@pytest.mark.parametrize(
    ("action", "value", "message"),
    [
        ("set-country", "Narnia", "ISO 3166-1"),
        ("set-timezone", "Mars/Base", "IANA time zone"),
        ("set-currency", "", "Enter a currency code"),
        ("add-tag", " , ", "Enter a tag"),
        ("add-tag", "no<tags>", "Tags are up to"),
    ],
)
def test_invalid_value_is_422_with_the_input_kept(app, signed_in, action, value, message):
    a = add(app, "Acme Corp")
    client = signed_in("editor")
    for path in ("/accounts/bulk/preview", "/accounts/bulk/apply"):
        response = post(client, path, form(action, a, value=value))
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in page and 'id="value-error"' in page
        assert f'value="{value}"' in page.replace("&lt;", "<").replace("&gt;", ">")
        assert f'name="selected" value="{a}"' in page
    assert values(app, a, field="country") == ["USA"] and bulk_events(app) == []


def test_no_selection_or_a_malformed_one_is_422(app, signed_in):
    client = signed_in("editor")
    response = post(client, "/accounts/bulk/preview", form("deactivate"))
    assert response.status_code == 422
    assert "Tick at least one account" in response.get_data(as_text=True)
    response = post(client, "/accounts/bulk/preview", form("deactivate", "12-34"))
    assert response.status_code == 422 and "malformed" in response.get_data(as_text=True)
    response = post(client, "/accounts/bulk/preview", form("deactivate", "0000-0000-0000"))
    assert response.status_code == 422 and "exists any more" in response.get_data(as_text=True)
    response = post(client, "/accounts/bulk/preview", form("explode", "0000-0000-0000"))
    assert response.status_code == 422


def test_all_matching_honours_the_list_filters(app, signed_in):
    paris = add(app, "Acme Paris", country="FRA", city="Paris")
    lyon = add(app, "Acme Lyon", country="FRA", city="Lyon")
    closed = add(app, "Acme Closed", country="FRA", is_active=False)
    usa = add(app, "Acme Boston", country="USA")
    other = add(app, "Zeta Foods", country="FRA")
    client = signed_in("editor")
    data = form(
        "add-tag", value="eu", all_matching="y", list_query="q=acme&country=FRA&is_active=true"
    )
    preview = post(client, "/accounts/bulk/preview", data)
    assert "<strong>2</strong> accounts will change" in preview.get_data(as_text=True)
    assert post(client, "/accounts/bulk/apply", data).status_code == 303
    assert values(app, paris, lyon, closed, usa, other, field="tags") == [
        ["eu"],
        ["eu"],
        [],
        [],
        [],
    ]
    assert {e[2] for e in bulk_events(app)} == {account_id(app, paris), account_id(app, lyon)}


def test_the_bound_refuses_and_changes_nothing(app, signed_in, monkeypatch):
    numbers = [add(app, f"Company {i}") for i in range(4)]
    monkeypatch.setattr(services, "BOUND", 3)
    client = signed_in("editor")
    for data in (form("deactivate", all_matching="y"), form("deactivate", *numbers)):
        for path in ("/accounts/bulk/preview", "/accounts/bulk/apply"):
            response = post(client, path, data)
            assert response.status_code == 422
            assert "a bulk change handles at most 3" in response.get_data(as_text=True) or (
                "at most 3 accounts" in response.get_data(as_text=True)
            )
    assert values(app, *numbers) == [True] * 4 and bulk_events(app) == []


def test_many_rows_in_batches_with_a_limited_preview(app, signed_in, monkeypatch):
    numbers = [add(app, f"Company {i}") for i in range(7)]
    monkeypatch.setattr(services, "BATCH", 3)
    monkeypatch.setattr(services, "PREVIEW_ROWS", 4)
    client = signed_in("editor")
    data = form("set-language", value="de", all_matching="y")
    page = post(client, "/accounts/bulk/preview", data).get_data(as_text=True)
    assert "The first 4 of 7 changes" in page and "<strong>7</strong> accounts will change" in page
    assert post(client, "/accounts/bulk/apply", data).status_code == 303
    assert values(app, *numbers, field="language") == ["de"] * 7
    assert len(bulk_events(app)) == 7


def test_viewers_get_403_and_nothing_changes(app, signed_in):
    a = add(app, "Acme Corp")
    client = signed_in("viewer")
    for path in ("/accounts/bulk/preview", "/accounts/bulk/apply"):
        assert post(client, path, form("deactivate", a)).status_code == 403
    assert values(app, a) == [True] and bulk_events(app) == []


def test_a_post_without_csrf_is_400(app, signed_in):
    a = add(app, "Acme Corp")
    client = signed_in("editor")
    response = client.post("/accounts/bulk/apply", data=form("deactivate", a))
    assert response.status_code == 400
    assert values(app, a) == [True]


def test_readers_through_the_cache_see_the_change(app, other_app, signed_in):
    a = add(app, "Acme Corp")
    for worker in (app, other_app):
        with worker.app_context():
            assert Account.get_cached_object(account_number=a).country == "USA"
    client = signed_in("editor")
    assert (
        post(client, "/accounts/bulk/apply", form("set-country", a, value="de")).status_code == 303
    )
    for worker in (app, other_app):
        with worker.app_context():
            assert Account.get_cached_object(account_number=a).country == "DEU"
            assert Account.get_by_account_number(a).country == "DEU"


def test_the_model_rules_still_run_at_flush(ctx, make_account):
    """A value that skipped the form's check is still refused by the model, nothing written."""
    from webapp.errors import ValidationError

    number = make_account(company_name="Acme Corp").account_number
    selection = services.Selection(numbers=(number,))
    with pytest.raises(ValidationError, match="breaks a rule"):
        services.apply(selection, "set-country", "Narnia", by="test")
    db.session.rollback()
    assert Account.get_by_account_number(number).country == "USA"


def test_the_list_offers_checkboxes_and_the_toolbar_to_editors_only(app, signed_in):
    a = add(app, "Acme Corp")
    page = signed_in("editor").get("/accounts/?q=acme&sort=-city").get_data(as_text=True)
    assert f'name="selected" value="{a}" form="bulk"' in page
    assert 'action="/accounts/bulk/preview"' in page and 'name="all_matching"' in page
    assert 'name="list_query" value="q=acme&amp;sort=-city"' in page
    page = signed_in("viewer").get("/accounts/").get_data(as_text=True)
    assert 'name="selected"' not in page and "/accounts/bulk/preview" not in page
