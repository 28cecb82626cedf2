"""Account flows in Chromium: find, create with a mistake, edit, conflict, act, export."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_sign_in import add_staff, sign_in
from webapp.accounts.models import Account

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()


@pytest.fixture
def editor_page(site, new_page):
    add_staff(site, "ed@example.com", "editor")
    page = new_page()
    sign_in(page, "ed@example.com")
    return page


def add_account(site, **fields) -> str:
    with site.app.app_context():
        return Account.create(**fields).account_number


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the current page."""
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:5]} {v['nodes'][0]['failureSummary']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_create_with_a_mistake_then_fix_it(site, editor_page):
    page = editor_page
    expect(page.get_by_text("There are no accounts yet")).to_be_visible()
    page.get_by_role("link", name="New account").click()
    page.wait_for_load_state()  # the searchable selects are set up by then
    page.get_by_label("Company name").fill("Acme Corp")
    page.get_by_role("combobox", name="Country").focus()  # a searchable select: type to find
    page.keyboard.type("united kingdom")
    country = page.get_by_role("listbox", name="Country")
    country.get_by_role("option", name="United Kingdom (GBR)").click()
    page.get_by_label("Phone number").fill("12")
    page.get_by_role("button", name="Save", exact=True).click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_contain_text("Phone number")
    expect(page.locator("#phone_number-error")).to_be_visible()
    expect(page.get_by_label("Company name")).to_have_value("Acme Corp")
    screenshot(page, "account-form-errors")
    page.get_by_label("Phone number").fill("020 7946 0018")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Acme Corp")).to_be_visible()
    expect(page.get_by_text("+442079460018")).to_be_visible()
    screenshot(page, "account-detail")


def test_search_filter_edit_deactivate_export(site, editor_page):
    number = add_account(site, company_name="Acme Corp", city="Paris")
    add_account(site, company_name="Zeta Foods")
    page = editor_page
    page.goto("/accounts/")
    page.get_by_label("Search").fill("acme")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("link", name="Acme Corp")).to_be_visible()
    screenshot(page, "accounts-list-light")
    page.get_by_role("link", name="Acme Corp").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("City").fill("Lyon")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Lyon")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".badge", has_text="inactive")).to_be_visible()
    page.goto("/accounts/?is_active=false")
    expect(page.get_by_role("link", name="Acme Corp")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text()
    assert number in text and "Zeta Foods" not in text


def test_conflict_from_a_second_browser(site, new_page, editor_page):
    number = add_account(site, company_name="Acme Corp")
    add_staff(site, "other@example.com", "editor")
    mine, theirs = editor_page, new_page()
    sign_in(theirs, "other@example.com")
    for page in (mine, theirs):
        page.goto(f"/accounts/{number}/edit")
    theirs.get_by_label("City").fill("Paris")
    theirs.get_by_role("button", name="Save", exact=True).click()
    expect(theirs.get_by_text("Paris")).to_be_visible()
    mine.get_by_label("City").fill("Rome")
    mine.get_by_role("button", name="Save", exact=True).click()
    conflict = mine.locator("[data-error-summary]")
    expect(conflict).to_contain_text("Someone saved this account")
    expect(conflict.get_by_role("row", name="city")).to_contain_text("Paris")
    screenshot(mine, "account-conflict")
    mine.get_by_role("button", name="Save", exact=True).click()
    expect(mine.get_by_text("Rome")).to_be_visible()


def test_create_with_the_keyboard_only(site, editor_page):
    page = editor_page
    page.goto("/accounts/new")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "company_name":
            break
    page.keyboard.type("Keyboard Co")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "save":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Keyboard Co")).to_be_visible()


def test_no_serious_accessibility_violations(site, browser, new_page):
    number = add_account(site, company_name="Acme Corp", tags={"vip"})
    add_staff(site, "ed@example.com", "editor")
    for scheme in ("light", "dark"):
        page = new_page(color_scheme=scheme)
        page.context.add_init_script(script=AXE)
        sign_in(page, "ed@example.com")
        assert serious_violations(page) == [], f"list ({scheme})"
        if scheme == "dark":
            screenshot(page, "accounts-list-dark")
        page.goto(f"/accounts/{number}")
        assert serious_violations(page) == [], f"detail ({scheme})"
        page.goto("/accounts/new")
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_load_state()
        assert serious_violations(page) == [], f"form with errors ({scheme})"
