"""Undo in Chromium: deactivate, then Undo from the confirmation, by keyboard; axe-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, add_account, serious_violations
from tests.browser.test_sign_in import add_staff, sign_in


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_deactivate_then_undo_with_the_keyboard(site, new_page, scheme):
    number = add_account(site, company_name="Acme Corp")
    add_staff(site, "ed@example.com", "editor")
    page = new_page(color_scheme=scheme)
    page.context.add_init_script(script=AXE)
    sign_in(page, "ed@example.com")
    page.goto(f"/accounts/{number}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".badge", has_text="inactive")).to_be_visible()
    undo = page.get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    expect(page.locator(".undo-countdown")).to_contain_text("s left")  # the script runs
    assert serious_violations(page) == []
    screenshot(page, f"undo-offer-{scheme}")
    undo.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Undone: account.deactivate")).to_be_visible(timeout=20_000)
    expect(page.locator(".badge", has_text="inactive")).to_have_count(0)
    assert serious_violations(page) == []


def test_undo_without_javascript(site, browser):
    number = add_account(site, company_name="Acme Corp")
    add_staff(site, "ed@example.com", "editor")
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        sign_in(page, "ed@example.com")
        page.goto(f"/accounts/{number}")
        page.get_by_role("button", name="Deactivate").click()
        expect(page.locator(".badge", has_text="inactive")).to_be_visible()
        page.get_by_role("button", name="Undo").click()
        expect(page.get_by_text("Undone: account.deactivate")).to_be_visible()
    finally:
        context.close()
