"""Issue 11's operator table, end to end: `python -m bench.faults` finds no wrong answer."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import _require

ROOT = Path(__file__).resolve().parents[2]


def test_every_step_of_the_operator_table_answers_as_it_should():
    _require("PostgreSQL", "127.0.0.1", 5432)
    _require("Redis", "127.0.0.1", 6379)
    with socket.socket() as probe:  # a port nobody holds, for the host under test
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = subprocess.run(
        [sys.executable, "-m", "bench.faults", "--port", str(port)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    rows = [line for line in done.stdout.splitlines() if ":" in line.split("  ")[0]]
    assert len(rows) == 20, done.stdout + done.stderr[-3000:]
    assert "WRONG" not in done.stdout and done.returncode == 0, done.stdout
    assert "Redis cut: create account                       303" in done.stdout
    assert "rows saved: 0" in done.stdout  # the create while PostgreSQL was cut wrote nothing
