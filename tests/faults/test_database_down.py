"""The database failing: an honest 503 with Retry-After, nothing half-written, no restart needed."""

from __future__ import annotations

import sqlite3

import pytest
from flask import Flask
from flask_login import current_user
from sqlalchemy import event, func, select

from deploy.tcpproxy import TcpProxy
from tests.conftest import login
from tests.faults.helpers import form_fields
from webapp import create_app
from webapp.accounts.models import Account
from webapp.extensions import db


def _assert_unavailable(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:300]
    assert 1 <= int(response.headers["Retry-After"]) <= 30
    assert "database is unavailable" in body
    for leak in ("Traceback", "OperationalError", "psycopg", "sqlalchemy", "127.0.0.1"):
        assert leak not in body


def _count_accounts(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Account))


def _signed_in(app: Flask, make_user, role: str = "editor"):
    make_user(f"{role}@example.com", role)
    client = app.test_client()
    assert login(client, f"{role}@example.com").status_code == 303
    return client


def test_reads_while_cut_are_503_then_200_without_a_restart(
    cut_app, proxy: TcpProxy, make_user, make_account
):
    number = make_account(company_name="Acme Corp").account_number
    client = _signed_in(cut_app, make_user, "viewer")
    assert client.get("/accounts/").status_code == 200
    proxy.cut()
    for path in ("/accounts/", f"/accounts/{number}"):
        _assert_unavailable(client.get(path))
    as_json = client.get("/accounts/", headers={"Accept": "application/json"})
    assert as_json.status_code == 503 and as_json.json["status"] == 503
    proxy.restore()
    assert client.get("/accounts/").status_code == 200
    assert "Acme Corp" in client.get(f"/accounts/{number}").get_data(as_text=True)


def test_a_link_dropped_mid_request_shows_the_user_from_memory(
    cut_app, proxy: TcpProxy, make_user, make_account
):
    """The user was loaded, then the link dies: the 503 page names them without a query."""
    number = make_account(company_name="Acme Corp").account_number
    armed: list[bool] = []

    @cut_app.before_request
    def cut_once_the_user_is_loaded() -> None:
        if armed and current_user.is_authenticated:
            armed.clear()
            proxy.cut()

    client = _signed_in(cut_app, make_user, "viewer")
    armed.append(True)
    response = client.get(f"/accounts/{number}")
    _assert_unavailable(response)
    assert "viewer@example.com" in response.get_data(as_text=True)
    proxy.restore()
    assert client.get(f"/accounts/{number}").status_code == 200


def test_a_quiet_outage_costs_no_request_when_idle_connections_are_pinged(
    proxied_app, proxy: TcpProxy, make_user
):
    """No traffic while the link was down: the dead pooled connection is replaced unseen."""
    pinged = proxied_app(DATABASE_IDLE_PING_SECONDS=0)
    client = _signed_in(pinged, make_user, "viewer")
    proxy.cut()
    proxy.restore()
    assert client.get("/accounts/").status_code == 200


def test_a_busy_connection_that_died_fails_one_request_then_recovers(
    proxied_app, proxy: TcpProxy, make_user
):
    """Not pinged (used moments ago): that request is 503, the pool is dropped, the next is 200."""
    unpinged = proxied_app(DATABASE_IDLE_PING_SECONDS=3600)
    client = _signed_in(unpinged, make_user, "viewer")
    proxy.cut()
    proxy.restore()
    _assert_unavailable(client.get("/accounts/"))
    assert client.get("/accounts/").status_code == 200


def test_a_create_while_cut_writes_nothing_and_the_same_form_saves_once_after(
    app, cut_app, proxy: TcpProxy, make_user
):
    client = _signed_in(cut_app, make_user)
    data = {**form_fields(client, "/accounts/new"), "company_name": "Acme Corp", "save": "Save"}
    proxy.cut()
    _assert_unavailable(client.post("/accounts/new", data=data))
    proxy.restore()
    assert _count_accounts(app) == 0
    saved = client.post("/accounts/new", data=data)
    again = client.post("/accounts/new", data=data)
    assert saved.status_code == again.status_code == 303
    assert saved.headers["Location"] == again.headers["Location"]
    assert _count_accounts(app) == 1


def test_a_commit_that_fails_rolls_the_whole_write_back(app, cut_app, proxy: TcpProxy, make_user):
    client = _signed_in(cut_app, make_user)
    data = {**form_fields(client, "/accounts/new"), "company_name": "Acme Corp", "save": "Save"}
    with cut_app.app_context():
        engine = db.engine
    event.listen(engine, "commit", lambda conn: proxy.cut(), once=True)
    _assert_unavailable(client.post("/accounts/new", data=data))
    proxy.restore()
    assert _count_accounts(app) == 0
    assert client.get("/accounts/").status_code == 200


def test_sqlite_that_cannot_open_its_file_is_503(app, backend, make_user, dialect, tmp_path):
    """A SQLite file that vanished (a moved file, a lost volume): 503, then 200 once it is back."""
    if dialect != "sqlite":
        pytest.skip("SQLite's own failure")
    client = _signed_in(app, make_user, "viewer")
    folder = tmp_path / "data"
    folder.mkdir()
    with (
        sqlite3.connect(backend["DATABASE_URL"].removeprefix("sqlite:///")) as source,
        sqlite3.connect(folder / "copy.db") as copy,
    ):
        source.backup(copy)  # the WAL's pages included
    moved = create_app({**backend, "DATABASE_URL": f"sqlite:///{folder / 'copy.db'}"})
    other = moved.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    assert other.get("/accounts/").status_code == 200
    with moved.app_context():
        db.engine.dispose()
    folder.rename(tmp_path / "gone")
    _assert_unavailable(other.get("/accounts/"))
    (tmp_path / "gone").rename(folder)
    assert other.get("/accounts/").status_code == 200
    with moved.app_context():
        db.engine.dispose()
