"""Sign in, fail, sign out and manage staff in a real browser."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from webapp.auth.services import create_user
from webapp.extensions import db


def add_staff(site, email: str, role: str) -> None:
    with site.app.app_context():
        create_user(email, PASSWORD, role)
        db.session.commit()


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_wrong_password_then_sign_in_and_out(site, new_page):
    add_staff(site, "ada@example.com", "editor")
    page = new_page()
    sign_in(page, "ada@example.com", "not-my-password-1")
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    screenshot(page, "login-error")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site.url}/accounts/")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("ada@example.com")
    expect(page.get_by_role("link", name="Staff")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/accounts/")
    expect(page).to_have_url(f"{site.url}/login?next=/accounts/")


def test_admin_creates_and_manages_a_staff_user(site, new_page):
    add_staff(site, "boss@example.com", "admin")
    page = new_page()
    sign_in(page, "boss@example.com")
    page.get_by_role("link", name="Staff").click()
    page.get_by_role("link", name="Add staff user").click()
    page.get_by_label("Email").fill("newbie@example.com")
    page.get_by_label("Role").select_option("editor")
    page.get_by_role("button", name="Create").click()
    temporary = page.locator(".mono").inner_text().strip()
    assert len(temporary) >= 12
    page.get_by_role("link", name="Back to staff users").click()
    row = page.get_by_role("row").filter(has_text="newbie@example.com")
    row.get_by_label("Role of newbie@example.com").select_option("viewer")
    row.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("status")).to_contain_text("newbie@example.com is now viewer")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("row").filter(has_text="newbie@example.com").get_by_role(
        "button", name="Deactivate"
    ).click()
    expect(page.get_by_role("status")).to_contain_text("deactivated")
    screenshot(page, "staff-list")


def test_a_temporary_password_must_be_changed_first(site, new_page):
    add_staff(site, "boss@example.com", "admin")
    with site.app.app_context():
        user = create_user("temp@example.com", "an-interim-pass-17", "viewer")
        user.must_change_password = True
        db.session.commit()
    page = new_page()
    sign_in(page, "temp@example.com", "an-interim-pass-17")
    expect(page).to_have_url(f"{site.url}/password")
    page.get_by_label("Current password").fill("an-interim-pass-17")
    page.locator("#new_password").fill("my-own-pass-phrase")
    page.get_by_label("Repeat the new password").fill("my-own-pass-phrase")
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(f"{site.url}/accounts/")
    expect(page.get_by_role("status")).to_contain_text("password was changed")
