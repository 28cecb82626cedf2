"""600 requests a minute per token (configurable), counted where every worker and host sees it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from webapp import create_app
from webapp.api import ratelimit
from webapp.extensions import db


@pytest.fixture(params=["configured", "database"])
def limited(request: pytest.FixtureRequest, backend: dict[str, Any], app):
    """Two app instances (two workers or hosts) on the same database and cache, limit 3/min;
    counted in the configured store (Redis on PostgreSQL's run), or in the database."""
    config = {**backend, "API_RATE_LIMIT": "3/minute"}
    if request.param == "database":
        config["REDIS_URL"] = ""
    apps = [create_app(config) for _ in range(2)]
    yield apps
    for each in apps:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_limit_is_shared_by_every_instance_and_answers_429_with_retry_after(limited, bearer):
    headers = bearer()
    first, second = (Api(each, headers) for each in limited)
    assert first("GET", "/accounts").status_code == 200
    assert second("GET", "/accounts").status_code == 200
    assert first("GET", "/accounts").status_code == 200
    refused = second("GET", "/accounts")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = Api(limited[0], bearer("editor", "read"))
    assert other("GET", "/accounts").status_code == 200  # per token


def test_the_default_is_600_a_minute(app):
    with app.app_context():
        assert app.extensions[ratelimit.EXTENSION]["limit"].amount == 600
        assert str(app.extensions[ratelimit.EXTENSION]["limit"]).startswith("600 per 1 minute")


def test_store_by_configuration(app, dialect):
    with app.app_context():
        storage = ratelimit.storage()
    expected = "DatabaseStorage" if dialect == "sqlite" else "RedisStorage"
    assert type(storage).__name__ == expected


def test_an_unreachable_redis_fails_open(backend, tmp_path, make_user, caplog):
    config = {k: v for k, v in backend.items() if not k.startswith("CACHE_")}
    config.update(REDIS_URL="redis://127.0.0.1:1/0", API_RATE_LIMIT="1/minute")
    app = create_app(config)
    from tests.api.conftest import make_token

    user_id = make_user("ops@example.com", "admin")
    api = Api(app, {"Authorization": f"Bearer {make_token(app, user_id, 'read')}"})
    for _ in range(3):
        assert api("GET", "/accounts").status_code == 200
    warnings = [r for r in caplog.records if "rate limit store unavailable" in r.getMessage()]
    assert len(warnings) == 1
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_html_pages_do_not_count(limited, make_user):
    from tests.conftest import login

    make_user("pages@example.com", "viewer")
    client = limited[0].test_client()
    assert login(client, "pages@example.com").status_code == 303
    for _ in range(5):
        assert client.get("/accounts/").status_code == 200


def test_redis_and_the_limit_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("API_RATE_LIMIT", "5/second")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'env.db'}", "SECRET_KEY": "x"})
    with app.app_context():
        assert type(ratelimit.storage()).__name__ == "RedisStorage"
    assert str(app.extensions[ratelimit.EXTENSION]["limit"]).startswith("5 per 1 second")
