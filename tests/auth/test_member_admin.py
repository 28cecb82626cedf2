"""The reduced view of member admins (issue 14): sign-in, a default-deny URL walk, revocation."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token, login, statements_of
from tests.contacts.helpers import add_contact
from webapp.accounts.models import Account, UserProfile
from webapp.auth.views import GENERIC_ERROR
from webapp.extensions import db
from webapp.myaccounts.services import ALLOWED_ENDPOINTS

EMAIL = "ma@example.com"
HOME = "/my/accounts"
# Public (before sign-in: the second step of a two-factor sign-in included) or one's own.
SELF_SERVICE = {"auth.login", "twofactor.code", "auth.logout", "auth.change_password"}
SELF_SERVICE |= {"core.healthz", "static"}
OK = {200, 204, 303, 422}
emails = (f"c{n}@example.com" for n in itertools.count())


def add_account(app, name: str, active: bool = True) -> str:
    with app.app_context():
        return Account.create(company_name=name, is_active=active).account_number


def join(app, user_id: int, number: str, role: str) -> int:
    """A membership of the user in the account; returns its id."""
    with app.app_context():
        profile = UserProfile(user_id=user_id, account=Account.get_by_account_number(number))
        profile.role = role
        db.session.add(profile)
        db.session.commit()
        return profile.id


def set_role(app, profile_id: int, role: str | None) -> None:
    """Change a membership's role, or delete it (None)."""
    with app.app_context():
        profile = db.session.get(UserProfile, profile_id)
        if role is None:
            db.session.delete(profile)
        else:
            profile.role = role
        db.session.commit()


@pytest.fixture
def world(app, make_user):
    """A member admin of one account ("own"), another account ("other"), each with records."""
    user_id = make_user(EMAIL, None)
    own, other = add_account(app, "Own Co"), add_account(app, "Other Co")
    profile = join(app, user_id, own, "admin")
    peer = make_user("peer@example.com", None)
    return {
        "user_id": user_id,
        "profile": profile,
        "own": own,
        "other": other,
        "own_peer": join(app, peer, own, "member"),
        "other_peer": join(app, peer, other, "owner"),
        "other_contact": add_contact(app, other, "x.other@example.com"),
    }


@pytest.fixture
def member_admin(app, world):
    client = app.test_client()
    response = login(client, EMAIL)
    assert response.status_code == 303 and response.headers["Location"] == HOME
    return client


def test_a_member_admin_signs_in_to_their_accounts(member_admin, world):
    html = member_admin.get(HOME).get_data(as_text=True)
    assert "Own Co" in html and "Other Co" not in html
    assert 'href="/accounts/"' not in html and "/audit" not in html and "/reports" not in html
    assert member_admin.get(f"/accounts/{world['own']}").status_code == 200


@pytest.mark.parametrize("role", ["member", "owner"])
def test_other_members_are_refused_with_the_generic_error(app, make_user, role):
    user_id = make_user(f"{role}@example.com", None)
    join(app, user_id, add_account(app, "Acme"), role)
    client = app.test_client()
    response = login(client, f"{role}@example.com")
    assert response.status_code == 200 and str(GENERIC_ERROR) in response.get_data(as_text=True)
    assert client.get(HOME).status_code == 302


def test_sign_in_follows_next_only_into_the_reduced_view(app, world):
    own = f"/accounts/{world['own']}/contacts/"
    for target, expected in [("/accounts/", HOME), (own, own), ("/audit", HOME)]:
        client = app.test_client()
        data = {"email": EMAIL, "password": PASSWORD, "csrf_token": csrf_token(client)}
        response = client.post("/login", query_string={"next": target}, data=data)
        assert response.headers["Location"] == expected, target


def test_admin_of_an_inactive_account_only_is_refused(app, make_user):
    user_id = make_user("gone@example.com", None)
    join(app, user_id, add_account(app, "Closed", active=False), "admin")
    response = login(app.test_client(), "gone@example.com")
    assert response.status_code == 200 and str(GENERIC_ERROR) in response.get_data(as_text=True)


def test_a_deactivated_member_admin_is_refused(app, make_user):
    user_id = make_user("off@example.com", None, is_active=False)
    join(app, user_id, add_account(app, "Acme"), "admin")
    assert login(app.test_client(), "off@example.com").status_code == 200


def fill(app, rule, world, side: str) -> dict:
    """URL values: the side's account and a fresh record of it (others: a sample id)."""
    number = world[side]
    values = {}
    for arg in rule.arguments:
        items = getattr(rule._converters[arg], "items", None)
        if items:
            values[arg] = sorted(items)[0]
        elif arg == "number":
            values[arg] = number
        elif arg == "contact_id":
            values[arg] = add_contact(app, number, next(emails))
        elif arg == "profile_id":
            values[arg] = world[f"{side}_peer"]
        else:
            values[arg] = world["user_id"] if arg == "user_id" else 1
    return values


