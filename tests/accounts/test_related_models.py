"""Contacts, memberships, charges and account deletion: the rules SPEC section 5 promises."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.billing.helpers import add_charge, add_user, commit_fails, count
from webapp.accounts.models import (
    Account,
    AccountContact,
    Charge,
    DailyBillingRecord,
    User,
    UserProfile,
)
from webapp.errors import ValidationError
from webapp.extensions import db

INSERT_CONTACT = text(
    "INSERT INTO account_contact (account_id, first_name, last_name, email, is_primary,"
    " is_test, welcomed, created_at, updated_at) VALUES (:account_id, 'Raw', 'Row', :email,"
    " :is_primary, :no, :no, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


def add_contact(account: Account, email: str = "ada@example.com", **fields: Any) -> AccountContact:
    """A pending contact of the account."""
    contact = AccountContact(
        account=account, first_name="Ada", last_name="Lovelace", email=email, **fields
    )
    db.session.add(contact)
    return contact


def insert_contact_sql(account: Account, email: str, is_primary: bool = False) -> None:
    """Write a contact row behind the models' back, as a script or another service might."""
    params = {"account_id": account.id, "email": email, "is_primary": is_primary, "no": False}
    db.session.execute(INSERT_CONTACT, params)


def primary_emails(account_id: int) -> list[str]:
    """Emails of the account's primary contacts, read from the database."""
    query = select(AccountContact.email).where(
        AccountContact.account_id == account_id, AccountContact.is_primary.is_(True)
    )
    return list(db.session.scalars(query))


def fresh(obj: Any) -> Any:
    """The same row loaded in an empty session, as the next request would see it."""
    model, pk = type(obj), obj.id
    db.session.expunge_all()
    return db.session.get(model, pk)


# -- AccountContact ---------------------------------------------------------------------------


def test_new_primary_contact_replaces_the_old_one(make_account):
    account, other = make_account(), make_account()
    add_contact(account, "first@example.com", is_primary=True)
    add_contact(other, "other@example.com", is_primary=True)
    db.session.commit()
    add_contact(account, "second@example.com", is_primary=True)
    db.session.commit()
    assert primary_emails(account.id) == ["second@example.com"]
    assert primary_emails(other.id) == ["other@example.com"]


def test_making_an_existing_contact_primary_moves_the_flag(make_account):
    account = make_account()
    add_contact(account, "first@example.com", is_primary=True)
    second = add_contact(account, "second@example.com")
    db.session.commit()
    account_id = account.id
    fresh(second).is_primary = True
    db.session.commit()
    assert primary_emails(account_id) == ["second@example.com"]


def test_database_refuses_a_second_primary_contact(make_account):
    account = make_account()
    add_contact(account, is_primary=True)
    db.session.commit()
    with pytest.raises(IntegrityError):
        insert_contact_sql(account, "raw@example.com", is_primary=True)
    db.session.rollback()
    assert primary_emails(account.id) == ["ada@example.com"]


@pytest.mark.parametrize("duplicate", ["ada@example.com", "ADA@Example.COM", " Ada@EXAMPLE.com "])
def test_contact_email_is_unique_per_account_whatever_the_case(make_account, duplicate):
    account = make_account()
    add_contact(account, "ada@example.com")
    db.session.commit()
    add_contact(account, duplicate)
    assert commit_fails(ValidationError).field == "email"
    assert count(AccountContact) == 1


def test_editing_a_contact_email_onto_another_is_refused(make_account):
    account = make_account()
    add_contact(account, "ada@example.com")
    grace = add_contact(account, "grace@example.com")
    db.session.commit()
    fresh(grace).email = "Ada@Example.com"
    assert commit_fails(ValidationError).field == "email"
    assert db.session.get(AccountContact, grace.id).email == "grace@example.com"


