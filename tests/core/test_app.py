"""The app's outside: health check, login redirect, configuration and migrations."""

from __future__ import annotations

import os
import shutil
import stat

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from webapp import create_app
from webapp.config import load_config
from webapp.errors import ConfigurationError
from webapp.extensions import db


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_stays_ok_while_two_workers_probe_at_once(app, other_app):
    from concurrent.futures import ThreadPoolExecutor

    def probe(index: int) -> int:
        return (app if index % 2 else other_app).test_client().get("/healthz").status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(probe, range(400))) == {200}


def test_healthz_names_a_database_that_is_down(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
            "REDIS_URL": "",
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(tmp_path),
            "SECRET_KEY": "x",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "down", "database": "down", "cache": "ok"}


class CountingCache:
    """Stands in for the app's cache backend: counts the writes, passes every call through."""

    WRITES = {"set", "add", "set_many", "delete", "delete_many", "inc", "dec", "clear"}

    def __init__(self, backend):
        self.backend = backend
        self.writes: list[str] = []

    def __getattr__(self, name):
        if name in self.WRITES:
            self.writes.append(name)
        return getattr(self.backend, name)


def test_healthz_writes_nothing_to_the_cache(app):
    from webapp.extensions import cache

    counting = CountingCache(app.extensions["cache"][cache])
    app.extensions["cache"][cache] = counting
    client = app.test_client()
    assert [client.get("/healthz").status_code for _ in range(3)] == [200] * 3
    assert counting.writes == []
    with app.app_context():
        cache.set("proof", 1)  # the wrapper sees writes: the assertion above can fail
    assert counting.writes == ["set"]


def _app_on(cache_config, tmp_path):
    return create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'health.db'}",
            "SECRET_KEY": "x",
            **cache_config,
        }
    )


def test_healthz_names_a_redis_cache_that_is_down(tmp_path):
    app = _app_on({"REDIS_URL": "redis://127.0.0.1:1/0"}, tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "down", "database": "ok", "cache": "down"}


def test_healthz_names_a_file_cache_whose_directory_is_gone(tmp_path):
    directory = tmp_path / "cache"
    app = _app_on(
        {"REDIS_URL": "", "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(directory)}, tmp_path
    )
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    shutil.rmtree(directory)  # an operator cleaning up, or a volume gone
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "down", "database": "ok", "cache": "down"}


def test_layout_links_follow_the_mount_point_and_the_current_tab(signed_in):
    client = signed_in("admin")
    mounted = client.get("/reports/billing", base_url="http://localhost/admin")
    page = mounted.get_data(as_text=True)
    assert 'src="/admin/static/js/app.js"' in page and 'action="/admin/logout"' in page
    assert 'active" aria-current="page" href="/admin/reports/billing"' in page
    page = client.get("/audit").get_data(as_text=True)  # the same app, not mounted
    assert 'src="/static/js/app.js"' in page and 'action="/logout"' in page
    assert 'active" aria-current="page" href="/audit"' in page
    assert 'class="nav-link" href="/reports/billing"' in page
    assert 'class="nav-link" href="/api/docs"' in page  # the API's docs link to its tokens
    page = client.get("/tokens").get_data(as_text=True)
    assert 'active" aria-current="page" href="/api/docs"' in page


@pytest.mark.parametrize("path", ["/accounts/", "/accounts/anything", "/no-such-page"])
def test_anonymous_pages_redirect_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_page_is_public(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="csrf_token"' in response.data


def test_configuration_defaults_and_environment(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'accounts.db'}"
    assert config["CACHE_TYPE"] == "FileSystemCache" and config["SESSION_COOKIE_SECURE"] is True
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load_config(str(tmp_path))["SECRET_KEY"] == config["SECRET_KEY"]
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "false")
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert config["CACHE_TYPE"] == "RedisCache" and config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("name", "value"), [("DATABASE_URL", "mysql://x/y"), ("SESSION_COOKIE_SECURE", "maybe")]
)
def test_bad_configuration_is_a_clear_error(tmp_path, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        load_config(str(tmp_path))


def test_migrations_go_down_to_base_and_up_again(app):
    with app.app_context():
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {
        "account",
        "account_contact",
        "user_profile",
        "charge",
        "daily_billing_record",
        "user",
        "tag",
        "account_tag",
    } <= tables


def test_a_crash_is_a_500_page_without_a_trace_and_rolls_back(backend, make_user):
    from sqlalchemy import func, select

    from tests.conftest import login
    from webapp.accounts.models import Account

    app = create_app({**backend, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/boom")
    def boom():
        db.session.add(Account(company_name="Half written"))
        db.session.flush()
        raise RuntimeError("secret internals")

    make_user("ada@example.com", "viewer")
    client = app.test_client()
    login(client, "ada@example.com")
    response = client.get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert (
        "Something went wrong" in page
        and "secret internals" not in page
        and "Traceback" not in page
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Account)) == 0
        db.session.remove()
        db.engine.dispose()


def test_web_app_loads_no_migration_tooling_until_a_migration_runs(tmp_path):
    import subprocess
    import sys

    config = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/m.db",
        "REDIS_URL": "",
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": f"{tmp_path}/c",
        "SECRET_KEY": "x",
    }
    script = (
        f"import sys; from webapp import create_app; app = create_app({config!r}); "
        "print(sorted({'alembic', 'mako', 'flask_migrate'} & set(sys.modules))); "
        "result = app.test_cli_runner().invoke(args=['db', 'upgrade']); "
        "print(result.exit_code, 'alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.splitlines() == ["[]", "0 True"], done.stderr[-2000:]
    with create_app(config).app_context():
        assert "alembic_version" in inspect(db.engine).get_table_names()
        db.engine.dispose()
