"""The billing report: totals by currency, account and day, top accounts, chart, CSV, roles."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from tests.billing.helpers import add_charge
from tests.conftest import csrf_token
from webapp.accounts.models import Account
from webapp.billing.services import rollup_days
from webapp.core.types import utcnow
from webapp.extensions import db
from webapp.reports.services import ReportQuery, billing_report

TODAY = utcnow().date()


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def bill(app, charges: list[tuple[str, str, int, str]]) -> dict[str, str]:
    """Accounts (company, currency) with one charge each of (days ago, cost), rolled up."""
    numbers: dict[str, str] = {}
    with app.app_context():
        accounts: dict[str, Account] = {}
        for company, currency, days_ago, cost in charges:
            if company not in accounts:
                accounts[company] = Account.create(company_name=company, currency=currency)
            noon = datetime.combine(ago(days_ago), time(12), tzinfo=UTC)
            add_charge(accounts[company], cost=Decimal(cost), created_at=noon)
        db.session.commit()
        rollup_days(sorted({ago(c[2]) for c in charges}))
        db.session.commit()
        numbers = {name: account.account_number for name, account in accounts.items()}
    return numbers


@pytest.fixture
def mixed(app) -> dict[str, str]:
    """Two USD accounts and one EUR account; one USD charge lies just outside the last 30 days."""
    return bill(
        app,
        [
            ("Alpha Inc", "USD", 0, "1.5"),
            ("Alpha Inc", "USD", 29, "2.25"),
            ("Alpha Inc", "USD", 30, "100"),
            ("Beta LLC", "USD", 1, "0.000001"),
            ("Gamma GmbH", "EUR", 0, "7"),
        ],
    )


def report(client, **args):
    return client.get("/reports/billing", query_string=args)


def html_of(response) -> str:
    return response.get_data(as_text=True)


def currency_row(html: str, currency: str) -> str:
    match = re.search(rf'<tr data-currency="{currency}">(.*?)</tr>', html, re.S)
    assert match, currency
    return re.sub(r"<[^>]+>", " ", match.group(1))


def test_viewer_sees_totals_grouped_by_currency_never_mixed(mixed, signed_in):
    response = report(signed_in("viewer"))
    assert response.status_code == 200
    html = html_of(response)
    usd, eur = currency_row(html, "USD").split(), currency_row(html, "EUR").split()
    assert usd == ["USD", "2", "3", "45", "$3.750001"]  # 1.5 + 2.25 + 0.000001
    assert eur == ["EUR", "1", "1", "15", "€7.00"]
    assert "10.750001" not in html and "10.75" not in html  # USD and EUR never added
    assert "103.750001" not in html  # the charge 30 days ago is outside the default range


def test_date_range_moves_what_is_counted(mixed, signed_in):
    html = html_of(report(signed_in("viewer"), date_from=ago(30).isoformat()))
    assert currency_row(html, "USD").split()[4] == "$103.750001"
    html = html_of(report(signed_in("viewer", "v2@example.com"), date_to=ago(1).isoformat()))
    assert currency_row(html, "USD").split()[4] == "$102.250001"  # 30 days back from yesterday
    assert 'data-currency="EUR"' not in html


def test_currency_filter_shows_one_currency(mixed, signed_in):
    html = html_of(report(signed_in("viewer"), currency="eur"))
    assert 'data-currency="EUR"' in html and 'data-currency="USD"' not in html
    assert "Alpha Inc" not in html and "Gamma GmbH" in html


def test_chart_is_inline_svg_with_a_bar_per_day_and_no_inline_style(mixed, signed_in):
    html = html_of(report(signed_in("viewer")))
    charts = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    assert len(charts) == 2  # one per currency, each on its own scale
    assert all(chart.count("<rect ") == 30 for chart in charts)
    assert "Daily cost in EUR" in html and "Daily cost in USD" in html
    assert " style=" not in html and "<style" not in html
    assert all("src=" in tag for tag in html.split("<script")[1:])


def test_report_sections_tables_and_top_accounts_are_exact(app, mixed):
    with app.app_context():
        result = billing_report(ReportQuery.from_args({}, today=TODAY))
    eur, usd = result.sections  # ordered by currency code
    assert (usd.total.currency, usd.total.cost, usd.total.accounts) == (
        "USD",
        Decimal("3.750001"),
        2,
    )
    assert (eur.total.currency, eur.total.cost) == ("EUR", Decimal("7.000000"))
    assert [(a.company_name, a.cost) for a in usd.top] == [
        ("Alpha Inc", Decimal("3.750000")),
        ("Beta LLC", Decimal("0.000001")),
    ]
    assert [(a.company_name, a.currency) for a in result.accounts] == [
        ("Gamma GmbH", "EUR"),
        ("Alpha Inc", "USD"),
        ("Beta LLC", "USD"),
    ]
    assert [b.value for b in usd.chart.bars][-2:] == [Decimal("0.000001"), Decimal("1.500000")]
    assert usd.chart.bars[0].value == Decimal("2.250000") and len(usd.chart.bars) == 30
    newest_day, cells = result.days[0]
    assert newest_day == TODAY and cells["USD"].cost == Decimal("1.5") and cells["EUR"].charges == 1
    assert sum(day_cells["USD"].cost for _, day_cells in result.days if "USD" in day_cells) == (
        usd.total.cost
    )


def test_top_accounts_are_the_ten_largest_per_currency(app, signed_in):
    bill(app, [(f"Company {i:02d}", "USD", 0, str(i)) for i in range(1, 31)])
    with app.app_context():
        result = billing_report(ReportQuery.from_args({}, today=TODAY))
    top = result.sections[0].top
    assert [a.company_name for a in top] == [f"Company {i:02d}" for i in range(30, 20, -1)]
    client = signed_in("viewer")
    first, second = html_of(report(client)), html_of(report(client, page=2))
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert "Company 05" in second and "Company 05" not in first  # 30 accounts, 25 a page
    assert html_of(report(client, page=7)).count("There is no page 7") == 1


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"date_from": "2026-02-30"}, "date_from", "Use a date such as 2026-01-31."),
        ({"date_to": "<script>"}, "date_to", "Use a date such as 2026-01-31."),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to", "before the start"),
        ({"date_from": "2024-01-01", "date_to": "2026-01-01"}, "date_from", "at most 366 days"),
        ({"currency": "XYZ"}, "currency", "ISO 4217"),
        ({"currency": "dollars"}, "currency", "Field cannot be longer than 3 characters."),
    ],
)
def test_bad_input_answers_422_with_the_message_at_the_field(
    mixed, signed_in, args, field, message
):
    response = report(signed_in("viewer"), **args)
    assert response.status_code == 422
    html = html_of(response)
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', html)
    assert "<script>" not in html.split("<main", 1)[1]  # echoed input is escaped
    csv_response = signed_in("viewer", "v2@example.com").get(
        "/reports/billing.csv", query_string=args
    )
    assert csv_response.status_code == 422


def test_an_empty_range_says_what_to_do(mixed, signed_in):
    html = html_of(report(signed_in("viewer"), date_from="2001-01-01", date_to="2001-01-31"))
    assert "No billing records in this range" in html


def test_csv_has_one_row_per_day_and_account_with_escaped_cells(app, mixed, signed_in):
    bill(app, [('=HYPERLINK("http://evil")', "USD", 2, "0.5")])
    response = signed_in("viewer").get("/reports/billing.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(html_of(response))))
    assert len(rows) == 5  # (day, account) pairs in the last 30 days
    by_currency: dict[str, Decimal] = {}
    for row in rows:
        by_currency[row["currency"]] = by_currency.get(row["currency"], 0) + Decimal(row["cost"])
    assert by_currency == {"USD": Decimal("4.250001"), "EUR": Decimal("7")}
    assert '\'=HYPERLINK("http://evil")' in {row["company_name"] for row in rows}
    assert [row["date"] for row in rows] == sorted(row["date"] for row in rows)


def test_anonymous_is_sent_to_sign_in(client):
    for path in ("/reports/billing", "/reports/billing.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_report_is_read_only_and_linked_from_the_navigation(signed_in):
    client = signed_in("viewer")
    assert 'href="/reports/billing"' in html_of(client.get("/accounts/"))
    token = csrf_token(client, "/accounts/")
    assert client.post("/reports/billing", data={"csrf_token": token}).status_code == 405
