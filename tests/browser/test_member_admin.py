"""A member admin's reduced view in Chromium: only their accounts, a contact added, others 404."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, serious_violations
from tests.conftest import PASSWORD
from webapp.accounts.models import Account, UserProfile
from webapp.auth.services import create_user
from webapp.extensions import db


def add_member_admin(site, email: str) -> tuple[str, str]:
    """A platform user who is admin of "Own Co"; returns (own number, another account's)."""
    with site.app.app_context():
        user = create_user(email, PASSWORD, None)
        own = Account.create(company_name="Own Co", city="Lyon")
        other = Account.create(company_name="Other Co")
        db.session.add(UserProfile(user=user, account=own, role="admin"))
        db.session.commit()
        return own.account_number, other.account_number


def test_member_admin_reduced_view(site, new_page):
    own, other = add_member_admin(site, "mia@example.com")
    page = new_page()
    page.context.add_init_script(script=AXE)
    page.goto("/login")
    page.get_by_label("Email").fill("mia@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site.url}/my/accounts")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My accounts")).to_be_visible()
    for hidden in ("Accounts", "Reports", "Audit", "API", "Staff"):
        expect(nav.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    expect(page.get_by_role("search", name="Quick find")).to_have_count(0)
    expect(page.get_by_role("row")).to_have_count(2)  # the header and Own Co
    expect(page.get_by_text("Other Co")).to_have_count(0)
    assert serious_violations(page) == [], "my accounts"
    screenshot(page, "member-admin-home")

    page.get_by_role("link", name="Own Co").click()
    expect(page.get_by_role("heading", name="Own Co")).to_be_visible()
    expect(page.get_by_role("link", name="History")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    assert serious_violations(page) == [], "overview"
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.get_by_role("link", name="Add contact").click()
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Added contact Grace Hopper")
    expect(page.get_by_role("row", name="Grace Hopper")).to_be_visible()
    assert serious_violations(page) == [], "contacts"

    response = page.goto(f"/accounts/{other}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert serious_violations(page) == [], "404 page"
    assert page.goto("/accounts/").status == 404
    assert page.goto(f"/accounts/{own}/history").status == 404
