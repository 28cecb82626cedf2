"""Redis cut between two hosts (two app instances, one PostgreSQL, one Redis behind a proxy).

Writes commit and pages answer from the database while the cache is unreachable; once it is
back, no host serves an entry stored before the outage; the outage is logged once per host.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from deploy.tcpproxy import TcpProxy
from tests.accounts.test_views import form_data
from tests.conftest import csrf_token, login
from webapp import create_app
from webapp.accounts.models import Account
from webapp.extensions import db

UNREACHABLE, REACHABLE = "Cache unreachable", "Cache reachable again"


@pytest.fixture
def proxy(backend: dict[str, Any]) -> Iterator[TcpProxy]:
    if not backend["REDIS_URL"]:
        pytest.skip("the outage is a Redis one: PostgreSQL + Redis half only")
    redis = urlsplit(backend["REDIS_URL"])
    with TcpProxy(redis.hostname or "127.0.0.1", redis.port or 6379) as link:
        yield link


@pytest.fixture
def hosts(app: Flask, backend: dict[str, Any], proxy: TcpProxy) -> Iterator[tuple[Flask, Flask]]:
    """Two app instances reaching Redis through the proxy, each with its own settings."""
    url = urlsplit(backend["REDIS_URL"])._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()
    made = [create_app({**backend, "REDIS_URL": url, "CACHE_BACKOFF_SECONDS": 0.2}) for _ in "ab"]
    yield made[0], made[1]
    for host in made:
        with host.app_context():
            db.session.remove()
            db.engine.dispose()


def submit(client, path: str, **changes: str):
    data = {"csrf_token": csrf_token(client, path), **form_data(**changes)}
    return client.post(path, data=data)


def cached_city(host: Flask, number: str) -> str:
    with host.app_context():
        return Account.get_cached_object(account_number=number).city


def count(app: Flask, company_name: str) -> int:
    with app.app_context():
        query = select(func.count()).where(Account.company_name == company_name)
        return db.session.scalar(query.select_from(Account))


def messages(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(1 for record in caplog.records if record.getMessage().startswith(text))


def test_two_hosts_ride_out_a_redis_outage(app, hosts, proxy, make_user, caplog):
    host_a, host_b = hosts
    make_user("ed@example.com", "editor")
    a, b = host_a.test_client(), host_b.test_client()
    assert login(a, "ed@example.com").status_code == 303
    assert login(b, "ed@example.com").status_code == 303
    created = submit(a, "/accounts/new", company_name="Acme Corp", city="Paris")
    number = created.headers["Location"].rsplit("/", 1)[-1]
    assert "USA (1)" in b.get("/accounts/").get_data(as_text=True)  # counts cached on B
    assert cached_city(host_b, number) == "Paris" == cached_city(host_b, number)

    caplog.set_level(logging.INFO)
    proxy.cut()
    edit = submit(a, f"/accounts/{number}/edit", city="Rome", country="DEU")
    assert edit.status_code == 303  # committed, no 500
    assert submit(a, "/accounts/new", company_name="Outage Co", country="FRA").status_code == 303
    assert count(app, "Outage Co") == 1
    for _ in range(3):
        listing = b.get("/accounts/")
        assert listing.status_code == 200 and "DEU (1)" in listing.get_data(as_text=True)
        detail = b.get(f"/accounts/{number}")
        assert detail.status_code == 200 and "Rome" in detail.get_data(as_text=True)
        assert cached_city(host_b, number) == "Rome"
    assert messages(caplog, UNREACHABLE) == 2  # once per host, however many calls failed

    proxy.restore()
    deadline = time.monotonic() + 30
    while messages(caplog, REACHABLE) < 2:  # each host back on the cache after its back-off
        assert time.monotonic() < deadline, "the hosts never used the cache again"
        for client in (a, b):
            page = client.get("/accounts/").get_data(as_text=True)
            assert "DEU (1)" in page and "USA (1)" not in page
        assert cached_city(host_b, number) == "Rome"
    assert cached_city(host_b, number) == "Rome" == cached_city(host_a, number)
    assert messages(caplog, UNREACHABLE) == 2
