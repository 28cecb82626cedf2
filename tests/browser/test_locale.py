"""German in Chromium: a browser set to de-DE gets every page of its flow in German."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, add_account, serious_violations
from tests.browser.test_sign_in import add_staff
from tests.conftest import PASSWORD
from webapp.accounts.models import Account, DailyBillingRecord
from webapp.extensions import db


def add_billing(site, number: str) -> None:
    from datetime import date

    with site.app.app_context():
        account = Account.get_by_account_number(number)
        db.session.add(
            DailyBillingRecord(
                account=account, date=date(2026, 1, 31), provider="openai",
                charge_type="completion", charge_count=1200, prompt_tokens=50000,
                completion_tokens=2103, total_tokens=52103,
                cost=Decimal("1234.56"),
            )
        )  # fmt: skip
        db.session.commit()


def test_a_german_browser_gets_german_pages(site, new_page):
    add_staff(site, "eva@example.com", "editor")
    number = add_account(site, company_name="Müller GmbH", currency="EUR", city="Köln")
    add_billing(site, number)
    page = new_page(locale="de-DE")
    page.context.add_init_script(script=AXE)
    page.goto("/accounts/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("E-Mail").fill("eva@example.com")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    expect(page.get_by_role("heading", name="Konten")).to_be_visible()
    expect(page.get_by_text("1 Konto passt")).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert serious_violations(page) == []
    screenshot(page, "locale-de-list")

    page.get_by_role("link", name="Müller GmbH").click()
    expect(page.get_by_role("heading", name="Letzte Abrechnungen")).to_be_visible()
    expect(page.get_by_role("cell", name="1.234,56 €")).to_be_visible()
    expect(page.get_by_role("cell", name="52.103")).to_be_visible()
    expect(page.get_by_role("cell", name="31.01.2026")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_role("link", name="Bearbeiten").click()
    expect(page.get_by_role("heading", name="Müller GmbH bearbeiten")).to_be_visible()
    page.get_by_label("Version").fill("eins")
    page.get_by_role("button", name="Speichern", exact=True).click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Bitte korrigieren Sie 1 Feld:")
    expect(summary).to_contain_text("Verwenden Sie eine semantische Version wie 1.0.0.")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert serious_violations(page) == []
    screenshot(page, "locale-de-form")
