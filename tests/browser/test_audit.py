"""The audit trail in Chromium: edit an account, read its history, filter the audit page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, serious_violations
from tests.browser.test_sign_in import add_staff, sign_in
from webapp.accounts.models import Account


def test_edit_then_read_the_history_and_the_filtered_audit_page(site, new_page):
    with site.app.app_context():
        number = Account.create(company_name="Acme Corp", city="Paris").account_number
    add_staff(site, "ed@example.com", "editor")
    page = new_page()
    page.context.add_init_script(script=AXE)
    sign_in(page, "ed@example.com")
    page.goto(f"/accounts/{number}/edit")
    page.get_by_label("City").fill("Lyon")
    page.get_by_label("Tags").fill("vip, beta")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Acme Corp")).to_be_visible()

    page.get_by_role("link", name="History").click()
    row = page.get_by_role("row").filter(has_text="account.update")
    expect(row).to_contain_text("ed@example.com")
    expect(row).to_contain_text("Account")
    expect(row).to_contain_text("Paris")
    expect(row).to_contain_text("Lyon")
    assert serious_violations(page) == [], "history"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.get_by_role("cell", name="login.success")).to_be_visible()
    page.get_by_label("Action").select_option("account.")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("cell", name="login.success")).to_have_count(0)
    rows = page.locator("table.audit-events tbody tr")
    expect(rows).to_have_count(1)
    changes = rows.first.get_by_role("cell", name="city: Paris to Lyon tags: (none) to beta, vip")
    expect(changes).to_be_visible()
    expect(rows.first.get_by_role("link", name="Acme Corp")).to_be_visible()
    expect(page.get_by_label("Action")).to_have_value("account.")
    assert serious_violations(page) == [], "audit page"
    screenshot(page, "audit-filtered")

    page.get_by_label("From (UTC)").fill("2020-02-02")
    page.get_by_label("To (UTC)").fill("2020-02-01")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#to_date-error")).to_contain_text("before the start date")
    expect(page.get_by_label("To (UTC)")).to_have_value("2020-02-01")
