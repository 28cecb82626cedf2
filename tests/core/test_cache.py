"""The cache layer: commits write nothing to the cache, and a failing cache fails no request."""

from __future__ import annotations

import logging

from sqlalchemy import select

from tests.accounts.test_views import add_accounts, form_data, stored
from tests.conftest import csrf_token
from tests.core.cache_spy import spy_on
from webapp.accounts.models import Account
from webapp.core.cache import safe_cache
from webapp.core.generations import cache_generation
from webapp.extensions import Base, db


def test_every_cached_model_has_a_generation_row(ctx):
    names = {m.class_.cache.name for m in Base.registry.mappers if hasattr(m.class_, "cache")}
    assert names == {"account", "account_contact", "user", "saved_view"}
    assert set(db.session.scalars(select(cache_generation.c.name))) == names


def test_a_create_and_an_edit_make_no_cache_write(app, signed_in):
    client = signed_in("editor")
    token = csrf_token(client, "/accounts/new")
    with spy_on(app) as spy:
        created = client.post("/accounts/new", data={"csrf_token": token, **form_data()})
    assert created.status_code == 303 and spy.calls  # the request did use the cache
    assert spy.writes == []
    number = created.headers["Location"].rsplit("/", 1)[-1]
    edit_page = f"/accounts/{number}/edit"
    token = csrf_token(client, edit_page)
    revision = str(stored(app, number).revision)
    with spy_on(app) as spy:
        data = {"csrf_token": token, **form_data(city="Paris", revision=revision)}
        assert client.post(edit_page, data=data).status_code == 303
    assert spy.writes == []
    assert stored(app, number).city == "Paris"


def _generation(name: str) -> int:
    return db.session.scalar(
        select(cache_generation.c.value).where(cache_generation.c.name == name)
    )


def test_a_commit_bumps_the_generation_once_and_readers_miss(ctx, make_account):
    pk = make_account(city="Paris").id
    assert Account.get_cached_object(pk=pk).city == "Paris"
    before = _generation("account"), _generation("user")
    Account.get_cached_object(pk=pk).city = "Rome"
    make_account()
    assert (_generation("account"), _generation("user")) == (before[0] + 1, before[1])
    db.session.expunge_all()
    assert Account.get_cached_object(pk=pk).city == "Rome"


def test_a_rolled_back_transaction_bumps_nothing(ctx, make_account):
    pk = make_account(city="Paris").id
    before = _generation("account")
    db.session.get(Account, pk).city = "Rome"
    db.session.flush()
    db.session.rollback()
    assert _generation("account") == before


def test_a_failing_cache_is_a_miss_logged_once_and_skipped_for_a_while(ctx, caplog):
    ctx.config["CACHE_BACKOFF_SECONDS"] = 60
    with spy_on(ctx) as spy, caplog.at_level(logging.INFO):
        spy.broken = True
        assert safe_cache.set("k", 1) is False
        for _ in range(20):
            assert safe_cache.get("k") is None
            assert safe_cache.delete("k") is False
        assert spy.calls == ["set"]  # backing off: no further call reached the backend
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "Cache unreachable" in warnings[0].getMessage()


def test_the_cache_is_tried_again_after_the_back_off(ctx, caplog):
    ctx.config["CACHE_BACKOFF_SECONDS"] = 0
    with spy_on(ctx) as spy, caplog.at_level(logging.INFO):
        spy.broken = True
        assert safe_cache.get("k") is None
        assert safe_cache.get("k") is None
        spy.broken = False
        assert safe_cache.set("k", 1) is True and safe_cache.get("k") == 1
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if "Cache" in r.getMessage()]
    assert [level for level, _ in messages] == ["WARNING", "INFO"]
    assert messages[1][1] == "Cache reachable again"


def test_pages_answer_from_the_database_while_the_cache_fails(app, signed_in):
    client = signed_in("editor")
    (number,) = add_accounts(app, "Acme Corp", city="Paris")
    edit_page = f"/accounts/{number}/edit"
    with spy_on(app) as spy:
        spy.broken = True
        token = csrf_token(client, edit_page)
        assert client.get("/accounts/").status_code == 200
        assert client.get(f"/accounts/{number}").status_code == 200
        edited = client.post(edit_page, data={"csrf_token": token, **form_data(city="Rome")})
        assert edited.status_code == 303, edited.get_data(as_text=True)[:3000]
        assert "Rome" in client.get(f"/accounts/{number}").get_data(as_text=True)
        assert client.get("/audit").status_code == 200
    assert stored(app, number).city == "Rome"


def test_a_bulk_insert_outdates_the_counts(ctx, make_account):
    from sqlalchemy import insert

    from webapp.accounts import queries

    make_account(company_name="First Co")
    query = queries.ListQuery.from_args({})
    assert queries.facets(query).total == 1
    db.session.execute(insert(Account), [{"company_name": "Bulk Co"}])
    db.session.commit()
    assert queries.facets(query).total == 2
