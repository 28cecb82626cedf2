"""The account form's long lists: a light page, the full lists as one cached static JSON file,
typed values (no JavaScript) checked and normalised by the model's rules at the field."""

from __future__ import annotations

import hashlib
import json
import re
import zoneinfo

import pycountry
import pytest

from tests.accounts.test_views import add_accounts, form_data, stored
from tests.conftest import csrf_token
from webapp.accounts import choices

MAX_PAGE_BYTES = 25_000
LONG_FIELDS = ("country", "language", "timezone", "currency")


def value_of(page: str, field: str) -> str:
    """The value of the form's text input ``field``, as the browser would submit it."""
    tag = re.search(rf'<input [^>]*name="{field}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def suggestions(page: str, field: str) -> list[str]:
    """The values the field's <datalist> suggests."""
    datalist = re.search(rf'<datalist id="{field}-options">(.*?)</datalist>', page, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', datalist)


def create(client, **changes):
    """POST the new-account form with these changes, as a browser without JavaScript would."""
    token = csrf_token(client, "/accounts/new")
    return client.post("/accounts/new", data={**form_data(**changes), "csrf_token": token})


def created(app, response):
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return stored(app, response.headers["Location"].rsplit("/", 1)[1])


def test_the_form_pages_are_light(app, signed_in):
    (number,) = add_accounts(
        app, "Acme Corp", country="NOR", language="pt-BR", timezone="Pacific/Auckland"
    )
    client = signed_in("editor")
    for path in ("/accounts/new", f"/accounts/{number}/edit"):
        page = client.get(path).get_data(as_text=True)
        assert len(page.encode()) <= MAX_PAGE_BYTES, path
        assert page.count("<option") < 100, path  # never a thousand-option list again
        for field in LONG_FIELDS:
            assert 10 <= len(suggestions(page, field)) <= 21, (path, field)


def test_each_field_shows_the_stored_value_and_suggests_it(app, signed_in):
    fields = {"country": "NOR", "language": "pt-BR", "timezone": "Pacific/Auckland"}
    (number,) = add_accounts(app, "Acme Corp", currency="ISK", **fields)
    page = signed_in("editor").get(f"/accounts/{number}/edit").get_data(as_text=True)
    for field, value in {**fields, "currency": "ISK"}.items():
        assert value_of(page, field) == value
        assert suggestions(page, field)[0] == value  # not a common one: listed first
    assert '<option value="NOR">Norway (NOR)</option>' in page
    assert 'data-searchable="find"' in page and 'data-searchable="create"' in page


def choices_url(page: str) -> str:
    url = re.search(r'data-choices-url="([^"]+)"', page).group(1)
    assert re.fullmatch(r"/static/options/choices\.[0-9a-f]{16}\.json", url)
    return url


def test_the_json_holds_every_choice_and_is_named_by_its_content(app, signed_in):
    page = signed_in("editor").get("/accounts/new").get_data(as_text=True)
    anonymous = app.test_client()  # a static file: no sign-in, no database
    url = choices_url(page)
    with anonymous.get(url) as response:
        assert response.status_code == 200 and response.mimetype == "application/json"
        body, etag = response.data, response.headers["ETag"]
        assert "no-store" not in response.headers.get("Cache-Control", "")
    assert hashlib.sha256(body).hexdigest()[:16] in url
    with anonymous.get(url, headers={"If-None-Match": etag}) as response:
        assert response.status_code == 304
    lists = {field: dict(pairs) for field, pairs in json.loads(body).items()}
    assert set(lists["country"]) == {c.alpha_3 for c in pycountry.countries}
    assert set(lists["currency"]) == {c.alpha_3 for c in pycountry.currencies}
    assert set(lists["timezone"]) == zoneinfo.available_timezones()
    assert set(lists["language"]) == {
        lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")
    }
    assert lists["country"]["GBR"] == "United Kingdom (GBR)"
    for field in LONG_FIELDS:
        assert set(suggestions(page, field)) <= set(lists[field])


def test_without_a_writable_static_folder_the_form_still_works(app, signed_in, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    app.static_folder = str(tmp_path / "file" / "static")
    choices.publish(app)  # logs a warning; the page falls back to its suggestions
    page = signed_in("editor").get("/accounts/new")
    assert page.status_code == 200
    assert "data-choices-url" not in page.get_data(as_text=True)
    assert suggestions(page.get_data(as_text=True), "country")


@pytest.mark.parametrize(
    ("field", "typed", "saved"),
    [
        ("country", "NOR", "NOR"),
        ("country", "us", "USA"),  # alpha-2, any case (issue 12)
        ("country", " gb ", "GBR"),
        ("language", "en-GB", "en-GB"),
        ("language", "pt-br", "pt-BR"),
        ("timezone", "europe/oslo", "Europe/Oslo"),
        ("currency", "nok", "NOK"),
        ("currency", "", "USD"),  # blank is the default, as in the model, the API and import
    ],
)
def test_a_typed_value_is_normalised_and_saved(app, signed_in, field, typed, saved):
    account = created(app, create(signed_in("editor"), **{field: typed}))
    assert getattr(account, field) == saved


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("country", "XXX", "Use an ISO 3166-1 country code such as USA or US."),
        ("country", "Norway", "Use an ISO 3166-1 country code such as USA or US."),
        ("language", "not a tag", "Use a BCP 47 language tag such as en or en-US."),
        ("timezone", "Mars/Olympus", "Use an IANA time zone such as UTC or Europe/Paris."),
        ("currency", "ZZZ", "Use an ISO 4217 currency code such as USD or EUR."),
    ],
)
def test_a_value_outside_the_full_set_is_refused_at_the_field(signed_in, field, typed, message):
    response = create(signed_in("editor"), **{field: typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(rf'<div [^>]*id="{field}-error">([^<]*)</div>', page)
    assert error and error.group(1) == message
    assert f'aria-describedby="{field}-error"' in page or f"{field}-help {field}-error" in page
    assert value_of(page, field) == typed  # the input is kept


def test_an_edit_keeps_an_unlisted_language_tag(app, signed_in):
    (number,) = add_accounts(app, "Acme Corp", language="pt-BR")
    client = signed_in("editor")
    page = client.get(f"/accounts/{number}/edit").get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', page).group(1)
    data = {**form_data(language=value_of(page, "language"), city="Porto"), "revision": revision}
    response = client.post(
        f"/accounts/{number}/edit", data={**data, "csrf_token": csrf_token(client, "/accounts/")}
    )
    assert response.status_code == 303
    assert (stored(app, number).language, stored(app, number).city) == ("pt-BR", "Porto")
