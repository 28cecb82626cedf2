"""Member screens through HTTP: list, add, invite, role, remove; roles, CSRF, 422, 409, 404."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login, post
from tests.members.helpers import add_account, add_members, add_users, events, roles
from webapp.accounts.models import User
from webapp.extensions import db


def members_url(number: str, rest: str = "") -> str:
    return f"/accounts/{number}/members/{rest}"


def test_list_is_searchable_and_paged_and_read_only_for_viewers(app, signed_in):
    number = add_account(app)
    add_members(app, number, alice="owner", **{f"user{i:02d}": "member" for i in range(30)})
    client = signed_in("viewer")
    first = client.get(members_url(number)).get_data(as_text=True)
    assert "31 members" in first and "alice@example.com" in first
    assert "user23@example.com" in first and "user24@example.com" not in first
    assert "Add member" not in first and "Change role" not in first and "Remove" not in first
    second = client.get(members_url(number, "?page=2")).get_data(as_text=True)
    assert "user24@example.com" in second and "alice@example.com" not in second
    found = client.get(members_url(number, "?q=ALICE")).get_data(as_text=True)
    assert "1 member matching" in found and "user01@example.com" not in found
    nothing = client.get(members_url(number, "?q=nobody")).get_data(as_text=True)
    assert "No member's email matches" in nothing
    for query in ("page=abc", "page=-3", "per_page=0", "page=999"):
        assert client.get(members_url(number, f"?{query}")).status_code == 200


def test_empty_list_says_what_to_do(app, signed_in):
    number = add_account(app)
    client = signed_in("editor")
    detail = client.get(f"/accounts/{number}").get_data(as_text=True)
    assert f'href="{members_url(number)}"' in detail
    page = client.get(members_url(number)).get_data(as_text=True)
    assert "no members yet" in page and "Add the first member" in page


def test_add_existing_users_first_becomes_owner(app, signed_in):
    number = add_account(app)
    add_users(app, "Ann@Example.com", "bob@example.com")
    client = signed_in("editor")
    response = post(
        client, members_url(number, "new"), {"email": "ann@example.com", "role": "member"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == members_url(number)
    assert "first member of an account is its owner" in client.get(members_url(number)).get_data(
        as_text=True
    )
    response = post(
        client, members_url(number, "new"), {"email": "bob@example.com", "role": "admin"}
    )
    assert response.status_code == 303
    assert roles(app, number) == {"ann@example.com": "owner", "bob@example.com": "admin"}
    added = events(app, "member.add")
    assert [e.changes for e in added] == [
        {"user": [None, "ann@example.com"], "role": [None, "owner"]},
        {"user": [None, "bob@example.com"], "role": [None, "admin"]},
    ]
    assert added[0].actor == "editor@example.com" and added[0].account_id is not None


def test_unknown_email_without_invite_is_422_with_input_kept(app, signed_in):
    number = add_account(app)
    client = signed_in("editor")
    data = {"email": "new@example.com", "role": "admin"}
    response = post(client, members_url(number, "new"), data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="new@example.com"' in page and "No user has this email" in page
    assert 'id="email-error"' in page and '<option selected value="admin">' in page
    assert roles(app, number) == {}
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "new@example.com")) is None


@pytest.mark.parametrize("email", ["not-an-email", ""])
def test_malformed_email_is_422(app, signed_in, email):
    number = add_account(app)
    response = post(
        signed_in("editor"), members_url(number, "new"), {"email": email, "invite": "y"}
    )
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert roles(app, number) == {}


def test_invite_creates_a_platform_user_who_cannot_sign_in(app, signed_in):
    number = add_account(app)
    client = signed_in("admin")
    data = {"email": "Newbie@Example.com", "role": "owner", "invite": "y"}
    assert post(client, members_url(number, "new"), data).status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "newbie@example.com"))
        assert user.role is None and user.password_hash is None and user.is_active
        assert user.check_password("") is False
    assert roles(app, number) == {"newbie@example.com": "owner"}
    [created] = events(app, "user.create")
    assert created.changes == {"email": [None, "newbie@example.com"]}
    [invited] = events(app, "member.invite")
    assert invited.changes == {"user": [None, "newbie@example.com"], "role": [None, "owner"]}
    response = login(app.test_client(), "newbie@example.com", "anything-at-all-1")
    assert response.status_code != 303


def test_invite_ticked_for_a_known_user_just_attaches(app, signed_in):
    number = add_account(app)
    add_users(app, "known@example.com")
    client = signed_in("editor")
    data = {"email": "known@example.com", "role": "owner", "invite": "y"}
    assert post(client, members_url(number, "new"), data).status_code == 303
    assert len(events(app, "member.add")) == 1 and events(app, "user.create") == []


def test_already_a_member_is_422(app, signed_in):
    number = add_account(app)
    add_members(app, number, ann="owner")
    response = post(signed_in("editor"), members_url(number, "new"), {"email": "ANN@example.com"})
    assert response.status_code == 422
    assert "already a member" in response.get_data(as_text=True)
    assert roles(app, number) == {"ann@example.com": "owner"}


def test_change_role_keeps_an_owner(app, signed_in):
    number = add_account(app)
    ids = add_members(app, number, ann="owner", bob="member")
    client = signed_in("editor")
    response = post(client, members_url(number, f"{ids['ann']}/role"), {"role": "member"})
    assert response.status_code == 409
    assert "needs an owner" in response.get_data(as_text=True)
    assert (
        post(client, members_url(number, f"{ids['bob']}/role"), {"role": "owner"}).status_code
        == 303
    )
    response = post(client, members_url(number, f"{ids['ann']}/role"), {"role": "admin"})
    assert response.status_code == 303 and response.headers["Location"] == members_url(number)
    assert roles(app, number) == {"ann@example.com": "admin", "bob@example.com": "owner"}
    changes = [(e.email, e.changes) for e in events(app, "member.role_change")]
    assert changes == [
        ("bob@example.com", {"role": ["member", "owner"]}),
        ("ann@example.com", {"role": ["owner", "admin"]}),
    ]


def test_unknown_role_is_422_beside_the_row(app, signed_in):
    number = add_account(app)
    ids = add_members(app, number, ann="owner")
    response = post(signed_in("editor"), members_url(number, f"{ids['ann']}/role"), {"role": "god"})
    assert response.status_code == 422
    assert f'id="member-role-{ids["ann"]}-error"' in response.get_data(as_text=True)
    assert roles(app, number) == {"ann@example.com": "owner"}


def test_remove_confirms_and_keeps_the_last_owner_while_others_remain(app, signed_in):
    number = add_account(app)
    ids = add_members(app, number, ann="owner", bob="member")
    client = signed_in("editor")
    page = client.get(members_url(number, f"{ids['bob']}/delete"))
    assert page.status_code == 200 and "Remove bob@example.com" in page.get_data(as_text=True)
    path = members_url(number, f"{ids['ann']}/delete")
    response = post(client, path, form_page=path)
    assert response.status_code == 409 and "needs an owner" in response.get_data(as_text=True)
    path = members_url(number, f"{ids['bob']}/delete")
    response = post(client, path, form_page=path)
    assert response.status_code == 303 and response.headers["Location"] == members_url(number)
    path = members_url(number, f"{ids['ann']}/delete")
    assert post(client, path, form_page=path).status_code == 303  # the sole member may go
    assert roles(app, number) == {}
    removed = [e.changes for e in events(app, "member.remove")]
    assert removed == [
        {"user": ["bob@example.com", None], "role": ["member", None]},
        {"user": ["ann@example.com", None], "role": ["owner", None]},
    ]
    with app.app_context():  # the users stay
        assert db.session.scalar(select(User).where(User.email == "ann@example.com")) is not None


def test_unknown_or_foreign_objects_are_404(app, signed_in):
    number, other = add_account(app, "Acme"), add_account(app, "Other")
    foreign = add_members(app, other, zed="owner")["zed"]
    client = signed_in("editor")
    assert client.get(members_url("1234-5678-9999")).status_code == 404
    assert client.get("/accounts/not-a-number-x/members/").status_code == 404
    assert client.get(members_url(number, f"{foreign}/delete")).status_code == 404
    assert client.get(members_url(number, "999/delete")).status_code == 404
    assert (
        post(client, members_url(number, f"{foreign}/role"), {"role": "member"}).status_code == 404
    )
    assert post(client, members_url(number, f"{foreign}/delete")).status_code == 404
    assert client.get("/users/999").status_code == 404
    assert roles(app, other) == {"zed@example.com": "owner"}


def test_viewers_read_but_never_change(app, signed_in):
    number = add_account(app)
    ids = add_members(app, number, ann="owner")
    add_users(app, "bob@example.com")
    viewer = signed_in("viewer")
    assert viewer.get(members_url(number)).status_code == 200
    assert viewer.get(f"/users/{add_users(app, 'x@example.com')[0]}").status_code == 200
    assert viewer.get(members_url(number, "new")).status_code == 403
    assert viewer.get(members_url(number, "candidates?q=b")).status_code == 403
    assert viewer.get(members_url(number, f"{ids['ann']}/delete")).status_code == 403
    for path, data in [
        ("new", {"email": "bob@example.com", "role": "owner"}),
        (f"{ids['ann']}/role", {"role": "member"}),
        (f"{ids['ann']}/delete", {}),
    ]:
        assert post(viewer, members_url(number, path), data).status_code == 403
    assert roles(app, number) == {"ann@example.com": "owner"}


def test_post_without_csrf_is_400(app, signed_in):
    number = add_account(app)
    add_users(app, "bob@example.com")
    client = signed_in("editor")
    response = client.post(members_url(number, "new"), data={"email": "bob@example.com"})
    assert response.status_code == 400
    assert roles(app, number) == {}
    token = csrf_token(client, members_url(number, "new"))
    assert token  # the add form carries a token


def test_candidates_json(app, signed_in):
    number = add_account(app)
    add_members(app, number, bobby="owner")
    add_users(app, "bob@example.com", "abob@example.com", "carol@example.com", "b_x@example.com")
    add_users(app, *[f"bob{i:02d}@example.org" for i in range(12)])
    client = signed_in("editor")
    emails = client.get(members_url(number, "candidates?q=BOB")).get_json()["emails"]
    assert len(emails) == 10 and emails[0] == "bob00@example.org"
    assert "bobby@example.com" not in emails  # already a member
    assert client.get(members_url(number, "candidates?q=abo")).get_json() == {
        "emails": ["abob@example.com"]
    }
    assert client.get(members_url(number, "candidates?q=b_")).get_json() == {
        "emails": ["b_x@example.com"]
    }
    assert client.get(members_url(number, "candidates?q=%25")).get_json() == {"emails": []}
    assert client.get(members_url(number, "candidates")).get_json() == {"emails": []}
    response = client.get("/accounts/1234-5678-9999/members/candidates?q=b")
    assert response.status_code == 404


def test_user_page_lists_every_account_with_its_role(app, signed_in):
    acme, zeta = add_account(app, "Acme"), add_account(app, "Zeta")
    add_members(app, acme, ann="owner")
    with app.app_context():
        from webapp.accounts.models import Account, UserProfile
        from webapp.auth.services import find_user

        ann = find_user("ann@example.com")
        db.session.add(
            UserProfile(user=ann, account=Account.get_by_account_number(zeta), role="member")
        )
        db.session.commit()
        ann_id = ann.id
    client = signed_in("viewer")
    listing = client.get(members_url(acme)).get_data(as_text=True)
    assert f'href="/users/{ann_id}"' in listing
    page = client.get(f"/users/{ann_id}").get_data(as_text=True)
    assert "2 accounts" in page and "platform user" in page and "no password set yet" in page
    assert page.index("Acme") < page.index("Zeta")
    assert f'href="/accounts/{zeta}"' in page and ">owner<" in page and ">member<" in page
    lonely = add_users(app, "lonely@example.com")[0]
    assert "not a member of any account" in client.get(f"/users/{lonely}").get_data(as_text=True)
