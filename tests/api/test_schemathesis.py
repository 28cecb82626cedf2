"""Schemathesis against the running API: no server errors, answers as documented, links work.

The app is served by Werkzeug in a thread on a free port, on a fresh SQLite database migrated
to head, and the ``st`` command line runs every check (but positive_data_acceptance, see
schemathesis.toml) with a write token of an admin, the stateful phase following the links.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from webapp import create_app
from webapp.api.services import create_token
from webapp.auth.services import create_user
from webapp.extensions import db

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EXAMPLES = "25"  # per operation and phase: about 20 s in all


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The API's base URL and an admin's write token, on a fresh database."""
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'st.db'}",
            "REDIS_URL": "",
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(tmp_path / "cache"),
            "SECRET_KEY": "schemathesis",
            "SESSION_COOKIE_SECURE": "false",
            "API_RATE_LIMIT": "100000/minute",  # schemathesis sends thousands a minute
        }
    )
    with app.app_context():
        upgrade()
        user = create_user("st@example.com", "correct-staple-91x", "admin")
        token = create_token(user, "write", 1, by="cli")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", token
    finally:
        server.shutdown()
        thread.join()
        with app.app_context():
            db.engine.dispose()


def _st() -> str:
    found = Path(sys.executable).with_name("st")
    return str(found) if found.exists() else (shutil.which("st") or "st")


def test_schemathesis_finds_nothing(served: tuple[str, str], tmp_path: Path):
    base, token = served
    command = [
        _st(), "--config-file", str(HERE / "schemathesis.toml"), "run",
        f"{base}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--max-examples", EXAMPLES, "--seed", "12", "--no-color",
        "--report", "junit", "--report-dir", str(tmp_path / "report"),
        "--generation-database", "none",
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
    }
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=240, cwd=tmp_path
    )  # its .schemathesis/ cache goes to tmp_path, not the checkout
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
