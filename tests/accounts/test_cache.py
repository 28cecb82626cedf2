"""Cached look-ups: a hit runs no SQL, and no worker ever gets an account changed elsewhere."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from webapp.accounts.models import Account
from webapp.core.cache import ModelCache
from webapp.extensions import db


def test_a_hit_runs_no_sql(ctx, make_account, count_queries):
    account = make_account(company_name="Acme")
    Account.get_cached_object(account_number=account.account_number)
    db.session.expunge_all()
    with count_queries() as counter:
        hit = Account.get_cached_object(account_number=account.account_number)
        assert (hit.company_name, hit.city) == ("Acme", "")
    assert counter.count == 0
    assert hit in db.session


@pytest.mark.parametrize("field", ["account_number", "pk", "name", "company_name"])
def test_every_key_finds_the_account(ctx, make_account, field):
    account = make_account(company_name="Acme Corp")
    value = account.id if field == "pk" else getattr(account, field)
    assert Account.get_cached_object(**{field: value}).id == account.id
    assert Account.get_cached_object(**{field: value}).id == account.id


def test_precedence_is_number_then_pk_then_name_then_company(ctx, make_account):
    a, b, c, d = (make_account(company_name=n) for n in ("Alpha", "Beta", "Gamma", "Delta"))
    assert (
        Account.get_cached_object(account_number=a.account_number, pk=b.id, name=c.name).id == a.id
    )
    assert Account.get_cached_object(pk=b.id, name=c.name, company_name="Delta").id == b.id
    assert Account.get_cached_object(name=c.name, company_name="Delta").id == c.id
    assert Account.get_cached_object(company_name="Delta").id == d.id
    assert Account.get_cached_object() is None


def test_unknown_values_find_nothing(ctx):
    assert Account.get_cached_object(account_number="0000-0000-0000") is None
    assert Account.get_cached_object(pk=12345) is None


def test_rename_outdates_old_and_new_names(ctx, make_account, count_queries):
    account = make_account(company_name="Old Name")
    other = make_account(company_name="New Name")
    assert Account.get_cached_object(company_name="Old Name").id == account.id
    assert Account.get_cached_object(company_name="New Name").id == other.id
    assert Account.get_cached_object(name="oldName").id == account.id
    pk = account.id
    account.company_name, account.name = "Changed", "changed"
    account.save()
    db.session.expunge_all()
    assert Account.get_cached_object(company_name="Old Name") is None
    assert Account.get_cached_object(name="oldName") is None
    assert Account.get_cached_object(pk=pk).company_name == "Changed"
    assert Account.get_cached_object(company_name="Changed").id == pk


def test_delete_outdates_every_key(ctx, make_account):
    account = make_account()
    number, pk = account.account_number, account.id
    assert Account.get_cached_object(account_number=number) is not None
    assert Account.get_cached_object(pk=pk) is not None
    db.session.delete(account)
    db.session.commit()
    assert Account.get_cached_object(account_number=number) is None
    assert Account.get_cached_object(pk=pk) is None


def test_rolled_back_change_keeps_serving_the_stored_row(ctx, make_account, count_queries):
    account = make_account(city="Paris")
    pk = account.id
    Account.get_cached_object(pk=pk)
    account.city = "Rome"
    db.session.flush()
    db.session.rollback()
    db.session.expunge_all()
    with count_queries() as counter:
        assert Account.get_cached_object(pk=pk).city == "Paris"
    assert counter.count == 0


def test_invalidate_reads_afresh(ctx, make_account, count_queries):
    account = make_account(city="Paris")
    Account.get_cached_object(pk=account.id)
    with count_queries() as counter:
        assert Account.get_cached_object(pk=account.id, invalidate=True).city == "Paris"
    assert counter.count == 1


def test_moving_the_default_outdates_the_old_default(ctx, make_account):
    old_id = make_account(is_default_account=True).id
    assert Account.get_cached_object(pk=old_id).is_default_account is True
    make_account(is_default_account=True)
    db.session.expunge_all()
    assert Account.get_cached_object(pk=old_id).is_default_account is False


def test_bulk_update_outdates_the_model(ctx, make_account):
    pk = make_account(city="Paris").id
    Account.get_cached_object(pk=pk)
    db.session.execute(update(Account).values(city="Oslo"))
    db.session.commit()
    db.session.expunge_all()
    assert Account.get_cached_object(pk=pk).city == "Oslo"


def test_a_reader_racing_a_writer_never_stores_a_stale_row(ctx, make_account, other_app):
    """The reader loads the old row, the writer commits, then the reader stores: outdated."""
    account = make_account(city="Paris")

    def load_then_let_writer_commit():
        stale = db.session.get(Account, account.id)
        with other_app.app_context():
            row = db.session.get(Account, account.id)
            row.city = "Rome"
            db.session.commit()
        return stale

    pk = account.id
    Account.cache.remember("pk", pk, load_then_let_writer_commit)
    db.session.expunge_all()
    assert Account.get_cached_object(pk=pk).city == "Rome"


def test_a_second_app_sharing_the_cache_never_serves_stale(app, other_app):
    """Two app instances (two workers or hosts) on one database and one cache."""
    worker_a, worker_b = app, other_app
    with worker_a.app_context():
        account = Account.create(company_name="Shared", city="Paris")
        number = account.account_number
    with worker_b.app_context():
        assert Account.get_cached_object(account_number=number).city == "Paris"
    with worker_a.app_context():
        row = Account.get_by_account_number(number)
        row.city = "Rome"
        row.save()
    with worker_b.app_context():
        assert Account.get_cached_object(account_number=number).city == "Rome"
    with worker_a.app_context():
        db.session.delete(Account.get_by_account_number(number))
        db.session.commit()
    with worker_b.app_context():
        assert Account.get_cached_object(account_number=number) is None


def test_keys_carry_the_model_name(ctx, make_account):
    account = make_account()
    Account.get_cached_object(pk=account.id)
    assert ModelCache("Contact").get("pk", account.id) is None
    assert Account.cache.get("pk", account.id) is not None


def test_uncommitted_changes_are_never_cached(ctx, make_account):
    pk = make_account(company_name="Real Co").id
    account = db.session.get(Account, pk)
    account.company_name = "Ghost Co"
    db.session.flush()
    assert Account.get_cached_object(pk=pk).company_name == "Ghost Co"  # this session's own view
    db.session.rollback()
    db.session.expunge_all()
    assert Account.get_cached_object(pk=pk).company_name == "Real Co"
    assert Account.get_cached_object(company_name="Ghost Co") is None


def test_a_hit_keeps_the_sessions_unsaved_changes(ctx, make_account):
    pk = make_account(city="").id
    Account.get_cached_object(pk=pk)
    db.session.expunge_all()
    mine = db.session.get(Account, pk)
    mine.city = "Paris"
    assert Account.get_cached_object(pk=pk) is mine and mine.city == "Paris"
    db.session.commit()
    db.session.expunge_all()
    assert Account.get_cached_object(pk=pk).city == "Paris"
