"""Pages of a search: every plan returns the matches in the list's order, short words read a
bounded number of accounts, and the count stops at its cap; on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from webapp.accounts import counts, plans
from webapp.accounts.models import Account, AccountContact
from webapp.accounts.queries import ListQuery, list_page
from webapp.extensions import db

SORTS = ["company_name", "-company_name", "city", "-created_at", "country", "-account_number"]


def make_accounts() -> None:
    """Matches of 'harbor' that cluster mid-alphabet, one far from them (an email), and
    others that do not match."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    names = [f"Atlas {i:02d}" for i in range(8)] + [f"Harbor {i:02d}" for i in range(9)]
    names += [f"Zeta {i:02d}" for i in range(5)]
    cities = ["Oslo", "Bergen", "Tromsø", "Arendal"]
    for i, name in enumerate(names):
        account = Account.create(
            company_name=name, city=cities[i % 4], country=["NOR", "SWE", "DNK"][i % 3]
        )
        account.created_at = start + timedelta(days=(i * 7) % 22)
        if name == "Atlas 03":  # a match far from the cluster, by its contact's email
            contact = {"first_name": "A", "last_name": "B", "email": "a@harbor.example"}
            db.session.add(AccountContact(account=account, **contact))
    db.session.commit()


def expected(sort: str, word: str = "harbor") -> list[str]:
    """The company names of the matches, in the list's order, computed in Python."""
    key = sort.lstrip("-")
    matches = [
        a for a in db.session.scalars(db.select(Account))
        if word in a.company_name.lower() or any(word in c.email for c in a.contacts)
        or word in (a.city or "").lower()
    ]
    matches.sort(key=lambda a: (getattr(a, key), a.id), reverse=sort.startswith("-"))
    return [a.company_name for a in matches]


def every_page(args: dict[str, str]) -> list[str]:
    """Company names of every page of a search, following the Next links."""
    names: list[str] = []
    page = list_page(ListQuery.from_args(args))
    for _ in range(100):
        names += [a.company_name for a in page.rows]
        if not page.has_next:
            return names
        page = list_page(ListQuery.from_args({k: str(v) for k, v in page.next_args().items()}))
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("plan", ["sort every match", "walk the sort index"])
@pytest.mark.parametrize("sort", SORTS)
def test_every_plan_pages_the_matches_in_the_lists_order(ctx, monkeypatch, plan, sort):
    if plan == "walk the sort index":  # tiny budgets: walks that fill, end and fall back
        monkeypatch.setattr(plans, "ENUMERATE", 0)
        monkeypatch.setattr(plans, "WALK", 4)
    make_accounts()
    want = expected(sort)
    assert len(want) == 10
    assert every_page({"q": "harbor", "sort": sort, "per_page": "3"}) == want
    first = list_page(ListQuery.from_args({"q": "Harbor", "sort": sort, "per_page": "25"}))
    assert [a.company_name for a in first.rows] == want and first.total == 10


def test_previous_links_lead_back_through_a_walk(ctx, monkeypatch):
    monkeypatch.setattr(plans, "ENUMERATE", 0)
    monkeypatch.setattr(plans, "WALK", 4)
    make_accounts()
    second = list_page(ListQuery.from_args({"q": "harbor", "per_page": "3", "page": "2"}))
    third = list_page(ListQuery.from_args({k: str(v) for k, v in second.next_args().items()}))
    back = list_page(ListQuery.from_args({k: str(v) for k, v in third.previous_args().items()}))
    assert [a.company_name for a in back.rows] == expected("company_name")[3:6]


@pytest.mark.parametrize("sort", ["company_name", "-created_at"])
def test_short_words_read_a_bounded_number_of_accounts_per_page(ctx, monkeypatch, sort):
    monkeypatch.setattr(plans, "SCAN", 5)
    make_accounts()
    first = list_page(ListQuery.from_args({"q": "os", "sort": sort}))  # Oslo, Tromsø
    assert first.total is None and first.scanned_to is not None and len(first.rows) <= 5
    assert every_page({"q": "os", "sort": sort}) == expected(sort, "os")


def test_short_words_say_how_far_a_page_read(app, signed_in, monkeypatch):
    monkeypatch.setattr(plans, "SCAN", 5)
    with app.app_context():
        make_accounts()
    page = signed_in("viewer").get("/accounts/?q=zq").get_data(as_text=True)
    assert "Words under 3 characters are matched by reading the accounts in this order" in page
    assert "this page read 5 of them and found no match" in page
    assert "Read the next 5" in page and "not counted" in page


def test_the_count_is_exact_up_to_its_cap(ctx, monkeypatch):
    monkeypatch.setattr(counts, "CAP", 8)
    make_accounts()
    exact = counts.count_facets(ListQuery.from_args({"q": "atlas"}))
    assert exact.total == 8 and not exact.capped and exact.within
    assert exact.counts["country"] == {"NOR": 3, "SWE": 3, "DNK": 2}
    assert counts.count_facets(ListQuery.from_args({"q": "a"})).total is None  # not counted
    capped = counts.count_facets(ListQuery.from_args({"q": "harbor"}))  # 10 match
    assert capped.capped and capped.total == 8 and not capped.within
    assert set(capped.counts["country"]) == {"NOR", "SWE", "DNK"}  # values to offer


def test_a_capped_count_shows_plus_and_filters_without_numbers(app, signed_in, monkeypatch):
    monkeypatch.setattr(counts, "CAP", 8)
    with app.app_context():
        make_accounts()
    page = signed_in("viewer").get("/accounts/?q=harbor").get_data(as_text=True)
    assert "8+ accounts match" in page
    assert '<option value="NOR">NOR</option>' in page
    assert "Page 1 of" not in page


@pytest.mark.parametrize("plan", ["sort every match", "walk the sort index"])
def test_renames_and_email_changes_are_found_in_their_new_place(ctx, monkeypatch, plan):
    if plan == "walk the sort index":
        monkeypatch.setattr(plans, "ENUMERATE", 0)
        monkeypatch.setattr(plans, "WALK", 4)
    make_accounts()
    zeta = db.session.scalar(db.select(Account).where(Account.company_name == "Zeta 04"))
    zeta.company_name = "Aaa Harbor"  # renamed to the front of the order
    db.session.commit()
    assert every_page({"q": "harbor", "per_page": "3"})[0] == "Aaa Harbor"
    contact = db.session.scalar(db.select(AccountContact))
    contact.email = "a@elsewhere.example"
    db.session.commit()
    assert "Atlas 03" not in every_page({"q": "harbor", "per_page": "3"})
    assert every_page({"q": "elsewhere"}) == ["Atlas 03"]
    db.session.execute(update(Account).where(Account.id == zeta.id).values(is_active=False))
    db.session.commit()
    assert every_page({"q": "harbor", "is_active": "false"}) == ["Aaa Harbor"]
    assert "Aaa Harbor" not in every_page({"q": "harbor", "is_active": "true"})


def test_migration_0008_moves_existing_accounts_into_the_new_index(app):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        make_accounts()
        want = expected("-city")
        db.session.remove()
        downgrade(revision="0006")
        upgrade()
        assert every_page({"q": "harbor", "sort": "-city", "per_page": "3"}) == want
        danes = set(db.session.scalars(db.select(Account.company_name).filter_by(country="DNK")))
        want = [name for name in expected("company_name") if name in danes]
        assert every_page({"q": "harbor", "country": "DNK"}) == want
