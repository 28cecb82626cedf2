"""Import in Chromium: upload a file with a mistake, read the dry run, fix it, apply it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_accounts import AXE, serious_violations
from tests.browser.test_sign_in import add_staff, sign_in

SLOW = 30_000  # the dry run and the apply run in a background thread on a busy machine
BAD = (
    b"company_name,country,phone_number,tags\n"
    b"Acme Imported,us,+12125550100,vip\nBeta Imported,FR,12,\n"
)
FIXED = BAD.replace(b",12,", b",+33142685300,")


def choose(page, data: bytes) -> None:
    page.get_by_label("File").set_input_files(
        {"name": "accounts.csv", "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Check the file").click()


def test_upload_a_mistake_fix_it_and_apply(site, new_page):
    add_staff(site, "ed@example.com", "editor")
    page = new_page()
    page.context.add_init_script(script=AXE)
    sign_in(page, "ed@example.com")
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import accounts")).to_be_visible()
    assert serious_violations(page) == [], "upload page"
    choose(page, BAD)
    problems = page.get_by_role("table", name="Every problem, by line.")
    expect(problems).to_contain_text("phone_number", timeout=SLOW)
    expect(problems.get_by_role("row").nth(1)).to_contain_text("3")
    expect(page.get_by_role("button", name="Apply", exact=False)).to_have_count(0)
    assert serious_violations(page) == [], "dry run with a bad row"
    choose(page, FIXED)
    apply = page.get_by_role("button", name="Apply: create 2, update 0")
    expect(apply).to_be_visible(timeout=SLOW)
    apply.click()
    expect(page.get_by_role("status").filter(has_text="Imported: 2 created")).to_be_visible(
        timeout=SLOW
    )
    assert serious_violations(page) == [], "import done"
    page.get_by_role("link", name="See the accounts").click()
    expect(page.get_by_role("link", name="Acme Imported")).to_be_visible()
    expect(page.get_by_role("link", name="Beta Imported")).to_be_visible()


def test_import_without_javascript(site, browser):
    """The job page reloads itself while the file is checked and applied (a <noscript> refresh)."""
    add_staff(site, "ed@example.com", "editor")
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "ed@example.com")
        page.goto("/accounts/import")
        rows = b"".join(b"Plain %d\n" % i for i in range(5000))
        choose(page, b"company_name\n" + rows)
        apply = page.get_by_role("button", name="Apply: create 5,000, update 0")
        expect(apply).to_be_visible(timeout=SLOW)
        apply.click()
        expect(page.get_by_text("Imported: 5,000 created")).to_be_visible(timeout=SLOW)
    finally:
        context.close()
