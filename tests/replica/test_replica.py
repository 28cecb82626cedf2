"""Read-only pages on a real streaming replica: routing, read-your-writes, lag and outage."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text

from tests.accounts.test_views import add_accounts, form_data
from tests.conftest import PASSWORD, QueryCounter, login, post
from tests.replica.cluster import wait_for
from tests.replica.conftest import replica_of, wait_replayed
from webapp.auth.services import create_user
from webapp.core.replica import WROTE_AT
from webapp.extensions import db


@contextmanager
def replica_reads(app: Flask) -> Iterator[list[str]]:
    """The statements on account tables that the replica answers inside the block."""
    counter = QueryCounter()
    engine = replica_of(app).engine
    event.listen(engine, "before_cursor_execute", counter)
    seen: list[str] = []
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", counter)
        seen += [s for s in counter.statements if "pg_last_wal_replay_lsn" not in s]


@contextmanager
def paused_replay(app: Flask) -> Iterator[None]:
    """The replica keeps receiving WAL but applies none of it inside the block."""
    engine = replica_of(app).engine

    def replica_sql(statement: str) -> str:
        with engine.connect() as conn:
            return conn.scalar(text(statement))

    replica_sql("SELECT pg_wal_replay_pause()")
    wait_for(lambda: replica_sql("SELECT pg_get_wal_replay_pause_state()") == "paused", "pause")
    try:
        yield
    finally:
        replica_sql("SELECT pg_wal_replay_resume()")


def settle(*clients: FlaskClient) -> None:
    """Forget the clients' last writes (sign-in is one): as if the window had passed."""
    for client in clients:
        with client.session_transaction() as session:
            session[WROTE_AT] = 0.0


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def test_the_list_reads_the_replica_and_a_writer_reads_their_own_write(app, signed_in):
    editor, viewer = signed_in("editor"), signed_in("viewer")
    settle(editor, viewer)
    add_accounts(app, "Before Co")
    wait_replayed(app)
    with replica_reads(app) as seen:
        assert "Before Co" in page(viewer, "/accounts/")
    assert any("FROM account" in s for s in seen)

    with paused_replay(app):
        response = post(
            editor, "/accounts/new", form_data(company_name="Fresh Co"), "/accounts/new"
        )
        assert response.status_code == 303
        assert "Fresh Co" not in page(viewer, "/accounts/")  # the replica lags for others
        with replica_reads(app) as seen:
            mine = page(editor, "/accounts/")
        assert "Fresh Co" in mine and not seen  # the writer reads the primary
        # The viewer's miss filled the shared counts: from the primary, so they are current.
        assert "2 accounts match" in mine

    wait_replayed(app)
    assert "Fresh Co" in page(viewer, "/accounts/")
    settle(editor)
    with replica_reads(app) as seen:
        assert "Fresh Co" in page(editor, "/accounts/")
    assert seen  # once the window has passed, the writer is back on the replica


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/?q=acme",
        "/accounts/export.csv",
        "/reports/billing",
        "/audit",
        "/audit/export.csv",
    ],
)
def test_every_read_only_page_reads_the_replica(app, signed_in, path):
    viewer = signed_in("viewer")
    settle(viewer)
    add_accounts(app, "Acme Corp")
    wait_replayed(app)
    with replica_reads(app) as seen:
        page(viewer, path)
    assert seen


def test_other_pages_read_the_primary(app, signed_in):
    viewer = signed_in("viewer")
    settle(viewer)
    [number] = add_accounts(app, "Acme Corp")
    with replica_reads(app) as seen:
        assert "Acme Corp" in page(viewer, f"/accounts/{number}")
    assert not seen


