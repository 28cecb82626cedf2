"""Hosts that start together migrate one at a time (a PostgreSQL advisory lock)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from tests.conftest import _postgres_config

ROOT = Path(__file__).resolve().parents[2]


def test_two_upgrades_started_together_both_succeed_and_migrate_once(tmp_path: Path):
    with _postgres_config() as config:
        env = {
            **os.environ,
            "DATABASE_URL": config["DATABASE_URL"],
            "REDIS_URL": config["REDIS_URL"],
            "SECRET_KEY": "migrate-test",
        }
        command = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "db", "upgrade"]
        runs = [
            subprocess.Popen(
                command,
                cwd=ROOT,
                env={**env, "INSTANCE_PATH": str(tmp_path / str(host))},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for host in (1, 2)
        ]
        outputs = [run.communicate(timeout=180)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
        engine = create_engine(config["DATABASE_URL"])
        with engine.connect() as conn:
            versions = conn.scalars(text("SELECT version_num FROM alembic_version")).all()
        engine.dispose()
        assert versions == [head]
        # Each step ran in exactly one of the two processes; the other found the schema at head.
        steps = [output.count("Running upgrade") for output in outputs]
        revisions = len(list(ScriptDirectory(str(ROOT / "migrations")).walk_revisions()))
        assert sorted(steps) == [0, revisions]
