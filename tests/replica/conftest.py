"""Fixtures for the replica tests: a real primary and streaming replica, made once per run.

Locally, a machine without the PostgreSQL server binaries skips these tests with the reason;
with ``CI=true`` they fail instead. The schema is per run, as in the root conftest, and is
waited for on the replica (replayed WAL), never slept for.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from tests.conftest import IN_CI, TABLES
from tests.conftest import _migrated as migrated
from tests.replica.cluster import Cluster, ClusterUnavailable, wait_for
from webapp import create_app
from webapp.core.replica import Replica
from webapp.extensions import cache, db

QUOTED_TABLES = ", ".join(f'"{table}"' for table in TABLES)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """A primary and its streaming replica, stopped and removed at the end of the run."""
    try:
        made = Cluster()
    except (ClusterUnavailable, KeyError) as exc:
        _unavailable(f"cannot make a PostgreSQL primary and replica here: {exc}")
    try:
        made.start()
    except ClusterUnavailable as exc:
        made.stop()
        _unavailable(f"cannot make a PostgreSQL primary and replica here: {exc}")
    yield made
    made.stop()


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"{message}; CI must test the replica", pytrace=False)
    pytest.skip(message)


def replica_of(app: Flask) -> Replica:
    """The app's replica (the app must have ``DATABASE_REPLICA_URL`` set)."""
    return app.extensions["replica"]


def wait_replayed(app: Flask) -> None:
    """Wait until the replica has replayed everything the primary has flushed."""
    with app.app_context():
        wait_for(lambda: replica_of(app).check().lag == 0, "the replica to catch up")


@pytest.fixture(scope="session")
def replica_backend(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory):
    """Settings of an app on the cluster's primary, its schema migrated and replayed."""
    schema = f"test_{secrets.token_hex(4)}"
    engine = create_engine(cluster.url(cluster.primary_port, "public"))
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    config = next(  # the suite's settings and migration, on the cluster's primary
        migrated(
            {
                "DATABASE_URL": cluster.url(cluster.primary_port, schema),
                "REDIS_URL": "",
                "CACHE_TYPE": "FileSystemCache",
                "CACHE_DIR": str(tmp_path_factory.mktemp("replica-cache")),
            }
        )
    )
    replica_url = cluster.url(cluster.replica_port, schema)
    probe = create_engine(replica_url)
    wait_for(lambda: _has_table(probe, f"{schema}.alembic_version"), "the schema on the replica")
    probe.dispose()
    return {**config, "DATABASE_REPLICA_URL": replica_url}


def _has_table(engine: Any, name: str) -> bool:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name})


@pytest.fixture
def make_app(replica_backend: dict[str, Any]):
    """Factory: an app with the replica configured (settings overridable), on empty tables."""
    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        app = create_app({**replica_backend, **settings})
        made.append(app)
        with app.app_context():
            db.session.execute(text(f"TRUNCATE {QUOTED_TABLES} CASCADE"))
            db.session.commit()
            cache.clear()
        wait_replayed(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
            replica_of(app).engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    """The app with the replica configured, on empty tables (what ``signed_in`` uses)."""
    return make_app()
