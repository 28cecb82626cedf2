"""An account's billing page and CSV: filters, paging, exact totals, roles, bad input, 404."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.billing.helpers import add_charge, add_user
from tests.conftest import csrf_token
from webapp.accounts.models import Account
from webapp.billing.services import rollup_days
from webapp.extensions import db

DAY1, DAY2, DAY3 = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)
COSTS = [Decimal("0.1"), Decimal("0.2"), Decimal("0.000001"), Decimal("1234.567891")]


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def billed(app) -> dict:
    """An EUR account with charges on three days (two providers, two types) and records for
    the first two days; another account's charges must never show on its page."""
    with app.app_context():
        account = Account.create(company_name="Acme Corp", currency="EUR")
        other = Account.create(company_name="Other Co", currency="USD")
        user = add_user("ada@example.com")
        plan = [
            (DAY1, "openai", "completion", COSTS[0]),
            (DAY1, "anthropic", "tool", COSTS[1]),
            (DAY2, "openai", "tool", COSTS[2]),
            (DAY2, "openai", "completion", COSTS[3]),
            (DAY3, "anthropic", "completion", COSTS[1]),
        ]
        for i, (day, provider, kind, cost) in enumerate(plan):
            add_charge(
                account,
                user=user if i % 2 else None,
                provider=provider,
                charge_type=kind,
                cost=cost,
                prompt_tokens=100 + i,
                completion_tokens=i,
                created_at=at(day, 10 + i),
            )
        add_charge(other, provider="mistral", cost=Decimal("99"), created_at=at(DAY1))
        db.session.commit()
        rollup_days([DAY1, DAY2])
        db.session.commit()
        return {"number": account.account_number, "other": other.account_number, "plan": plan}


def page(client, number: str, **args):
    return client.get(f"/accounts/{number}/billing", query_string=args)


def text(response) -> str:
    return response.get_data(as_text=True)


def total(html: str, name: str) -> str:
    """The amount shown in a totals card (``charges-cost`` or ``records-cost``)."""
    match = re.search(rf'data-total="{name}">([^<]+)<', html)
    assert match, name
    return match.group(1).strip()


def test_viewer_sees_charges_records_and_exact_totals(billed, signed_in):
    response = page(signed_in("viewer"), billed["number"])
    assert response.status_code == 200
    html = text(response)
    assert total(html, "charges-cost") == "€1,235.067892"  # 0.1+0.2+0.000001+1234.567891+0.2
    assert total(html, "records-cost") == "€1,234.867892"  # DAY3 is not rolled up yet
    assert "5 charges" in html and "of 4 charges" in html
    assert "not in the records yet" in html
    assert "ada@example.com" in html
    assert "mistral" not in html and "99.000000" not in html  # the other account's charge
    assert 'method="post"' not in html.split("<main", 1)[1]  # read-only: no forms that change


@pytest.mark.parametrize(
    ("args", "charges", "cost"),
    [
        ({"date_from": "2026-01-06"}, 3, "€1,234.767892"),
        ({"date_from": "2026-01-05", "date_to": "2026-01-05"}, 2, "€0.30"),
        ({"provider": "anthropic"}, 2, "€0.40"),
        ({"charge_type": "tool"}, 2, "€0.200001"),
        (
            {"provider": "openai", "charge_type": "completion", "date_to": "2026-01-06"},
            2,
            "€1,234.667891",
        ),
    ],
)
def test_filters_narrow_rows_and_totals(billed, signed_in, args, charges, cost):
    html = text(page(signed_in("viewer"), billed["number"], **args))
    assert f"{charges} charges ·" in html
    assert total(html, "charges-cost") == cost  # money per locale (webapp/core/i18n.py)


def test_a_filter_with_no_match_says_what_to_do(billed, signed_in):
    html = text(page(signed_in("viewer"), billed["number"], date_from="2027-01-01"))
    assert "No charge matches these filters" in html
    assert total(html, "charges-cost") == "€0.00"


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"date_from": "2026-13-45"}, "date_from", "Use a date such as 2026-01-31."),
        ({"date_to": "yesterday"}, "date_to", "Use a date such as 2026-01-31."),
        (
            {"date_from": "2026-01-07", "date_to": "2026-01-05"},
            "date_to",
            "The end date is before the start date.",
        ),
        # the day after 9999-12-31 does not exist: this was a 500 (found by make fuzz)
        ({"date_to": "9999-12-31"}, "date_to", "Use a date between 1900-01-01 and 9998-12-31."),
        ({"date_from": "0001-01-01"}, "date_from", "Use a date between 1900-01-01"),
        ({"provider": "nobody"}, "provider", "Not a valid choice."),
        ({"charge_type": "gift"}, "charge_type", "Not a valid choice."),
    ],
)
def test_bad_filters_answer_422_with_a_message_at_the_field(
    billed, signed_in, args, field, message
):
    response = page(signed_in("viewer"), billed["number"], **args)
    assert response.status_code == 422
    html = text(response)
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', html)
    for value in args.values():
        if field.startswith("date"):
            assert f'value="{value}"' in html  # the input is kept


