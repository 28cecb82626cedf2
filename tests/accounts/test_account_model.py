"""The Account model's rules hold on every write path, on both databases."""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from webapp.accounts.models import Account
from webapp.errors import ValidationError
from webapp.extensions import db

NUMBER = re.compile(r"^\d{4}-\d{4}-\d{4}$", re.ASCII)
MALFORMED = [
    "1234-5678-9012\n",
    "\u0661\u0662\u0663\u0664-5678-9012",  # Arabic-Indic digits
    "\uff11234-5678-9012",  # a full-width digit
    "123-45678-9012",
    " 1234-5678-9012",
    "1234567890123",
    "abcd-efgh-ijkl",
]


def account_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Account))


def test_create_generates_a_valid_number_and_defaults(ctx):
    account = Account.create(company_name="  Acme Corp  ")
    assert NUMBER.match(account.account_number)
    assert account.company_name == "Acme Corp"
    assert account.name == "acmeCorp"
    assert (account.country, account.language, account.timezone, account.currency) == (
        "USA",
        "en",
        "UTC",
        "USD",
    )
    assert account.version == "1.0.0" and account.annotations == {} and account.tags == set()
    assert account.is_active is True and account.is_default_account is False
    assert (
        account.created_at.tzinfo is not None
        and account.created_at.utcoffset() == UTC.utcoffset(None)
    )


def test_randomized_account_number_is_free(ctx, make_account, monkeypatch):
    taken = make_account().account_number
    numbers = iter([taken, "1111-2222-3333"])
    monkeypatch.setattr(
        "webapp.accounts.models.account.random_account_number", lambda: next(numbers)
    )
    assert Account.randomized_account_number() == "1111-2222-3333"


@pytest.mark.parametrize("number", MALFORMED)
def test_malformed_number_refused_by_create(ctx, number):
    with pytest.raises(ValidationError) as caught:
        Account.create(company_name="Acme", account_number=number)
    assert caught.value.field == "account_number"
    assert account_count() == 0


@pytest.mark.parametrize("number", MALFORMED)
def test_malformed_number_refused_by_save_commit_and_bulk(ctx, number):
    with pytest.raises(ValidationError):
        Account(company_name="Acme", account_number=number).save()
    assert account_count() == 0
    db.session.add(Account(company_name="Acme", account_number=number))
    with pytest.raises(ValidationError):
        db.session.commit()
    assert account_count() == 0
    rows = [{"company_name": "Good"}, {"company_name": "Bad", "account_number": number}]
    with pytest.raises(ValidationError):
        db.session.execute(insert(Account), rows)
    assert account_count() == 0
    db.session.add_all(
        [Account(company_name="Good"), Account(company_name="Bad", account_number=number)]
    )
    with pytest.raises(ValidationError):
        db.session.commit()
    assert account_count() == 0


