"""Members in Chromium: add a user picked from the suggestions, invite one, open their page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, serious_violations
from tests.browser.test_sign_in import add_staff, sign_in
from webapp.accounts.models import Account
from webapp.auth.services import create_user
from webapp.extensions import db


def test_add_a_member_then_invite_one(site, new_page):
    with site.app.app_context():
        number = Account.create(company_name="Acme Corp").account_number
        for email in ("ann.lee@example.com", "anna.kim@example.com", "bob@example.com"):
            create_user(email, None, None)
        db.session.commit()
    add_staff(site, "ed@example.com", "editor")
    page = new_page()
    page.context.add_init_script(script=AXE)
    sign_in(page, "ed@example.com")
    page.goto(f"/accounts/{number}/members/")
    expect(page.get_by_text("This account has no members yet")).to_be_visible()
    page.get_by_role("link", name="Add member").first.click()
    expect(page.get_by_text("becomes its owner")).to_be_visible()
    page.wait_for_load_state("load")  # the deferred suggestions script has run
    page.get_by_label("Email").press_sequentially("ann")
    # A busy machine may answer the suggestions slowly: wait for them, with room.
    expect(page.locator("#member-candidates option")).to_have_count(2, timeout=20_000)
    page.get_by_label("Email").fill("ann.lee@example.com")
    page.get_by_label("Role in this account").select_option("member")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("status")).to_contain_text("Added ann.lee@example.com as owner")
    row = page.get_by_role("row").filter(has_text="ann.lee@example.com")
    expect(row.get_by_label("Role of ann.lee@example.com")).to_have_value("owner")

    page.get_by_role("link", name="Add member").first.click()
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_role("button", name="Add member").click()
    expect(page.locator("#email-error")).to_contain_text("No user has this email")
    expect(page.get_by_label("Email")).to_have_value("newcomer@example.com")
    screenshot(page, "members-add-error")
    page.get_by_label("Invite as a new platform user").check()
    page.get_by_label("Role in this account").select_option("admin")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("status")).to_contain_text("Invited newcomer@example.com as admin")
    assert serious_violations(page) == []
    screenshot(page, "members-list")

    page.get_by_role("link", name="newcomer@example.com").click()
    expect(page.get_by_role("heading", name="newcomer@example.com")).to_be_visible()
    expect(page.get_by_text("no password set yet")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Acme Corp")).to_contain_text("admin")
