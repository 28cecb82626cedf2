"""Two-factor sign-in in Chromium: enrolment, then sign-in with a code or a recovery code."""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, serious_violations
from tests.browser.test_sign_in import add_staff, sign_in
from webapp.auth.services import find_user
from webapp.extensions import db
from webapp.twofactor import services


def enrol_directly(site, email: str) -> tuple[str, list[str]]:
    """Turn two-factor on for a staff user without the browser: (secret, recovery codes)."""
    add_staff(site, email, "editor")
    with site.app.app_context():
        secret = services.new_secret()
        codes = services.enrol(find_user(email), secret, pyotp.TOTP(secret).now(), "127.0.0.1")
        db.session.commit()
    return secret, codes


def next_code(secret: str) -> str:
    """The app's next code: enrolment spent the current one, and a code works only once."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_enrol_then_sign_in_with_a_code(site, new_page):
    add_staff(site, "ada@example.com", "editor")
    page = new_page()
    page.context.add_init_script(script=AXE)
    sign_in(page, "ada@example.com")
    expect(page).to_have_url(f"{site.url}/accounts/")
    page.get_by_role("link", name="ada@example.com").click()  # the password page links to 2FA
    page.get_by_role("link", name="Two-factor sign-in").click()
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.locator(".qr-code svg")).to_be_visible()
    assert serious_violations(page) == [], "enrolment"
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("alert")).to_contain_text("does not match")
    assert serious_violations(page) == [], "enrolment with an error"
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert serious_violations(page) == [], "recovery codes"
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in(page, "ada@example.com")
    expect(page).to_have_url(f"{site.url}/login/code")
    assert serious_violations(page) == [], "second step"
    page.locator("#code").fill(next_code(secret))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{site.url}/accounts/")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("ada@example.com")


def test_sign_in_with_a_recovery_code_once(site, new_page):
    _, codes = enrol_directly(site, "bo@example.com")
    page = new_page()
    page.context.add_init_script(script=AXE)
    sign_in(page, "bo@example.com")
    expect(page).to_have_url(f"{site.url}/login/code")
    page.locator("#code").fill("wrong-code")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    assert serious_violations(page) == [], "second step with an error"
    page.locator("#code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{site.url}/accounts/")
    expect(page.get_by_role("alert")).to_contain_text("9 are left")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in(page, "bo@example.com")
    page.locator("#code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    expect(page).to_have_url(f"{site.url}/login/code")
