"""``make up`` refuses settings that cannot be shared by several hosts, and says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.hosts import RefusedSetup, shared_settings

REDIS = "redis://127.0.0.1:6379/0"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"REDIS_URL": REDIS}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:///instance/accounts.db", "REDIS_URL": REDIS}, "SQLite"),
        ({"DATABASE_URL": POSTGRES}, "REDIS_URL"),
        ({"DATABASE_URL": POSTGRES, "REDIS_URL": ""}, "REDIS_URL"),
    ],
)
def test_settings_hosts_cannot_share_are_refused(tmp_path: Path, environ: dict, named: str):
    with pytest.raises(RefusedSetup) as refused:
        shared_settings(environ, tmp_path)
    assert named in str(refused.value)


def test_hosts_share_one_generated_key_kept_in_the_instance_folder(tmp_path: Path):
    first = shared_settings({"DATABASE_URL": POSTGRES, "REDIS_URL": REDIS}, tmp_path)
    again = shared_settings({"DATABASE_URL": POSTGRES, "REDIS_URL": REDIS}, tmp_path)
    assert first["SECRET_KEY"] == again["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first["TRUSTED_PROXY_COUNT"] == "1" and first["SESSION_COOKIE_SECURE"] == "false"
