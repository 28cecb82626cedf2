"""Billing in Chromium: a viewer reads the report, narrows it, opens a top account's billing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, serious_violations
from tests.browser.test_sign_in import add_staff, sign_in
from webapp.accounts.models import Account, Charge
from webapp.billing.services import rollup_days
from webapp.core.types import utcnow
from webapp.extensions import db

COMPANIES = [
    ("Northwind Traders", "USD"),
    ("Blue Harbor Labs", "USD"),
    ("Cedar & Sons", "USD"),
    ("Atlas Logistik", "EUR"),
    ("Summit Foods", "EUR"),
    ("Granite Studio", "GBP"),
]


def add_billing(site) -> str:
    """Six accounts in three currencies with 30 days of charges, rolled up; the first's number."""
    rng = random.Random(6)
    today = utcnow().date()
    days = [today - timedelta(days=n) for n in range(30)]
    with site.app.app_context():
        accounts = [Account.create(company_name=n, currency=c) for n, c in COMPANIES]
        for weight, account in enumerate(accounts, start=1):
            for day in days:
                for hour in rng.sample(range(24), 2):
                    db.session.add(
                        Charge(
                            account=account,
                            provider=rng.choice(["openai", "anthropic", "mistral"]),
                            model="demo",
                            charge_type=rng.choice(["completion", "tool"]),
                            prompt_tokens=rng.randint(100, 2000),
                            completion_tokens=rng.randint(10, 500),
                            cost=Decimal(rng.randint(1, 4000 // weight)) / 1000,
                            created_at=datetime.combine(day, time(hour), tzinfo=UTC),
                        )
                    )
        db.session.commit()
        rollup_days(days)
        db.session.commit()
        return accounts[0].account_number


def test_viewer_reads_the_billing_report_and_an_accounts_billing(site, new_page):
    number = add_billing(site)
    add_staff(site, "vera@example.com", "viewer")
    page = new_page()
    page.context.add_init_script(script=AXE)
    sign_in(page, "vera@example.com")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Billing report")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(3)  # USD, EUR and GBP, each on its own scale
    expect(page.get_by_role("img", name="Daily cost in EUR")).to_be_visible()
    expect(page.locator("tr[data-currency]")).to_have_count(3)
    assert serious_violations(page) == [], "report"
    screenshot(page, "billing-report")

    page.get_by_role("textbox", name="Currency").fill("usd")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("svg.chart")).to_have_count(1)
    expect(page.get_by_role("heading", name="Totals by account")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert "Northwind Traders" in download.value.path().read_text()

    page.locator("ol.top-accounts").get_by_role("link", name="Northwind Traders").click()
    expect(page.get_by_role("heading", name="Northwind Traders")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Northwind Traders")
    expect(tabs.locator('[aria-current="page"]')).to_have_text("Billing")
    assert page.url.split("?")[0].endswith(f"/accounts/{number}/billing")
    page.get_by_label("Provider").select_option("openai")
    page.get_by_label("Charge type").select_option("tool")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="Charges", exact=True)).to_be_visible()
    assert set(page.locator("#charges-heading + div tbody td:nth-child(2)").all_inner_texts()) == {
        "openai"
    }
    screenshot(page, "account-billing")
    page.get_by_label("From").fill("2026-02-10")
    page.get_by_label("To").fill("2026-02-01")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#date_to-error")).to_have_text("The end date is before the start date.")
    assert serious_violations(page) == [], "account billing with an error"
    screenshot(page, "account-billing-error")
