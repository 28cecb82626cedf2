"""Saved views in Chromium: save the list's query, reopen it by its link, rename, delete; axe."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, add_account, serious_violations
from tests.browser.test_sign_in import add_staff, sign_in


def test_save_share_reopen_rename_and_delete_a_view(site, new_page):
    add_account(site, company_name="Acme Harbour", country="FRA")
    add_account(site, company_name="Acme Mills", country="USA")
    add_staff(site, "vera@example.com", "viewer")
    page = new_page()
    page.context.add_init_script(script=AXE)
    sign_in(page, "vera@example.com")
    page.goto("/accounts/?q=acme&country=FRA&per_page=50")
    aside = page.get_by_role("complementary", name="Saved views")
    aside.get_by_text("Save this view").click()
    aside.get_by_label("Name").fill("French acme")
    aside.get_by_label("Share with all staff").check()
    assert serious_violations(page) == [], "list with the save form open"
    screenshot(page, "saved-views-save-form")
    aside.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the view “French acme”")
    link = aside.get_by_role("link", name="French acme")
    expect(link).to_have_attribute("aria-current", "true")
    page.goto("/accounts/")
    expect(page.get_by_role("link", name="Acme Mills")).to_be_visible()
    aside.get_by_role("link", name="French acme").click()
    expect(page).to_have_url(f"{site.url}/accounts/?q=acme&country=FRA&per_page=50")
    expect(page.get_by_role("link", name="Acme Mills")).to_have_count(0)
    expect(page.get_by_role("link", name="Acme Harbour")).to_be_visible()
    aside.get_by_role("link", name="Manage").click()
    assert serious_violations(page) == [], "manage page"
    page.get_by_label("New name of French acme").fill("Acme in France")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("status")).to_contain_text("Renamed the view to “Acme in France”")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted the view")
    expect(page.get_by_text("No saved views yet")).to_be_visible()


def test_a_shared_view_is_seen_but_not_changed_by_others(site, new_page):
    add_staff(site, "owner@example.com", "editor")
    add_staff(site, "other@example.com", "editor")
    owner = new_page()
    sign_in(owner, "owner@example.com")
    owner.goto("/accounts/?is_active=false")
    aside = owner.get_by_role("complementary", name="Saved views")
    aside.get_by_text("Save this view").click()
    aside.get_by_label("Name").fill("Inactive")
    aside.get_by_label("Share with all staff").check()
    aside.get_by_role("button", name="Save view").click()
    expect(owner.get_by_role("status")).to_contain_text("Saved the view")
    other = new_page()
    other.context.add_init_script(script=AXE)
    sign_in(other, "other@example.com")
    other.get_by_role("complementary", name="Saved views").get_by_role("link", name="Inactive")
    other.goto("/accounts/views/")
    row = other.get_by_role("row").filter(has_text="Inactive")
    expect(row).to_contain_text("owner@example.com")
    expect(row.get_by_role("button")).to_have_count(0)
    assert serious_violations(other) == [], "manage page of someone else's view"
