"""Cursor pages of /api/v1/accounts: every row once, the list page's filters, bad input 422."""

from __future__ import annotations

import base64
import json

import pytest

from tests.accounts.test_views import add_accounts


def walk(api, **args) -> list[dict]:
    """Every item, following next_cursor from the first page to the last."""
    items, cursor = [], None
    for _ in range(100):
        query = {**args, **({"cursor": cursor} if cursor else {})}
        path = "/accounts?" + "&".join(f"{k}={v}" for k, v in query.items())
        response = api("GET", path)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor walk did not end")


@pytest.mark.parametrize("sort", ["company_name", "-company_name", "created_at", "-city"])
def test_a_cursor_walk_sees_every_row_exactly_once(app, api, sort):
    numbers = add_accounts(app, *(f"Company {i % 7}" for i in range(23)), city="Oslo")
    items = walk(api, limit=5, sort=sort)
    assert sorted(a["account_number"] for a in items) == sorted(numbers)
    keys = [a[sort.lstrip("-")] for a in items]
    assert keys == sorted(keys, reverse=sort.startswith("-"))


def test_default_limit_is_25_and_filters_match_the_list_page(app, api):
    add_accounts(app, *(f"Active {i}" for i in range(27)))
    add_accounts(app, "Dormant", is_active=False)
    first = api("GET", "/accounts").get_json()
    assert len(first["items"]) == 25 and first["next_cursor"]
    inactive = walk(api, is_active="false")
    assert [a["company_name"] for a in inactive] == ["Dormant"]
    assert [a["company_name"] for a in walk(api, q="dormant")] == ["Dormant"]
    assert walk(api, country="FRA") == []


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=abc",
        "sort=password",
        "is_active=maybe",
        "cursor=%%%",
        "cursor=bm90IGpzb24",
        "cursor=" + base64.urlsafe_b64encode(json.dumps(["x", 2**70]).encode()).decode(),
        "cursor=" + base64.urlsafe_b64encode(json.dumps(["x\u0000", 1]).encode()).decode(),
        "cursor="
        + base64.urlsafe_b64encode(json.dumps(["x", 1]).encode()).decode()
        + "&sort=created_at",
    ],
)
def test_bad_query_values_are_422_never_500(app, api, query):
    add_accounts(app, "Acme")
    response = api("GET", f"/accounts?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json" and response.get_json()["errors"]