def test_database_refuses_a_duplicate_contact_email_in_another_case(make_account):
    account = make_account()
    add_contact(account, "ada@example.com")
    db.session.commit()
    with pytest.raises(IntegrityError):
        insert_contact_sql(account, "ADA@EXAMPLE.COM")
    db.session.rollback()
    assert count(AccountContact) == 1


def test_same_contact_email_on_two_accounts_is_fine(make_account):
    for account in (make_account(), make_account()):
        add_contact(account, "ada@example.com")
    db.session.commit()
    assert count(AccountContact) == 2


@pytest.mark.parametrize("email", ["", "not-an-email", "ada@", "@example.com", "a b@example.com"])
def test_contact_with_a_bad_email_is_refused(make_account, email):
    add_contact(make_account(), email)
    assert commit_fails(ValidationError).field == "email"
    assert count(AccountContact) == 0


@pytest.mark.parametrize(
    ("country", "phone", "stored"),
    [
        ("GB", "020 7946 0018", "+442079460018"),
        ("USA", "(212) 555-0100", "+12125550100"),
        ("de", "030 901820", "+4930901820"),
        ("GB", "+33 1 42 68 53 00", "+33142685300"),
    ],
)
def test_contact_phone_is_stored_in_e164_using_the_account_country(
    make_account, country, phone, stored
):
    contact = add_contact(make_account(country=country), phone_number=phone)
    db.session.commit()
    assert fresh(contact).phone_number == stored


@pytest.mark.parametrize("phone", ["12", "not a phone", "020 7946 0018 0018 0018"])
def test_contact_with_a_bad_phone_is_refused(make_account, phone):
    add_contact(make_account(country="GB"), phone_number=phone)
    assert commit_fails(ValidationError).field == "phone_number"
    assert count(AccountContact) == 0


# -- UserProfile ------------------------------------------------------------------------------


def add_profile(account: Account, user: User, role: str = "member") -> UserProfile:
    """A pending membership."""
    profile = UserProfile(account=account, user=user, role=role)
    db.session.add(profile)
    return profile


def test_user_is_member_of_an_account_only_once(make_account):
    account, user = make_account(), add_user("ada@example.com")
    add_profile(account, user, "owner")
    db.session.commit()
    add_profile(account, user, "member")
    commit_fails((IntegrityError, ValidationError))
    assert db.session.scalars(select(UserProfile.role)).all() == ["owner"]


@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_membership_roles_are_accepted(make_account, role):
    profile = add_profile(make_account(), add_user("ada@example.com"), role)
    db.session.commit()
    assert fresh(profile).role == role


@pytest.mark.parametrize("role", ["superuser", "editor", "viewer", "Owner "])
def test_unknown_membership_role_is_refused(make_account, role):
    add_profile(make_account(), add_user("ada@example.com"), role)
    assert commit_fails(ValidationError).field == "role"
    assert count(UserProfile) == 0


def other_target(attribute: str, make_account: Any) -> Account | User:
    """A committed account or user that a membership could be moved to."""
    if attribute == "account":
        return make_account()
    user = add_user("grace@example.com")
    db.session.commit()
    return user


@pytest.mark.parametrize("attribute", ["account", "user"])
@pytest.mark.parametrize("by_id", [False, True], ids=["object", "id"])
def test_membership_never_moves_to_another_account_or_user(make_account, attribute, by_id):
    profile = add_profile(make_account(), add_user("ada@example.com"))
    db.session.commit()
    before = (profile.account_id, profile.user_id)
    other = other_target(attribute, make_account)
    model, other_id = type(other), other.id
    loaded = fresh(profile)
    if by_id:
        setattr(loaded, f"{attribute}_id", other_id)
    else:
        setattr(loaded, attribute, db.session.get(model, other_id))
    assert commit_fails(ValidationError).field == attribute
    after = db.session.get(UserProfile, loaded.id)
    assert (after.account_id, after.user_id) == before


# -- deleting an account ----------------------------------------------------------------------


