"""The API docs page under the app's CSP, and a token made on the /tokens page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_sign_in import add_staff, sign_in


def test_docs_render_the_openapi_document_without_csp_errors(site, new_page):
    add_staff(site, "docs@example.com", "viewer")
    page = new_page()
    sign_in(page, "docs@example.com")
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Accounts admin API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    screenshot(page, "api-docs")


def test_a_new_token_is_shown_once(site, new_page):
    add_staff(site, "tok@example.com", "editor")
    page = new_page()
    sign_in(page, "tok@example.com")
    page.goto("/tokens")
    page.get_by_label("Name").fill("nightly export")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("[data-token]")).to_contain_text("aa_")
    page.reload()
    expect(page.locator("[data-token]")).to_have_count(0)
    expect(page.get_by_role("cell", name="nightly export")).to_be_visible()
