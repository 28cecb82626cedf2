"""Presence in Chromium: two people on one account's edit form each see the other; axe-clean."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, add_account, searchable_lists_ready, serious_violations
from tests.browser.test_sign_in import add_staff, sign_in

WAIT = 20_000  # a poll every 5 s, on a busy machine


def editor(new_page, site, email: str):
    add_staff(site, email, "editor")
    page = new_page()
    page.context.add_init_script(script=AXE)
    sign_in(page, email)
    return page


def test_two_editors_see_each_other_and_the_notice_goes_when_one_leaves(site, new_page):
    number = add_account(site, company_name="Acme Corp")
    ann = editor(new_page, site, "ann@example.com")
    bob = editor(new_page, site, "bob@example.com")
    ann.goto(f"/accounts/{number}/edit")
    expect(ann.get_by_text("Also editing")).to_have_count(0)
    bob.goto(f"/accounts/{number}/edit")
    notice = bob.get_by_role("status").filter(has_text="Also editing")
    expect(notice).to_have_text("Also editing: ann@example.com")  # in the HTML, no wait
    expect(ann.get_by_role("status").filter(has_text="Also editing")).to_have_text(
        "Also editing: bob@example.com", timeout=WAIT
    )
    for page in (ann, bob):
        searchable_lists_ready(page)
        assert serious_violations(page) == []
    screenshot(ann, "presence")
    bob.goto(f"/accounts/{number}")  # leaving sends the beacon
    expect(ann.get_by_text("Also editing")).to_have_count(0, timeout=WAIT)
