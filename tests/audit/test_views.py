"""The audit pages through HTTP: filters, 422 on bad filters, keyset pages, export, roles."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime

import pytest

from tests.conftest import csrf_token
from webapp.accounts.models import Account
from webapp.audit.models import AuditEvent
from webapp.audit.services import record
from webapp.extensions import db


def add_events(app, count: int, action: str = "test.event", **fields) -> list[int]:
    """``count`` committed events with numbered actors (event-000@…, event-001@…, …)."""
    with app.app_context():
        rows = [record(action, actor=f"event-{i:03d}@example.com", **fields) for i in range(count)]
        db.session.commit()
        return [row.id for row in rows]


def add_at(when: datetime, action: str, **fields) -> None:
    """A committed event recorded at ``when`` (inside an app context)."""
    event = record(action, **fields)
    event.created_at = when
    db.session.commit()


JAN_5 = datetime(2026, 1, 5, tzinfo=UTC)
FEB_1_LATE = datetime(2026, 2, 1, 23, 59, tzinfo=UTC)
MAR_1 = datetime(2026, 3, 1, tzinfo=UTC)


def link(page: str, rel: str) -> str | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


def actors(page: str) -> list[str]:
    return re.findall(r"event-(\d{3})@example.com", page)


def test_a_viewer_reads_every_event_sign_ins_included(app, signed_in):
    client = signed_in("viewer")
    add_events(app, 1, "account.update", changes={"city": ["Paris", "Lyon"]})
    response = client.get("/audit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "login.success" in page and "viewer@example.com" in page
    assert "account.update" in page and "Paris" in page and "Lyon" in page
    assert 'href="/audit"' in client.get("/accounts/").get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(client):
    for path in ("/audit", "/audit/export.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_nobody_can_change_an_entry_through_the_app(app, signed_in):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/audit")]
    assert {r.endpoint for r in rules} == {"audit.index", "audit.export"}
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)
    client = signed_in("admin")
    token = csrf_token(client, "/accounts/")
    assert client.post("/audit", data={"csrf_token": token}).status_code == 405


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("actor=ADA", {"account.update"}, {"account.create", "login.failure"}),
        ("actor=mallory", {"login.failure"}, {"account.update"}),
        ("actor=ad_", set(), {"account.update", "account.create", "login.failure"}),
        ("action=account.", {"account.update", "account.create"}, {"login.failure"}),
        ("action=account.create", {"account.create"}, {"account.update", "login.failure"}),
        ("object_type=Account", {"account.update", "account.create"}, {"login.failure"}),
        ("from_date=2026-02-01&to_date=2026-02-01", {"account.create"}, {"account.update"}),
        ("to_date=2026-01-31", {"account.update"}, {"account.create", "login.failure"}),
    ],
)
def test_filters(app, signed_in, query, shown, hidden):
    with app.app_context():
        account = Account.create(company_name="Acme Corp")
        add_at(JAN_5, "account.update", actor="ada@example.com", obj=account)
        add_at(FEB_1_LATE, "account.create", actor="bob@example.com", obj=account)
        add_at(MAR_1, "login.failure", actor="anonymous", email="mallory@example.com")
    client = signed_in("viewer", "v@example.com")
    response = client.get(f"/audit?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    body = page.partition("<tbody>")[2]
    assert all(action in body for action in shown), query
    assert not any(f">{action}<" in body for action in hidden), query


def test_an_object_id_filter_and_the_account_link(app, signed_in):
    with app.app_context():
        one, two = Account.create(company_name="One Ltd"), Account.create(company_name="Two Ltd")
        record("account.update", obj=one, changes={"city": ["", "Oslo"]})
        record("account.update", obj=two, changes={"city": ["", "Rome"]})
        db.session.commit()
        ident, number = one.id, one.account_number
    page = signed_in("viewer").get(f"/audit?object_type=Account&object_id={ident}")
    text = page.get_data(as_text=True)
    assert "Oslo" in text and "Rome" not in text
    assert f'href="/accounts/{number}/history"' in text


@pytest.mark.parametrize(
    ("query", "field", "message", "kept"),
    [
        ("from_date=yesterday", "from_date", "Not a valid date value", 'value="yesterday"'),
        ("from_date=2026-03-02&to_date=2026-03-01", "to_date", "before the", 'value="2026-03-01"'),
        ("action=DROP+TABLE", "action", "Choose an action", 'selected value="DROP TABLE"'),
        ("object_type=1;", "object_type", "Choose an object type", 'selected value="1;"'),
        ("actor=" + "x" * 400, "actor", "320", 'value="' + "x" * 400),
    ],
)
def test_bad_filters_are_422_with_a_message_at_the_field(signed_in, query, field, message, kept):
    client = signed_in("viewer")
    for path in ("/audit", "/audit/export.csv"):
        response = client.get(f"{path}?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        error = re.search(rf'id="{field}-error">([^<]*)<', page)
        assert error and message in error.group(1)
        assert kept in page
        assert "<tbody>" not in page


def test_keyset_pages_walk_every_event_once(app, signed_in):
    client = signed_in("viewer")
    add_events(app, 120)
    first = client.get("/audit?action=test.event").get_data(as_text=True)
    assert actors(first) == [f"{i:03d}" for i in range(119, 69, -1)]
    assert link(first, "prev") is None
    second = client.get(link(first, "next")).get_data(as_text=True)
    assert actors(second) == [f"{i:03d}" for i in range(69, 19, -1)]
    assert "action=test.event" in link(second, "next")
    third = client.get(link(second, "next")).get_data(as_text=True)
    assert actors(third) == [f"{i:03d}" for i in range(19, -1, -1)]
    assert link(third, "next") is None
    back = client.get(link(third, "prev")).get_data(as_text=True)
    assert actors(back) == actors(second)
    top = client.get(link(back, "prev")).get_data(as_text=True)
    assert actors(top) == actors(first) and link(top, "prev") is None


@pytest.mark.parametrize("cursor", ["after=abc", "before=-1", "after=99999999999999999999999"])
def test_a_malformed_cursor_shows_the_newest_page(signed_in, cursor):
    response = signed_in("viewer").get(f"/audit?{cursor}")
    assert response.status_code == 200 and "login.success" in response.get_data(as_text=True)


def test_export_is_filtered_streamed_and_formula_safe(app, signed_in):
    add_events(app, 2, "account.update", changes={"city": ["", "=1+2"]})
    with app.app_context():
        record("account.update", actor="=cmd|' /C calc'!A0")
        db.session.commit()
    client = signed_in("viewer")
    response = client.get("/audit/export.csv?action=account.update")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["account.update"] * 3
    assert rows[0]["actor"] == "'=cmd|' /C calc'!A0"
    assert rows[1]["changes"] == '{"city": ["", "=1+2"]}'
    assert rows[2]["actor"] == "event-000@example.com"


def test_secrets_are_shown_only_as_changed(app, signed_in):
    with app.app_context():
        # An event written around record(), as a careless writer might: still never shown.
        db.session.add(
            AuditEvent(action="user.update", changes={"password": ["old-secret", "new-secret"]})
        )
        db.session.commit()
    client = signed_in("viewer")
    page = client.get("/audit?action=user.update").get_data(as_text=True)
    assert "old-secret" not in page and "new-secret" not in page
    assert re.search(r'<span class="mono">password</span>: changed', page)
    export = client.get("/audit/export.csv?action=user.update").get_data(as_text=True)
    assert "secret" not in export and '{""password"": ""changed""}' in export


def test_history_is_paged_and_shows_object_types(app, signed_in):
    with app.app_context():
        account = Account.create(company_name="Acme Corp")
        for i in range(55):
            record("account.update", actor=f"event-{i:03d}@example.com", obj=account)
        db.session.commit()
        number = account.account_number
    add_events(app, 3)  # another account's or no account's events stay out
    client = signed_in("viewer")
    first = client.get(f"/accounts/{number}/history").get_data(as_text=True)
    assert actors(first) == [f"{i:03d}" for i in range(54, 4, -1)]
    assert ">Account <span" in first and "test.event" not in first
    second = client.get(link(first, "next")).get_data(as_text=True)
    assert link(first, "next").startswith(f"/accounts/{number}/history?after=")
    assert actors(second) == ["004", "003", "002", "001", "000"]
    assert link(second, "next") is None
    assert actors(client.get(link(second, "prev")).get_data(as_text=True)) == actors(first)


def test_empty_states_say_what_to_do(app, signed_in):
    with app.app_context():
        number = Account.create(company_name="Quiet Ltd").account_number
    client = signed_in("viewer")
    assert "No recorded changes yet" in client.get(f"/accounts/{number}/history").get_data(
        as_text=True
    )
    page = client.get("/audit?action=account.delete").get_data(as_text=True)
    assert "No event matches these filters" in page and "clear them" in page
