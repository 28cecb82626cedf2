"""The command palette in Chromium, from the keyboard alone: Ctrl+K, /, ?, arrows, Enter, Esc."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import AXE, add_account, serious_violations
from tests.browser.test_sign_in import add_staff, sign_in

ANSWER = 20_000  # a busy machine: the first search may wait on a cold server


def signed_in_editor(site, new_page):
    add_staff(site, "ed@example.com", "editor")
    page = new_page()
    page.context.add_init_script(script=AXE)
    sign_in(page, "ed@example.com")
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    page.wait_for_load_state("load")  # palette.js is deferred
    return page


def test_ctrl_k_type_arrow_enter_lands_on_the_account(site, new_page):
    add_account(site, company_name="Globex East")
    add_account(site, company_name="Globex West")
    page = signed_in_editor(site, new_page)
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name="Go to an account, page or action")
    expect(dialog).to_be_visible()
    box = dialog.get_by_role("combobox")
    expect(box).to_be_focused()
    page.keyboard.type("globex")
    west = dialog.get_by_role("option", name="Globex West")
    expect(west).to_be_visible(timeout=ANSWER)
    expect(dialog.get_by_role("option", name="Globex East")).to_have_attribute(
        "aria-selected", "true"
    )
    assert serious_violations(page) == [], "palette open with results"
    screenshot(page, "palette-open")
    page.keyboard.press("ArrowDown")
    expect(west).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", west.get_attribute("id"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Globex West")).to_be_visible()


def test_slash_opens_escape_closes_and_focus_returns(site, new_page):
    page = signed_in_editor(site, new_page)
    export = page.get_by_role("link", name="Export CSV")
    export.focus()
    page.keyboard.press("/")
    dialog = page.get_by_role("dialog", name="Go to an account, page or action")
    expect(dialog.get_by_role("combobox")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(export).to_be_focused()
    search = page.get_by_label("Search", exact=True)
    search.focus()
    page.keyboard.type("a/b")  # typing in a field: / is a character, not a shortcut
    expect(search).to_have_value("a/b")
    expect(dialog).to_be_hidden()


def test_typing_an_action_or_a_number_runs_it(site, new_page):
    number = add_account(site, company_name="Initech")
    page = signed_in_editor(site, new_page)
    page.keyboard.press("Control+k")
    page.keyboard.type("new account")
    dialog = page.get_by_role("dialog", name="Go to an account, page or action")
    expect(dialog.get_by_role("option", name="New account")).to_be_visible(timeout=ANSWER)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site.url}/accounts/new")
    page.wait_for_load_state("load")
    page.keyboard.press("Control+k")
    page.keyboard.type(number)
    page.keyboard.press("Enter")  # before the answer arrives: it goes once it does
    expect(page.get_by_role("heading", name="Initech")).to_be_visible(timeout=ANSWER)
    page.wait_for_load_state("load")  # palette.js is deferred
    page.keyboard.press("Control+k")
    page.keyboard.type("audit")
    expect(page.get_by_role("option", name="Audit")).to_be_visible(timeout=ANSWER)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site.url}/audit")


def test_question_mark_shows_the_shortcuts(site, new_page):
    page = signed_in_editor(site, new_page)
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Ctrl + K or /")
    assert serious_violations(page) == [], "shortcuts help"
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    for scheme in ("dark",):
        dark = new_page(color_scheme=scheme)
        dark.context.add_init_script(script=AXE)
        sign_in(dark, "ed@example.com")
        expect(dark.get_by_role("heading", name="Accounts")).to_be_visible()
        dark.wait_for_load_state("load")
        dark.keyboard.press("Control+k")
        dark.keyboard.type("acc")
        option = dark.get_by_role("option", name=re.compile(r"^Accounts\W"))
        expect(option).to_be_visible(timeout=ANSWER)
        assert serious_violations(dark) == [], f"palette ({scheme})"


def test_ctrl_k_from_the_help_opens_the_palette_and_escape_returns_focus(site, new_page):
    page = signed_in_editor(site, new_page)
    export = page.get_by_role("link", name="Export CSV")
    export.focus()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name="Go to an account, page or action")
    expect(dialog.get_by_role("combobox")).to_be_focused()
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(export).to_be_focused()
