"""Account flows in Chromium: find, create with a mistake, edit, conflict, act, export."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import screenshot
from tests.browser.test_sign_in import add_staff, sign_in
from webapp.accounts.models import Account
from webapp.extensions import db

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
COUNT_FORM_EVENTS = """window.formEvents = 0;
["input", "change"].forEach(function (type) {
  document.addEventListener(type, function () { window.formEvents += 1; }, true);
});"""


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
    """axe-core's serious and critical findings on the current page, once its styles are in."""
    page.wait_for_load_state("load")  # a stylesheet still on its way reads as a contrast failure
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:5]} {v['nodes'][0]['failureSummary']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def searchable_lists_ready(page) -> None:
    """Wait until the four long lists are searchable (their options come from the JSON file)."""
    expect(page.locator(".ts-wrapper")).to_have_count(4)


def test_create_with_a_mistake_then_fix_it(site, editor_page):
    page = editor_page
    expect(page.get_by_text("There are no accounts yet")).to_be_visible()
    page.get_by_role("link", name="New account").click()
    searchable_lists_ready(page)
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
    page.context.add_init_script(script=COUNT_FORM_EVENTS)
    page.get_by_role("link", name="Edit", exact=True).click()
    searchable_lists_ready(page)  # the stored code is shown with its label
    expect(page.locator(".ts-control .item[data-value=GBR]")).to_have_text("United Kingdom (GBR)")
    assert stored_field(site, "Acme Corp", "country") == "GBR"  # the code, not the label
    # Setting the lists up is no edit: the form would warn before leaving if it were.
    assert page.evaluate("window.formEvents") == 0


def stored_field(site, company_name: str, field: str):
    with site.app.app_context():
        account = db.session.scalars(select(Account).filter_by(company_name=company_name)).one()
        return getattr(account, field)


def test_create_without_javascript(site, browser):
    """Each long list is a text input with suggestions; a typed code is saved, normalised."""
    add_staff(site, "ed@example.com", "editor")
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "ed@example.com")
        page.goto("/accounts/new")
        page.get_by_label("Company name").fill("Fjord AS")
        page.get_by_role("combobox", name="Country").fill("no")
        page.get_by_role("combobox", name="Language").fill("nb-no")
        page.get_by_role("combobox", name="Time zone").fill("Europe/Oslo")
        page.get_by_role("combobox", name="Currency").fill("NOK")
        screenshot(page, "account-form-without-javascript")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("heading", name="Fjord AS")).to_be_visible()
    finally:
        context.close()
    saved = {"country": "NOR", "language": "nb-NO", "timezone": "Europe/Oslo", "currency": "NOK"}
    assert {field: stored_field(site, "Fjord AS", field) for field in saved} == saved


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
        searchable_lists_ready(page)
        page.get_by_role("button", name="Save", exact=True).click()
        searchable_lists_ready(page)
        assert serious_violations(page) == [], f"form with errors ({scheme})"
        page.get_by_role("combobox", name="Time zone").focus()  # an open list, too
        page.keyboard.type("europe/")
        expect(page.get_by_role("option", name="Europe/Oslo")).to_be_visible()
        expect(page.locator(".ts-dropdown .highlight").first).to_be_visible()  # matches marked
        assert serious_violations(page) == [], f"form with an open list ({scheme})"