def test_healthz_reports_the_lag_and_a_replica_too_far_behind_is_not_read(make_app):
    app = make_app(REPLICA_MAX_LAG_SECONDS=0.5)
    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["replica"] == "ok"
    assert health.get_json()["replica_lag_seconds"] == 0
    viewer = sign_in(app, "viewer")
    settle(viewer)
    with paused_replay(app):
        add_accounts(app, "Late Co")
        wait_for(lambda: _health(app)["replica"] == "lagging", "the lag to pass 0.5 s")
        body = _health(app)
        assert body["status"] == "ok" and body["replica_lag_seconds"] > 0.5
        with replica_reads(app) as seen:
            assert "Late Co" in page(viewer, "/accounts/")  # the primary answered
        assert not seen


def sign_in(app: Flask, role: str) -> FlaskClient:
    """A client signed in through the real form as a new staff user of ``role``."""
    with app.app_context():
        create_user(f"{role}@example.com", PASSWORD, role)
        db.session.commit()
    client = app.test_client()
    assert login(client, f"{role}@example.com").status_code == 303
    return client


def _health(app: Flask) -> dict:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    return response.get_json()


def test_a_stopped_replica_never_fails_a_request(app, signed_in, cluster, caplog):
    viewer = signed_in("viewer")
    settle(viewer)
    add_accounts(app, "Steady Co")
    wait_replayed(app)
    with replica_reads(app) as seen:
        page(viewer, "/accounts/")  # the pool now holds a replica connection
    assert seen
    caplog.set_level(logging.INFO, logger="webapp.core.replica")
    cluster.server("stop")
    try:
        for _ in range(3):
            assert "Steady Co" in page(viewer, "/accounts/")
        assert "Steady Co" in page(viewer, "/accounts/export.csv")
        body = _health(app)
        assert body["status"] == "ok" and body["replica"] == "down"
        assert body["replica_lag_seconds"] is None
    finally:
        cluster.server("start")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage().split(":")[0] for r in warnings] == [
        "replica unusable, reading from the primary"
    ]  # once per outage
    wait_for(lambda: _health(app)["replica"] == "ok", "the replica to be back")
    with replica_reads(app) as seen:
        page(viewer, "/accounts/")
    assert seen


def test_a_replica_lost_mid_request_is_read_again_on_the_primary(app, signed_in, cluster):
    viewer = signed_in("viewer")
    settle(viewer)
    add_accounts(app, "Steady Co")
    wait_replayed(app)
    stopped: list[str] = []

    def stop_replica_first(conn, cursor, statement: str, *args) -> None:
        if "FROM account" in statement and not stopped:
            stopped.append(statement)
            cluster.server("stop")  # the statement now runs on a connection the server closed

    engine = replica_of(app).engine
    event.listen(engine, "before_cursor_execute", stop_replica_first)
    try:
        assert "Steady Co" in page(viewer, "/accounts/")
    finally:
        event.remove(engine, "before_cursor_execute", stop_replica_first)
        cluster.server("start")
    assert stopped
    wait_for(lambda: _health(app)["replica"] == "ok", "the replica to be back")


def test_a_replica_lost_before_an_export_streams_is_read_on_the_primary(app, signed_in, cluster):
    viewer = signed_in("viewer")
    settle(viewer)
    add_accounts(app, "Steady Co")
    wait_replayed(app)
    stopped: list[bool] = []

    def stop_replica_after_the_view(*_) -> None:  # the view's session ends, the body is to come
        if not stopped:
            stopped.append(True)
            cluster.server("stop")

    engine = replica_of(app).engine
    event.listen(engine.pool, "checkin", stop_replica_after_the_view)
    try:
        with replica_reads(app) as seen:
            response = viewer.get("/accounts/export.csv")
            assert response.status_code == 200
            assert "Steady Co" in response.get_data(as_text=True)
    finally:
        event.remove(engine.pool, "checkin", stop_replica_after_the_view)
        cluster.server("start")
    assert stopped and not seen  # routed by the view, yet every row came from the primary
    wait_for(lambda: _health(app)["replica"] == "ok", "the replica to be back")
