"""Two hosts behind any load balancer behave as one: no stale page, one throttle, one session."""

from __future__ import annotations

import re

from bench.webclient import Browser
from tests.conftest import PASSWORD
from tests.hosts.conftest import Deployment


def new_account(browser: Browser, company: str) -> str:
    """Create an account through the form; returns its number."""
    page = browser.submit("/accounts/new", {"company_name": company})
    assert page.status == 303, page.body[:500]
    return page.location.rstrip("/").rsplit("/", 1)[-1]


def test_an_edit_on_one_host_is_never_served_stale_by_the_other(deployment: Deployment):
    editor_a = deployment.signed_in("editor@example.com")
    editor_b = editor_a.on(deployment.b)
    number = new_account(editor_a, "Stale Check Ltd")
    for round_ in range(5):
        city = f"Harbourtown{round_}x"
        # Host B reads (and caches) the account, and a search with its counts, before the edit.
        before = [editor_b.get(path) for path in (f"/accounts/{number}", f"/accounts/?q={city}")]
        assert [page.status for page in before] == [200, 200]
        assert city not in before[0].body and "0 accounts match" in before[1].body
        edited = editor_a.submit(f"/accounts/{number}/edit", {"city": city})
        assert edited.status == 303, edited.body[:500]
        after = [editor_b.get(path) for path in (f"/accounts/{number}", f"/accounts/?q={city}")]
        assert all(page.status == 200 and city in page.body for page in after)
        assert number in after[1].body and "1 account matches" in after[1].body  # cached count


def test_sign_in_failures_on_both_hosts_count_toward_one_limit(deployment: Deployment):
    deployment.add_user("throttled@example.com")
    # One client address, vouched for by the proxy header the hosts trust (TRUSTED_PROXY_COUNT=1).
    visitor_a = Browser(deployment.a, headers={"X-Forwarded-For": "203.0.113.7"})
    visitor_b = visitor_a.on(deployment.b)
    for attempt in range(10):
        visitor = visitor_a if attempt % 2 else visitor_b
        page = visitor.sign_in("throttled@example.com", "wrong-password-xyz")
        assert page.status not in (303, 429), (attempt, page.status)
    for visitor in (visitor_a, visitor_b):
        page = visitor.sign_in("throttled@example.com", PASSWORD)
        assert page.status == 429
        assert visitor.get("/accounts/").status == 302  # the right password did not sign in


def test_a_session_made_on_one_host_works_on_the_other(deployment: Deployment):
    on_a = deployment.signed_in("editor@example.com")
    page = on_a.on(deployment.b).get("/accounts/")
    assert page.status == 200
    assert "editor@example.com" in page.body
    assert Browser(deployment.b).get("/accounts/").status == 302  # without the cookie: sign in


def test_a_user_deactivated_on_one_host_is_signed_out_on_the_other(deployment: Deployment):
    user_id = deployment.add_user("leaver@example.com")
    leaver_b = deployment.signed_in("leaver@example.com", port=deployment.b)
    assert leaver_b.get("/accounts/").status == 200
    admin_a = deployment.signed_in("admin@example.com")
    staff_page = admin_a.get("/staff/").body
    assert re.search(rf'action="/staff/{user_id}/deactivate"', staff_page)
    page = admin_a.submit("/staff/", action=f"/staff/{user_id}/deactivate")
    assert page.status == 303, page.body[:500]
    after = leaver_b.get("/accounts/")
    assert after.status == 302 and after.location == "/login"
