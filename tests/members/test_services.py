"""Member services: one page in two statements, and the owner rule under concurrent writers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.members.helpers import add_account, add_members, add_users, roles
from webapp.accounts.models import Account, UserProfile
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.members import services


@pytest.fixture
def postgres_only(dialect):
    if dialect != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock is PostgreSQL's")


def test_members_page_reads_users_in_the_same_query(app, count_queries):
    number = add_account(app)
    add_members(app, number, ann="owner", **{f"u{i:02d}": "member" for i in range(14)})
    account = Account.get_by_account_number(number)
    with count_queries() as counter:
        page = services.members_page(account, "", page=2, per_page=10)
        emails = [profile.user.email for profile in page.rows]
    assert counter.count == 2  # the count and the rows with their users
    assert page.total == 15 and page.pages == 2 and not page.has_next and page.has_previous
    assert emails == [f"u{i:02d}@example.com" for i in range(9, 14)]
    assert page.args(page=1) == {"per_page": 10}


def test_demoting_both_owners_at_once_leaves_one(app, postgres_only):
    number = add_account(app)
    ids = add_members(app, number, ann="owner", bob="owner")
    first_holds_lock = threading.Event()

    def demote(name: str) -> str:
        with app.app_context():
            profile = db.session.get(UserProfile, ids[name])
            if name == "bob":
                first_holds_lock.wait(5)
            try:
                services.change_role(profile, "member", by="test")
            except ValidationError:
                db.session.rollback()
                return "refused"
            if name == "ann":
                first_holds_lock.set()
                time.sleep(0.5)  # bob's transaction is now waiting on the account's lock
            db.session.commit()
            return "done"

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(demote, ["ann", "bob"])) == ["done", "refused"]
    assert roles(app, number) == {"ann@example.com": "member", "bob@example.com": "owner"}


def test_two_first_members_added_at_once_make_one_owner(app, postgres_only):
    number = add_account(app)
    add_users(app, "ann@example.com", "bob@example.com")
    barrier = threading.Barrier(2)

    def add(email: str) -> None:
        with app.app_context():
            account = Account.get_by_account_number(number)
            barrier.wait()
            services.add_member(account, email, "member", False, by="test")
            time.sleep(0.2)  # hold the lock a moment so the other really waits
            db.session.commit()

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(add, ["ann@example.com", "bob@example.com"]))
    assert sorted(roles(app, number).values()) == ["member", "owner"]
