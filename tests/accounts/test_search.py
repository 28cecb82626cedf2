"""The list's indexed search and its filter counts, on both databases."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select, text, update

from tests.accounts.test_views import add_accounts
from webapp.accounts.counts import count_facets
from webapp.accounts.models import Account, AccountContact
from webapp.accounts.queries import ListQuery, list_page
from webapp.accounts.search import matching_ids
from webapp.extensions import db


def found(*words: str) -> set[str]:
    """Company names of the accounts whose search document holds every word."""
    ids = matching_ids(words)
    return set(db.session.scalars(select(Account.company_name).where(Account.id.in_(ids))))


def test_each_word_may_match_a_different_field(ctx):
    Account.create(company_name="Harbor Foods", city="Oslo", name="harborFoods")
    Account.create(company_name="Quay Foods", city="Bergen")
    assert found("harbor") == {"Harbor Foods"}
    assert found("FOODS", "oslo") == {"Harbor Foods"}
    assert found("foods") == {"Harbor Foods", "Quay Foods"}
    assert found("foods", "nowhere") == set()


def test_numbers_and_short_words_match_as_substrings(ctx):
    account = Account.create(company_name="Ab Co", account_number="1234-5678-9012")
    Account.create(company_name="Other")
    assert found("5678-90") == {"Ab Co"}
    assert found("ab") == {"Ab Co"}  # under 3 characters: the scan, not the index
    assert found(account.account_number) == {"Ab Co"}


@pytest.mark.parametrize("word", ["%", "_", '"', "100%", 'a"b', "o'b"])
def test_wildcards_and_quotes_are_literal(ctx, word):
    Account.create(company_name="Plain Name")
    Account.create(company_name=f"Odd {word} Name")
    assert found(word) == {f"Odd {word} Name"}


def test_the_document_follows_every_write_path(ctx):
    account = Account.create(company_name="Acme Corp")
    contact = AccountContact(account=account, first_name="Z", last_name="Z", email="z@rare.example")
    db.session.add(contact)
    db.session.commit()
    assert found("rare.example") == {"Acme Corp"}
    contact.email = "z@other.example"
    db.session.commit()
    assert found("rare.example") == set() and found("other.example") == {"Acme Corp"}
    db.session.execute(update(Account).where(Account.id == account.id).values(city="Tromsø"))
    db.session.commit()
    assert found("tromsø") == {"Acme Corp"}
    db.session.execute(delete(AccountContact))
    db.session.commit()
    assert found("other.example") == set()
    db.session.delete(account)
    db.session.commit()
    assert found("acme") == set()
    assert db.session.scalar(text("SELECT count(*) FROM account_search")) == 0


def test_counts_are_within_the_matching_set(ctx):
    Account.create(company_name="Acme One", country="NOR", currency="NOK")
    Account.create(company_name="Acme Two", country="NOR", currency="EUR", is_active=False)
    Account.create(company_name="Zeta", country="SWE", currency="SEK")
    facets = count_facets(ListQuery.from_args({"q": "acme"}))
    assert facets.total == 2
    assert facets.counts["country"] == {"NOR": 2}
    assert facets.counts["currency"] == {"NOK": 1, "EUR": 1}
    assert facets.counts["is_active"] == {"true": 1, "false": 1}
    assert facets.counts["is_default_account"] == {"false": 2}
    everything = count_facets(ListQuery.from_args({"country": "SWE"}))
    assert everything.total == 1 and everything.counts["currency"] == {"SEK": 1}


def test_cached_counts_are_renewed_by_any_change(ctx):
    Account.create(company_name="Acme One", country="NOR")
    query = ListQuery.from_args({})
    assert list_page(query).total == 1
    Account.create(company_name="Acme Two", country="NOR")
    assert list_page(query).total == 2
    db.session.execute(update(Account).values(country="SWE"))  # a bulk statement
    db.session.commit()
    assert list_page(query).facets.counts["country"] == {"SWE": 2}
    acme = db.session.scalar(select(Account).limit(1))
    db.session.add(AccountContact(account=acme, first_name="A", last_name="B", email="a@x.example"))
    db.session.commit()
    assert list_page(ListQuery.from_args({"q": "x.example"})).total == 1


def test_list_shows_counts_in_the_filters(app, signed_in):
    add_accounts(app, "Acme Corp", "Acme Labs", country="NOR")
    add_accounts(app, "Quiet Inc", is_active=False, country="SWE")
    page = signed_in("viewer").get("/accounts/").get_data(as_text=True)
    assert "3 accounts match" in page
    assert re.search(r'<option value="true">Active \(2\)</option>', page)
    assert re.search(r'<option value="false">Inactive \(1\)</option>', page)
    assert re.search(r'<option value="NOR">NOR \(2\)</option>', page)
    assert page.index(">NOR (2)<") < page.index(">SWE (1)<")  # commonest first
