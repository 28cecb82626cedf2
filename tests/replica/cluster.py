"""A throw-away PostgreSQL primary and its streaming replica, made with the server's own tools.

The primary is a fresh ``initdb`` (trust, replication allowed on 127.0.0.1) rather than the
machine's cluster, so the tests need no change to the machine's ``pg_hba.conf``; the replica
is a real ``pg_basebackup -R -X stream`` of it. Both run as the ``postgres`` user when the
tests run as root (PostgreSQL refuses root), on free ports, under one temporary directory.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SERVER_SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{root}'
wal_level = replica
max_wal_senders = 4
max_connections = 40
shared_buffers = 16MB
fsync = off
"""


class ClusterUnavailable(Exception):
    """The primary/replica pair cannot be made here (no server binaries, or they failed)."""


def bindir() -> Path:
    """The newest PostgreSQL server binaries (``PG_BINDIR`` wins)."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    for path in filter(None, candidates):
        if (Path(path) / "pg_basebackup").exists() and (Path(path) / "initdb").exists():
            return Path(path)
    raise ClusterUnavailable("no PostgreSQL server binaries (initdb, pg_basebackup) found")


def _version(path: str) -> int:
    number = Path(path).parent.name
    return int(number) if number.isdigit() else 0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class Cluster:
    """A primary and its hot-standby replica on 127.0.0.1, user postgres, trust."""

    def __init__(self) -> None:
        self.bin = bindir()
        self.root = Path(tempfile.mkdtemp(prefix="replica-test-"))
        self.primary_port, self.replica_port = free_port(), free_port()
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self.user:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)

    def url(self, port: int, schema: str) -> str:
        """A SQLAlchemy URL of one server, on the ``postgres`` database and ``schema``."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres?options=-csearch_path%3D{schema}"

    def run(self, tool: str, *args: str) -> None:
        """Run one server tool (as postgres under root); its stderr becomes the error."""
        command = [str(self.bin / tool), *args]
        if self.user:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)
        if done.returncode:
            raise ClusterUnavailable(f"{tool} failed: {(done.stderr or done.stdout)[-800:]}")

    def start(self) -> Cluster:
        """initdb the primary, start it, base-backup the replica and start that too."""
        primary, replica = self.root / "primary", self.root / "replica"
        self.run(
            "initdb",
            "-D",
            str(primary),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--no-locale",
        )
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(SERVER_SETTINGS.format(port=self.primary_port, root=self.root))
        self.server("start", primary)
        self.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary_port),
            "-U",
            "postgres",
            "-D",
            str(replica),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        with open(replica / "postgresql.conf", "a") as conf:
            conf.write(f"port = {self.replica_port}\n")
        self.server("start", replica)
        return self

    def server(self, action: str, data: Path | None = None) -> None:
        """``pg_ctl start`` or ``stop`` one server (the replica by default), waiting for it."""
        data = data or self.root / "replica"
        extra = ["-l", str(self.root / f"{data.name}.log")] if action == "start" else ["-m", "fast"]
        self.run("pg_ctl", action, "-D", str(data), "-w", "-t", "120", *extra)

    def stop(self) -> None:
        """Stop both servers and remove every file."""
        for name in ("replica", "primary"):
            if (self.root / name / "postmaster.pid").exists():
                try:
                    self.server("stop", self.root / name)
                except ClusterUnavailable:
                    pass
        shutil.rmtree(self.root, ignore_errors=True)
