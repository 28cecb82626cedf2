"""Contact services: the paged, searchable list and the audited writes."""

from __future__ import annotations

from sqlalchemy import func, select

from webapp.accounts.models import AccountContact
from webapp.audit.models import AuditEvent
from webapp.contacts import services
from webapp.extensions import db


def add(account, email: str, first: str = "Ann", last: str = "Lee", **fields) -> AccountContact:
    contact = AccountContact(
        account=account, first_name=first, last_name=last, email=email, **fields
    )
    db.session.add(contact)
    db.session.commit()
    return contact


def test_contacts_page_orders_primary_first_then_by_name_and_pages(make_account):
    account = make_account()
    for i, last in enumerate(["Young", "adams", "Brown", "Zhu"]):
        add(account, f"p{i}@example.com", last=last, is_primary=(last == "Zhu"))
    first = services.contacts_page(account, "", 1, per_page=3)
    assert [c.last_name for c in first.rows] == ["Zhu", "adams", "Brown"]
    assert (first.total, first.pages, first.has_previous, first.has_next) == (4, 2, False, True)
    second = services.contacts_page(account, "", 2, per_page=3)
    assert [c.last_name for c in second.rows] == ["Young"] and second.has_previous
    assert first.args(page=2) == {"page": 2} and second.args(page=1) == {}
    beyond = services.contacts_page(account, "", 99, per_page=3)
    assert beyond.page == 2


def test_contacts_page_searches_every_word_and_escapes_wildcards(make_account):
    account = make_account()
    add(account, "ada@math.example", first="Ada", last="Lovelace")
    add(account, "grace@navy.example", first="Grace", last="Hopper")
    add(make_account(), "ada.other@math.example", first="Ada", last="Other")
    assert [c.email for c in services.contacts_page(account, "ADA math", 1).rows] == [
        "ada@math.example"
    ]
    assert services.contacts_page(account, "ada navy", 1).total == 0
    assert services.contacts_page(account, "%", 1).total == 0
    assert services.contacts_page(account, "_", 1).total == 0


def test_contacts_page_prefix_names_the_parameters(make_account):
    page = services.contacts_page(make_account(), "ada", 1, prefix="contacts_")
    assert page.param("q") == "contacts_q"
    assert page.args(page=2) == {"contacts_q": "ada", "contacts_page": 2}


def test_unchanged_update_and_repeated_make_primary_record_nothing(make_account):
    account = make_account()
    contact = add(account, "ada@example.com", is_primary=True)
    data = {"first_name": "Ann", "last_name": "Lee", "email": "ada@example.com"}
    assert services.update_contact(contact, data, by="cli") == {}
    assert services.make_primary(contact, by="cli") is False
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_make_primary_moves_the_flag_in_one_transaction(make_account):
    account = make_account()
    first = add(account, "one@example.com", is_primary=True)
    second = add(account, "two@example.com")
    assert services.make_primary(second, by="cli") is True
    db.session.commit()
    primaries = db.session.scalars(
        select(AccountContact.email).where(AccountContact.is_primary.is_(True))
    ).all()
    assert primaries == ["two@example.com"] and first.is_primary is False
    actors = db.session.scalars(select(AuditEvent.actor)).all()
    assert actors == ["cli", "cli"]