def account_with_people(make_account: Any) -> Account:
    """A committed account with two contacts and two members."""
    account = make_account()
    add_contact(account, "ada@example.com", is_primary=True)
    add_contact(account, "grace@example.com")
    add_profile(account, add_user("ada@example.com"), "owner")
    add_profile(account, add_user("grace@example.com"))
    db.session.commit()
    return account


def _with_related_loaded(account: Account) -> Account:
    assert len(account.contacts) == 2 and len(account.user_profiles) == 2
    return account


@pytest.mark.parametrize("load", [fresh, _with_related_loaded], ids=["fresh", "loaded"])
def test_deleting_an_account_takes_its_contacts_and_members(make_account, load):
    account = account_with_people(make_account)
    keep = make_account()
    add_contact(keep, "ada@example.com")
    db.session.commit()
    keep_id = keep.id
    db.session.delete(load(account))
    db.session.commit()
    assert db.session.scalars(select(Account.id)).all() == [keep_id]
    assert count(AccountContact) == 1
    assert count(UserProfile) == 0
    assert count(User) == 2


def _billing_record(account: Account) -> None:
    db.session.add(
        DailyBillingRecord(
            account=account, provider="openai", charge_type="completion", date=date(2026, 1, 5)
        )
    )


@pytest.mark.parametrize("add_billing", [add_charge, _billing_record], ids=["charge", "record"])
def test_account_with_billing_cannot_be_deleted(make_account, add_billing):
    account = account_with_people(make_account)
    add_billing(account)
    db.session.commit()
    related = (AccountContact, UserProfile, Charge, DailyBillingRecord)
    rows = {model: count(model) for model in related}
    account_id = account.id
    db.session.delete(fresh(account))
    commit_fails(IntegrityError)
    assert db.session.get(Account, account_id) is not None
    assert {model: count(model) for model in rows} == rows


# -- Charge -----------------------------------------------------------------------------------


def test_charge_for_an_inactive_account_is_refused(make_account):
    add_charge(make_account(is_active=False))
    assert commit_fails(ValidationError).field == "account"
    assert count(Charge) == 0


def test_charge_for_a_deactivated_account_is_refused(make_account):
    account = make_account()
    account.is_active = False
    db.session.commit()
    add_charge(fresh(account))
    assert commit_fails(ValidationError).field == "account"
    assert count(Charge) == 0


def test_charge_tokens_must_add_up(make_account):
    add_charge(make_account(), prompt_tokens=10, completion_tokens=5, total_tokens=16)
    assert commit_fails(ValidationError).field == "total_tokens"
    assert count(Charge) == 0


def test_charge_total_tokens_is_computed_when_omitted(make_account):
    charge = add_charge(make_account(), prompt_tokens=1200, completion_tokens=345)
    db.session.commit()
    assert fresh(charge).total_tokens == 1545


@pytest.mark.parametrize("charge_type", ["image", "Completion", "", None])
def test_charge_with_an_unknown_type_is_refused(make_account, charge_type):
    add_charge(make_account(), charge_type=charge_type)
    assert commit_fails(ValidationError).field == "charge_type"
    assert count(Charge) == 0


@pytest.mark.parametrize("cost", ["0.000123", "0.1", "12345678.999999", "0.000001", "0"])
def test_charge_cost_round_trips_exactly(make_account, cost):
    charge = add_charge(make_account(), cost=Decimal(cost))
    db.session.commit()
    stored = fresh(charge).cost
    assert isinstance(stored, Decimal)
    assert stored == Decimal(cost)


@pytest.mark.parametrize("by_id", [False, True], ids=["object", "id"])
def test_contact_never_moves_to_another_account(make_account, by_id):
    contact = add_contact(make_account(), "ada@example.com")
    db.session.commit()
    before = contact.account_id
    other_id = make_account().id
    loaded = fresh(contact)
    if by_id:
        loaded.account_id = other_id
    else:
        loaded.account = db.session.get(Account, other_id)
    assert commit_fails(ValidationError).field == "account"
    assert db.session.get(AccountContact, loaded.id).account_id == before
