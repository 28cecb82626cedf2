"""Contacts in Chromium: add a contact (after a mistake), then make it the primary one."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, serious_violations
from tests.browser.test_sign_in import add_staff, sign_in
from webapp.accounts.models import Account, AccountContact
from webapp.extensions import db


def add_account_with_primary(site) -> str:
    """An account whose primary contact is Ada Lovelace."""
    with site.app.app_context():
        account = Account.create(company_name="Acme Corp", country="GBR")
        db.session.add(
            AccountContact(
                account=account,
                first_name="Ada",
                last_name="Lovelace",
                email="ada@example.com",
                is_primary=True,
            )
        )
        db.session.commit()
        return account.account_number


def primary_email(site, number: str) -> list[str]:
    with site.app.app_context():
        account = Account.get_by_account_number(number)
        return [c.email for c in account.contacts if c.is_primary]


def test_add_a_contact_and_make_it_primary(site, new_page):
    number = add_account_with_primary(site)
    add_staff(site, "ed@example.com", "editor")
    page = new_page()
    page.context.add_init_script(script=AXE)
    sign_in(page, "ed@example.com")
    page.goto(f"/accounts/{number}/contacts/")
    page.get_by_role("link", name="Add contact").click()
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Email").fill("ADA@example.com")
    page.get_by_label("Phone number").fill("020 7946 0018")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("#email-error")).to_contain_text("already has a contact with this email")
    expect(page.get_by_label("First name")).to_have_value("Grace")
    assert serious_violations(page) == [], "form with errors"
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Added contact Grace Hopper")
    grace = page.get_by_role("row", name="Grace Hopper")
    expect(grace).to_contain_text("+442079460018")
    grace.get_by_role("button", name="Make primary").click()
    expect(page.get_by_role("status")).to_contain_text("Grace Hopper is the primary contact")
    rows = page.get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Grace Hopper")
    expect(rows.nth(1).locator(".badge", has_text="primary")).to_be_visible()
    expect(rows.nth(2).get_by_role("button", name="Make primary")).to_be_visible()
    assert primary_email(site, number) == ["grace@example.com"]
    assert serious_violations(page) == [], "list"
    screenshot(page, "contacts-list")