def test_charges_are_paged_25_at_a_time_and_totals_cover_every_page(app, signed_in):
    with app.app_context():
        account = Account.create(company_name="Busy Co")
        for i in range(30):
            add_charge(
                account, cost=Decimal("0.5"), reference=f"ref-{i:02d}", created_at=at(DAY1, 1, i)
            )
        db.session.commit()
        number = account.account_number
    client = signed_in("viewer")
    first, second = text(page(client, number)), text(page(client, number, charges_page=2))
    assert first.count("ref-") == 25 and second.count("ref-") == 5
    assert "ref-29" in first and "ref-00" in second  # newest first
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert total(first, "charges-cost") == total(second, "charges-cost") == "$15.00"
    assert "charges_page=2" in first
    beyond = page(client, number, charges_page=9)
    assert beyond.status_code == 200 and "There is no page 9" in text(beyond)


@pytest.mark.parametrize("charges_page", ["0", "-1", "x", "99999999999999999999"])
def test_odd_page_numbers_are_read_as_the_first_page(billed, signed_in, charges_page):
    response = page(signed_in("viewer"), billed["number"], charges_page=charges_page)
    assert response.status_code == 200


def test_empty_account_says_where_billing_comes_from(app, signed_in):
    with app.app_context():
        number = Account.create(company_name="Quiet Co").account_number
    html = text(page(signed_in("viewer"), number))
    assert "This account has no charges yet" in html
    assert "No daily billing records yet" in html


@pytest.mark.parametrize("number", ["0000-0000-0000", "not-a-number!!", "1234-5678-901x"])
def test_unknown_or_malformed_account_is_404(signed_in, number):
    client = signed_in("viewer")
    assert client.get(f"/accounts/{number}/billing").status_code == 404
    assert client.get(f"/accounts/{number}/billing.csv").status_code == 404


def test_anonymous_is_sent_to_sign_in(billed, client):
    response = client.get(f"/accounts/{billed['number']}/billing")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("suffix", ["billing", "billing.csv"])
def test_billing_is_read_only(billed, signed_in, suffix):
    client = signed_in("admin")
    token = csrf_token(client, "/accounts/")
    response = client.post(f"/accounts/{billed['number']}/{suffix}", data={"csrf_token": token})
    assert response.status_code == 405


def read_csv(response) -> list[dict]:
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(text(response))))


def test_csv_exports_the_filtered_charges(billed, signed_in):
    client = signed_in("viewer")
    response = client.get(f"/accounts/{billed['number']}/billing.csv?provider=openai")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert [r["provider"] for r in rows] == ["openai"] * 3
    assert sum(Decimal(r["cost"]) for r in rows) == COSTS[0] + COSTS[2] + COSTS[3]
    assert {r["currency"] for r in rows} == {"EUR"}
    assert rows[0]["created_at"] == "2026-01-05T10:00:00+00:00"
    assert [r["user_email"] for r in rows] == ["", "", "ada@example.com"]


def test_csv_cells_cannot_run_as_formulas(app, signed_in):
    with app.app_context():
        account = Account.create(company_name="Acme Corp")
        for reference in ('=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "plain"):
            add_charge(account, reference=reference)
        db.session.commit()
        number = account.account_number
    rows = read_csv(signed_in("viewer").get(f"/accounts/{number}/billing.csv"))
    references = sorted(r["reference"] for r in rows)
    assert references == ["'+1", "'-2", '\'=HYPERLINK("http://x")', "'@SUM(A1)", "plain"]


def test_csv_with_bad_filters_is_422_not_500(billed, signed_in):
    response = signed_in("viewer").get(
        f"/accounts/{billed['number']}/billing.csv?date_from=2026-02-30"
    )
    assert response.status_code == 422
    assert "Use a date such as 2026-01-31." in text(response)
