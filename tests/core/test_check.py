"""``flask --app wsgi check``: one line per problem, exit 0 only when all is well."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from webapp import create_app

ROOT = Path(__file__).resolve().parents[2]
LONG_KEY = "k" * 40


def check(app, **env: str):
    """Run the command against ``app`` with these environment variables set."""
    return app.test_cli_runner().invoke(args=["check"], env=env)


def problems(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("problem: ")]


def test_ok_on_the_test_configuration(backend):
    result = check(create_app({**backend, "SECRET_KEY": LONG_KEY}))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: settings, database (")
    assert "migrations at head" in result.output


def test_an_unreachable_database_is_one_clear_line(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/none",
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(tmp_path),
            "SECRET_KEY": LONG_KEY,
        }
    )
    result = check(app)
    assert result.exit_code == 1
    (line,) = problems(result)
    assert line.startswith("problem: database: cannot reach postgresql+psycopg://postgres:***@")
    assert "127.0.0.1" in line and "refused" in line and "hunter2" not in line


def test_a_database_behind_its_migrations(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(tmp_path / "cache"),
            "SECRET_KEY": LONG_KEY,
        }
    )
    (line,) = problems(check(app))
    assert line.startswith("problem: migrations: the database is at no revision, the code at ")
    assert "flask --app wsgi db upgrade" in line


def test_bad_settings_are_each_named(backend):
    app = create_app({**backend, "SECRET_KEY": LONG_KEY})
    result = check(app, LOG_FORMAT="xml", REDIS_URL="http://cache", SECRET_KEY="short")
    assert result.exit_code == 1
    lines = problems(result)
    assert "problem: LOG_FORMAT must be json or text, not 'xml'." in lines
    assert any(line.startswith("problem: REDIS_URL: ") for line in lines)
    assert any(line.startswith("problem: SECRET_KEY: 5 characters") for line in lines)


def test_a_short_secret_key_in_the_app_is_refused(backend):
    (line,) = problems(check(create_app({**backend, "SECRET_KEY": "test-secret"})))
    assert line.startswith("problem: SECRET_KEY: 11 characters; use at least 32")


def test_the_real_command_reports_a_setting_that_stops_the_app_building(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}",
        "LOG_FORMAT": "yaml",
        "SESSION_COOKIE_SECURE": "maybe",
    }
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(
        [str(flask), "--app", "wsgi", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "problem: SESSION_COOKIE_SECURE must be true or false, not 'maybe'.",
        "problem: LOG_FORMAT must be json or text, not 'yaml'.",
        "problem: database and cache not checked: fix the settings above first.",
    ]
