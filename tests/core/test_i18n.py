"""Languages: the locale each page uses, the German catalog, and formatting per locale."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from tests.accounts.test_views import add_accounts, form_data
from tests.auth.test_member_admin import EMAIL as MEMBER_ADMIN
from tests.auth.test_member_admin import add_account, join
from tests.auth.test_two_factor import enrolled
from tests.conftest import csrf_token, login, post
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "webapp/translations/de/LC_MESSAGES"
GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def html_lang(html: str) -> str:
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_english_without_a_header(client):
    html = client.get("/login").get_data(as_text=True)
    assert html_lang(html) == "en" and ">Sign in</h1>" in html


@pytest.mark.parametrize(
    ("header", "lang"),
    [("de", "de"), ("de-AT,en;q=0.5", "de"), ("fr,de;q=0.8", "de"), ("fr", "en"), ("en-GB", "en")],
)
def test_the_browser_language_picks_the_locale(client, header, lang):
    html = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert html_lang(html) == lang
    assert (">Anmelden</h1>" in html) is (lang == "de")


def test_list_and_layout_in_german(app, signed_in):
    add_accounts(app, "Firma 1", "Firma 2", "Firma 3")
    client = signed_in("editor")
    html = client.get("/accounts/", headers=GERMAN).get_data(as_text=True)
    assert html_lang(html) == "de", html[:3000]
    assert ">Konten</h1>" in html and "3 Konten passen" in html and ">Abmelden</button>" in html
    assert ">Neues Konto</a>" in html and "Bearbeiter</span>" in html


def test_a_form_error_in_german(signed_in):
    client = signed_in("editor")
    data = form_data(version="one", company_name="")
    page = client.get("/accounts/new", headers=GERMAN).get_data(as_text=True)
    assert "Firmenname" in page and "Speichern und weiteres anlegen" in page
    token = csrf_token(client, "/accounts/new")
    response = client.post("/accounts/new", data={"csrf_token": token, **data}, headers=GERMAN)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Verwenden Sie eine semantische Version wie 1.0.0." in html
    assert "Bitte korrigieren Sie 2 Felder:" in html
    english = post(client, "/accounts/new", data, form_page="/accounts/new").get_data(as_text=True)
    assert "Use a semantic version such as 1.0.0." in english


def test_the_user_setting_overrides_the_header(app, make_user):
    make_user("anna@example.com", "viewer")
    client = app.test_client()
    assert login(client, "anna@example.com").status_code == 303
    token = csrf_token(client, "/password")
    response = client.post("/language", data={"csrf_token": token, "locale": "de"})
    assert response.status_code == 303 and response.headers["Location"] == "/password"
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    html = client.get("/accounts/", headers=english_browser).get_data(as_text=True)
    assert html_lang(html) == "de" and ">Konten</h1>" in html
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="anna@example.com"))
        assert user.locale == "de"
        event = db.session.scalar(select(AuditEvent).filter_by(action="user.locale"))
        assert event.changes == {"locale": [None, "de"]}
    token = csrf_token(client, "/password")
    client.post("/language", data={"csrf_token": token, "locale": ""})
    for headers, lang in ((english_browser, "en"), (GERMAN, "de")):
        assert html_lang(client.get("/accounts/", headers=headers).get_data(as_text=True)) == lang


def test_the_sign_in_code_and_my_accounts_in_german(app, make_user):
    """The newest screens: the two-factor sign-in code page and a member admin's accounts."""
    enrolled(app, make_user)
    client = app.test_client()
    first = login(client, "ada@example.com")
    assert first.status_code == 303 and first.headers["Location"] == "/login/code"
    html = client.get("/login/code", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert html_lang(html) == "de"
    assert ">Anmeldecode</h1>" in html and ">Prüfen</button>" in html
    assert "Wiederherstellungscodes" in html and "Sign-in code" not in html
    user_id = make_user(MEMBER_ADMIN, None)
    join(app, user_id, add_account(app, "Eigene GmbH"), "admin")
    member = app.test_client()
    assert login(member, MEMBER_ADMIN).headers["Location"] == "/my/accounts"
    html = member.get("/my/accounts", headers=GERMAN).get_data(as_text=True)
    assert html_lang(html) == "de" and ">Meine Konten</h1>" in html
    assert ">Firma</th>" in html and "Eigene GmbH" in html and "My accounts" not in html


def test_an_unknown_language_is_refused(signed_in):
    client = signed_in("viewer")
    token = csrf_token(client, "/password")
    response = client.post("/language", data={"csrf_token": token, "locale": "xx"})
    assert response.status_code == 422


def test_the_api_stays_english(client):
    response = client.get("/api/v1/accounts", headers=GERMAN)
    assert response.status_code == 401 and "Anmelden" not in response.get_data(as_text=True)


def test_dates_numbers_and_money_per_locale(app):
    env = app.jinja_env
    template = env.from_string(
        "{{ day|day }}|{{ n|number }}"
        "|{{ cost|money('EUR') }}|{{ micro|money('USD') }}"
    )
    values = {
        "day": datetime(2026, 1, 31, 12, tzinfo=UTC),
        "n": 52103,
        "cost": Decimal("1234.56"),
        "micro": Decimal("0.000120"),
    }
    with app.test_request_context(headers=GERMAN):
        assert template.render(values) == "31.01.2026|52.103|1.234,56\xa0€|0,00012\xa0$"
    with app.test_request_context():
        assert template.render(values) == "Jan 31, 2026|52,103|€1,234.56|$0.00012"


@pytest.mark.parametrize("headers", [{}, GERMAN])
def test_the_fast_formats_write_what_babel_writes(app, headers):
    """``number`` and ``moment`` skip Babel's per-value cost; their output is Babel's."""
    from babel.dates import format_datetime
    from babel.numbers import format_decimal

    from webapp.core.i18n import moment, number

    locale = "de" if headers else "en"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with app.test_request_context(headers=headers):
        for step in range(0, 10**8, 997_331):  # every hour of the day, AM and PM
            at = start + timedelta(seconds=step)
            assert moment(at) == format_datetime(at, "medium", tzinfo=UTC, locale=locale)
        for n in (0, 7, 999, 1000, 52103, 1234567, -4321):
            assert number(n) == format_decimal(n, locale=locale)
        assert number(Decimal("1234.5")) == format_decimal(Decimal("1234.5"), locale=locale)


def _messages(catalog) -> set:
    return {m.id for m in catalog if m.id}


def _strings(catalog) -> dict:
    plural = (list, tuple)  # the .mo reader gives lists, the .po reader tuples
    return {
        tuple(m.id) if isinstance(m.id, plural) else m.id: (
            tuple(m.string) if isinstance(m.string, plural) else m.string
        )
        for m in catalog
        if m.id
    }


def test_the_german_catalog_is_complete_and_up_to_date(tmp_path):
    """Every string the code marks has a German translation, and the .mo matches the .po."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [Path(sys.executable).parent / "pybabel", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as f:
        extracted = _messages(read_po(f))
    with (CATALOG / "messages.po").open("rb") as f:
        po = read_po(f, locale="de")
    assert _messages(po) == extracted, "run `make translations` and translate the new strings"
    untranslated = [m.id for m in po if m.id and (m.fuzzy or not all(m.string or [""]))]
    assert untranslated == [], untranslated
    plurals = [m.id for m in po if isinstance(m.id, tuple) and not all(m.string)]
    assert plurals == []
    with (CATALOG / "messages.mo").open("rb") as f:
        mo = _strings(read_mo(f))
    assert mo == _strings(po), "run `make translations` to compile"