def test_database_refuses_a_malformed_number_written_in_raw_sql(ctx):
    with pytest.raises((IntegrityError, DBAPIError)):
        db.session.execute(
            text(
                "INSERT INTO account (account_number, company_name, name, description, version, "
                "annotations, created_at, updated_at) VALUES ('1234-5678-901x', 'A', 'a', '', "
                "'1.0.0', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    assert account_count() == 0


def test_bulk_insert_generates_numbers_and_normalises(ctx):
    db.session.execute(
        insert(Account), [{"company_name": "One", "country": "gb"}, {"company_name": "Two"}]
    )
    db.session.commit()
    accounts = db.session.scalars(select(Account).order_by(Account.company_name)).all()
    assert [a.country for a in accounts] == ["GBR", "USA"]
    assert all(NUMBER.match(a.account_number) for a in accounts)
    assert accounts[0].name == "one"


def test_chosen_number_is_kept_and_duplicates_refused(ctx):
    assert (
        Account.create(company_name="A", account_number="1234-5678-9012").account_number
        == "1234-5678-9012"
    )
    with pytest.raises(ValidationError) as caught:
        Account.create(company_name="B", account_number="1234-5678-9012")
    assert caught.value.field == "account_number"
    assert account_count() == 1


def test_number_never_changes(ctx, make_account):
    account = make_account()
    original = account.account_number
    account.account_number = "9999-9999-9999"
    with pytest.raises(ValidationError):
        account.save()
    db.session.rollback()
    account = db.session.get(Account, account.id)
    account.account_number = "9999-9999-9999"
    with pytest.raises(ValidationError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(ValidationError):
        db.session.execute(update(Account).values(account_number="9999-9999-9999"))
    db.session.rollback()
    with pytest.raises((IntegrityError, DBAPIError)):
        db.session.execute(text("UPDATE account SET account_number = '9999-9999-9999'"))
    db.session.rollback()
    assert db.session.scalar(select(Account.account_number)) == original


def test_generated_number_collision_is_retried(ctx, make_account, monkeypatch):
    taken = make_account().account_number
    numbers = iter([taken])
    real = Account.randomized_account_number.__func__

    def first_collides(cls, session=None):
        return next(numbers, None) or real(cls, session)

    monkeypatch.setattr(Account, "randomized_account_number", classmethod(first_collides))
    account = Account.create(company_name="Second")
    assert NUMBER.match(account.account_number) and account.account_number != taken
    assert account_count() == 2


@pytest.mark.parametrize(
    ("field", "given", "stored"),
    [
        ("country", "us", "USA"),
        ("country", "GB", "GBR"),
        ("country", "deu", "DEU"),
        ("language", "en-us", "en-US"),
        ("language", "EN", "en"),
        ("language", "zh-hant-tw", "zh-Hant-TW"),
        ("timezone", "europe/paris", "Europe/Paris"),
        ("currency", "eur", "EUR"),
        ("phone_number", "(212) 555-0100", "+12125550100"),
        ("postal_code", " 10001 ", "10001"),
        ("version", "2.1.0-beta.1", "2.1.0-beta.1"),
        ("tags", {"VIP", " Beta  Tester "}, {"vip", "beta tester"}),
    ],
)
def test_fields_are_normalised(ctx, field, given, stored):
    account = Account.create(company_name="Acme", **{field: given})
    db.session.expire_all()
    assert getattr(db.session.get(Account, account.id), field) == stored


def test_phone_uses_the_country_as_region(ctx):
    assert (
        Account.create(company_name="Acme", country="GB", phone_number="020 7946 0018").phone_number
        == "+442079460018"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("company_name", "   "),
        ("company_name", "x" * 256),
        ("name", "Acme Corp"),
        ("name", "1acme"),
        ("version", "1.0"),
        ("annotations", {"nested": {"a": 1}}),
        ("annotations", ["not", "an", "object"]),
        ("annotations", {"ratio": float("inf")}),
        ("country", ["US"]),
        ("company_name", "Nul\x00Byte"),
        ("phone_number", "12"),
        ("postal_code", "10001!"),
        ("country", "XX"),
        ("language", "not a tag"),
        ("timezone", "Mars/Olympus"),
        ("currency", "ABC"),
        ("city", "x" * 256),
    ],
)
def test_bad_values_are_refused_with_the_field_named(ctx, field, value):
    fields = {"company_name": "Secret Company Name", field: value}
    with pytest.raises(ValidationError) as caught:
        Account.create(**fields)
    assert field in caught.value.errors
    assert all("Secret Company Name" not in message for message in caught.value.errors.values())
    assert account_count() == 0


def test_annotations_accept_scalars(ctx):
    annotations = {"tier": "gold", "seats": 5, "ratio": 0.5, "trial": False, "note": None}
    account = Account.create(company_name="Acme", annotations=annotations)
    db.session.expire_all()
    assert db.session.get(Account, account.id).annotations == annotations


def test_only_one_default_account(ctx, make_account):
    first = make_account(is_default_account=True)
    second = make_account(is_default_account=True)
    db.session.expire_all()
    assert db.session.get(Account, first.id).is_default_account is False
    assert db.session.get(Account, second.id).is_default_account is True
    third = make_account()
    third.is_default_account = True
    db.session.commit()
    defaults = db.session.scalars(select(Account.id).where(Account.is_default_account)).all()
    assert defaults == [third.id]


def test_database_refuses_two_defaults(ctx, make_account):
    make_account(is_default_account=True)
    make_account()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE account SET is_default_account = true"))
        db.session.commit()


def test_lookup_by_number(ctx, make_account):
    account = make_account()
    assert Account.get_by_account_number(account.account_number).id == account.id
    assert Account.get_by_account_number("0000-0000-0000") is None
    assert Account.get_by_account_number(account.account_number + "\n") is None


def test_timestamps_move_on_update(ctx, make_account):
    account = make_account()
    created, updated = account.created_at, account.updated_at
    account.city = "Paris"
    account.save()
    assert account.created_at == created and account.updated_at > updated
