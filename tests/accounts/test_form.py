"""The account form's long selects: rendered once, the stored value always shown and kept."""

from __future__ import annotations

import re

from tests.accounts.test_views import add_accounts, form_data, stored
from tests.conftest import csrf_token


def selected(page: str, field: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option selected value="([^"]*)"', select)


def create(client, **changes):
    """POST the new-account form with these changes, as the browser would."""
    token = csrf_token(client, "/accounts/new")
    return client.post("/accounts/new", data={**form_data(**changes), "csrf_token": token})


def test_each_select_marks_exactly_the_stored_value(app, signed_in):
    fields = {"country": "FRA", "currency": "EUR", "timezone": "Europe/Paris"}
    (number,) = add_accounts(app, "Acme Corp", **fields)
    page = signed_in("editor").get(f"/accounts/{number}/edit").get_data(as_text=True)
    assert selected(page, "country") == ["FRA"]
    assert selected(page, "currency") == ["EUR"]
    assert selected(page, "timezone") == ["Europe/Paris"]
    assert 'data-searchable="find"' in page and 'data-searchable="create"' in page


def test_a_language_tag_outside_the_list_is_shown_and_can_be_typed(app, signed_in):
    (number,) = add_accounts(app, "Acme Corp", language="pt-BR")
    client = signed_in("editor")
    page = client.get(f"/accounts/{number}/edit").get_data(as_text=True)
    assert selected(page, "language") == ["pt-BR"]
    response = create(client, language="en-gb")
    assert response.status_code == 303
    created = response.headers["Location"].rsplit("/", 1)[1]
    assert stored(app, created).language == "en-GB"


def test_an_invalid_language_tag_is_refused_at_the_field(signed_in):
    response = create(signed_in("editor"), language="not a tag")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="language-error"' in page
    assert selected(page, "language") == ["not a tag"]  # the input is kept


def test_a_country_outside_the_list_is_refused_at_the_field(signed_in):
    response = create(signed_in("editor"), country="XXX")
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