def walk(app):
    """(rule, method) for every page route a browser session could reach."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith("api_v1.") or rule.endpoint in SELF_SERVICE:
            continue
        for method in sorted({"GET", "POST"} & rule.methods):
            yield rule, method


def test_url_walk_default_deny(app, world, member_admin):
    token = csrf_token(member_admin, HOME)
    adapter = app.url_map.bind("localhost")
    seen = set()
    for rule, method in walk(app):
        for side in ("own", "other"):
            if side == "other" and "number" not in rule.arguments:
                continue
            url = adapter.build(rule.endpoint, fill(app, rule, world, side))
            data = {"csrf_token": token} if method == "POST" else None
            status = member_admin.open(url, method=method, data=data).status_code
            allowed = rule.endpoint in ALLOWED_ENDPOINTS and side == "own"
            expected = OK if allowed else {404}
            assert status in expected, (method, url, rule.endpoint, status)
            seen.add(rule.endpoint)
    assert {"accounts.index", "audit.index", "staff.index", "users.detail"} <= seen
    assert member_admin.get(HOME).status_code == 200  # still signed in after the walk


def test_allow_list_names_real_endpoints(app):
    assert ALLOWED_ENDPOINTS <= set(app.view_functions)


def test_member_admin_posts_still_need_csrf(app, world, member_admin):
    url = f"/accounts/{world['own']}/contacts/new"
    response = member_admin.post(url, data={"first_name": "A", "email": "a@example.com"})
    assert response.status_code == 400


def test_member_admin_adds_a_contact_and_sees_only_their_tabs(app, world, member_admin):
    own = world["own"]
    url = f"/accounts/{own}/contacts/new"
    data = {"csrf_token": csrf_token(member_admin, url), "first_name": "Ann", "last_name": "Lee"}
    response = member_admin.post(url, data={**data, "email": "ann@example.com"})
    assert response.status_code == 303
    html = member_admin.get(f"/accounts/{own}/contacts/").get_data(as_text=True)
    assert "ann@example.com" in html and "Add contact" in html
    assert f"/accounts/{own}/history" not in html and f"/accounts/{own}/edit" not in html
    members = member_admin.get(f"/accounts/{own}/members/").get_data(as_text=True)
    assert "peer@example.com" in members and "/users/" not in members
    assert "Add member" not in members


@pytest.mark.parametrize("change", [None, "member", "owner"])
def test_losing_the_admin_membership_takes_effect_on_the_next_request(
    app, world, member_admin, change
):
    second = add_account(app, "Second Co")
    join(app, world["user_id"], second, "admin")
    assert member_admin.get(f"/accounts/{world['own']}").status_code == 200
    set_role(app, world["profile"], change)
    assert member_admin.get(f"/accounts/{world['own']}").status_code == 404
    assert member_admin.get(f"/accounts/{second}").status_code == 200
    with app.app_context():
        profile = db.session.scalar(
            select(UserProfile).where(UserProfile.account.has(Account.account_number == second))
        )
        db.session.delete(profile)
        db.session.commit()
    response = member_admin.get(f"/accounts/{second}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_deactivating_the_account_closes_it(app, world, member_admin):
    with app.app_context():
        account = Account.get_by_account_number(world["own"])
        account.is_active = False
        db.session.commit()
    assert member_admin.get(f"/accounts/{world['own']}").status_code == 302


def test_staff_pages_read_no_membership_and_member_admins_one_query(app, world, signed_in):
    staff = signed_in("viewer")
    staff.get("/password")
    response, baseline = statements_of(app, lambda: staff.get("/password"))
    assert response.status_code == 200 and not any("user_profile" in s for s in baseline)
    member_admin = app.test_client()
    login(member_admin, EMAIL)
    member_admin.get("/password")
    response, statements = statements_of(app, lambda: member_admin.get("/password"))
    assert response.status_code == 200 and len(statements) == len(baseline) + 1
    assert sum("user_profile" in s for s in statements) == 1


@pytest.mark.parametrize(
    ("endpoint", "side", "status"),
    [
        ("accounts.detail", "own", 200),
        ("accounts.detail", "other", 404),
        ("accounts.edit", "own", 404),
    ],
)
def test_role_required_alone_refuses_member_admins_with_404(app, world, endpoint, side, status):
    """Defence in depth: a view behind ``role_required`` is safe even without the guard."""
    from flask import g
    from werkzeug.exceptions import NotFound

    from webapp.auth.models import User
    from webapp.myaccounts.services import admit

    path = f"/accounts/{world[side]}" + ("/edit" if endpoint.endswith("edit") else "")
    with app.test_request_context(path):  # no before_request: the guard does not run
        g._login_user = user = db.session.get(User, world["user_id"])
        assert admit(user)
        view = app.view_functions[endpoint]
        if status == 404:
            with pytest.raises(NotFound):
                view(number=world[side])
        else:
            assert view(number=world[side])


def test_the_404_page_keeps_the_reduced_navigation(world, member_admin):
    html = member_admin.get(f"/accounts/{world['other']}").get_data(as_text=True)
    assert 'href="/my/accounts"' in html
    assert 'href="/accounts/"' not in html and 'href="/audit' not in html


def test_every_link_on_the_reduced_pages_opens(app, world, member_admin):
    """No link in the reduced view leads to a 404 (the staff pages are not even shown)."""
    import re

    own = world["own"]
    contact = add_contact(app, own, "linked@example.com")
    pages = [HOME, f"/accounts/{own}", f"/accounts/{own}/contacts/", f"/accounts/{own}/members/"]
    pages += [f"/accounts/{own}/billing", f"/accounts/{own}/contacts/{contact}/edit", "/password"]
    links = set()
    for page in pages:
        html = member_admin.get(page).get_data(as_text=True)
        links |= set(re.findall(r'href="(/[^"]*)"', html))
    links = {link.replace("&amp;", "&") for link in links if not link.startswith("/static/")}
    assert f"/accounts/{own}/contacts/{contact}/edit" in {link.split("?")[0] for link in links}
    for link in sorted(links):
        assert member_admin.get(link).status_code == 200, link


def test_required_two_factor_is_for_staff_only(app, world):
    """Member admins cannot open the enrolment pages, so "required for all staff" skips them."""
    from webapp.twofactor import services as twofactor

    with app.app_context():
        twofactor.set_required(True, by="test")
        db.session.commit()
    client = app.test_client()
    response = login(client, EMAIL)
    assert response.status_code == 303 and response.headers["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert client.get("/2fa/enrol").status_code == 404
