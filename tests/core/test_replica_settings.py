"""DATABASE_REPLICA_URL and its limits: read from the environment, refused when unusable."""

from __future__ import annotations

import pytest

from webapp import create_app
from webapp.config import load_config
from webapp.errors import ConfigurationError

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def settings(tmp_path, **values) -> dict:
    return load_config(str(tmp_path), {"SECRET_KEY": "x", "REDIS_URL": "", **values})


def test_no_replica_by_default_and_healthz_says_nothing_of_one(app, client):
    assert "replica" not in app.extensions
    body = client.get("/healthz").get_json()
    assert "replica" not in body and "replica_lag_seconds" not in body


def test_the_replica_url_and_limits_are_read_and_normalised(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@replica:5432/app")
    monkeypatch.setenv("REPLICA_MAX_LAG_SECONDS", "12.5")
    config = settings(tmp_path, DATABASE_URL=PG, REPLICA_READ_OWN_WRITES_SECONDS="3")
    assert config["DATABASE_REPLICA_URL"] == "postgresql+psycopg://reader@replica:5432/app"
    assert config["REPLICA_MAX_LAG_SECONDS"] == 12.5
    assert config["REPLICA_READ_OWN_WRITES_SECONDS"] == 3.0
    app = create_app({"SECRET_KEY": "x", "REDIS_URL": "", "DATABASE_URL": PG})
    assert app.extensions["replica"].engine.url.host == "replica"  # no connection made yet


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"DATABASE_REPLICA_URL": PG}, "needs PostgreSQL"),  # a SQLite primary
        ({"DATABASE_URL": PG, "DATABASE_REPLICA_URL": "mysql://x/y"}, "REPLICA_URL must start"),
        ({"DATABASE_URL": PG, "REPLICA_MAX_LAG_SECONDS": "soon"}, "number of seconds"),
        ({"DATABASE_URL": PG, "REPLICA_READ_OWN_WRITES_SECONDS": "-1"}, "number of seconds"),
    ],
)
def test_an_unusable_setting_is_refused_with_a_clear_message(tmp_path, values, message):
    with pytest.raises(ConfigurationError, match=message):
        settings(tmp_path, DATABASE_URL=values.pop("DATABASE_URL", ""), **values)
