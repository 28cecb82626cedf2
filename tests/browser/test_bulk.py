"""Bulk actions in Chromium: tick three accounts, deactivate them through the preview."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, add_account, serious_violations
from tests.browser.test_sign_in import add_staff, sign_in
from webapp.accounts.models import Account
from webapp.audit.models import AuditEvent
from webapp.extensions import db


def test_bulk_deactivate_three_accounts_through_the_preview(site, new_page):
    names = ["Acme Corp", "Beta Labs", "Gamma Foods"]
    numbers = [add_account(site, company_name=name, city="Paris") for name in names]
    kept = add_account(site, company_name="Zeta Works", city="Paris")
    add_staff(site, "ed@example.com", "editor")
    page = new_page()
    page.context.add_init_script(script=AXE)
    sign_in(page, "ed@example.com")
    for name in names:
        page.get_by_label(f"Tick {name}").check()
    page.get_by_label("Change the ticked accounts").select_option("deactivate")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Bulk change: check before applying")).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    for number in numbers:
        expect(rows.filter(has_text=number)).to_contain_text("inactive")
    assert serious_violations(page) == []
    screenshot(page, "bulk-preview")
    page.get_by_role("button", name="Apply to 3 accounts").click()
    expect(page.get_by_role("status")).to_contain_text("3 changed, 0 unchanged.")
    expect(page.locator(".badge", has_text="inactive")).to_have_count(3)
    with site.app.app_context():
        active = {a.account_number: a.is_active for a in db.session.scalars(select(Account))}
        events = db.session.scalar(
            select(func.count()).where(AuditEvent.action == "account.bulk-deactivate")
        )
    assert active == {**dict.fromkeys(numbers, False), kept: True}
    assert events == 3
