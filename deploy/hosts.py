"""Run N stateless app hosts behind the round-robin proxy: ``make up HOSTS=2``, ``make down``.

    python -m deploy.hosts [--hosts 2] [--workers 2] [--port 5000] [--instance instance]
    python -m deploy.hosts --stop [--instance instance]

Reads ``DATABASE_URL`` and ``REDIS_URL`` (both required: hosts share one PostgreSQL and one
Redis, never a SQLite file or a per-host cache). Migrates once, makes sure an admin exists,
then starts host i (gunicorn, ``--workers`` each) on port ``port + i`` with its own folder
``<instance>/hosts/i`` and the shared ``SECRET_KEY`` (``$SECRET_KEY``, else the key kept in
``<instance>/secret_key``), waits until each answers ``/healthz`` and serves the proxy on
``port``. Ctrl-C or SIGTERM (``--stop``) stops every process it started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from deploy.proxy import run_until_signalled
from webapp.config import secret_key

__all__ = ["Hosts", "host_env", "wait_healthy"]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# gunicorn's access line; the client is the address the proxy forwarded.
ACCESS = '%({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'


class RefusedSetup(SystemExit):
    """The environment cannot run several hosts; the message says what to change."""

    def __init__(self, message: str) -> None:
        super().__init__(f"make up: {message}")


def shared_settings(environ: Mapping[str, str], instance: Path) -> dict[str, str]:
    """The settings every host shares; refuses a SQLite or missing database, a missing Redis."""
    database, redis = environ.get("DATABASE_URL", ""), environ.get("REDIS_URL", "")
    if not database or database.startswith("sqlite"):
        raise RefusedSetup(
            "DATABASE_URL must name a PostgreSQL server that every host shares "
            f"(got {database or 'nothing'!r}); a SQLite file cannot be shared by hosts."
        )
    if not redis.startswith(("redis://", "rediss://", "unix://")):
        raise RefusedSetup(
            "REDIS_URL must name a Redis server that every host shares "
            f"(got {redis or 'nothing'!r}); without it each host keeps its own cache."
        )
    return {
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "SECRET_KEY": secret_key(environ.get("SECRET_KEY"), instance),
        "SESSION_COOKIE_SECURE": environ.get("SESSION_COOKIE_SECURE") or "false",
        "TRUSTED_PROXY_COUNT": environ.get("TRUSTED_PROXY_COUNT") or "1",
    }


def host_env(shared: Mapping[str, str], folder: Path) -> dict[str, str]:
    """One host's environment: the shared settings and an instance folder of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    return {**os.environ, **shared, "INSTANCE_PATH": str(folder)}


def flask(env: Mapping[str, str], *args: str) -> None:
    """Run an operator command once, before any host starts; stop on failure."""
    done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env)
    if done.returncode:
        raise SystemExit(f"make up: `flask {' '.join(args)}` failed (exit {done.returncode})")


def wait_healthy(port: int, process: subprocess.Popen | None = None, timeout: float = 90) -> None:
    """Poll ``/healthz`` until it answers 200; fail if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the host on port {port} exited with {process.returncode}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)  # a poll interval, not a wait for a condition
    raise RuntimeError(f"the host on port {port} did not answer /healthz in {timeout:.0f} s")


def control_socket(folder: Path) -> list[str]:
    """gunicorn 24+ opens a control socket at one path per user: give each host its own."""
    from gunicorn.config import Config

    return (
        ["--control-socket", str(folder / "gunicorn.ctl")]
        if "control_socket" in Config().settings
        else []
    )


class Hosts:
    """N gunicorn hosts started from one set of shared settings; stops what it started."""

    def __init__(self, shared: Mapping[str, str], instance: Path, ports: list[int]) -> None:
        self.shared, self.instance, self.ports = dict(shared), instance, ports
        self.processes: list[subprocess.Popen] = []

    def start(self, workers: int = 2, access_log: bool = False) -> Hosts:
        """Start every host and wait until each is healthy."""
        for index, port in enumerate(self.ports, start=1):
            env = host_env(self.shared, self.instance / "hosts" / str(index))
            command = [str(BIN / "gunicorn"), "--workers", str(workers), "--timeout", "600"]
            command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
            command += control_socket(Path(env["INSTANCE_PATH"]))
            if access_log:
                command += ["--access-logfile", "-", "--access-logformat", f"host{index} {ACCESS}"]
            self.processes.append(subprocess.Popen([*command, "wsgi:app"], cwd=ROOT, env=env))
        try:
            for port, process in zip(self.ports, self.processes, strict=True):
                wait_healthy(port, process)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM each host (a graceful stop); SIGKILL any left after ``timeout`` or Ctrl-C."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + timeout
        try:
            for process in self.processes:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(max(0.0, deadline - time.monotonic()))
        except KeyboardInterrupt:
            pass  # Ctrl-C again: stop waiting for a graceful end
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()

    def __enter__(self) -> Hosts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def pid_file(instance: Path) -> Path:
    """Where a running ``make up`` notes its process id, for ``make down``."""
    return instance / "hosts" / "up.pid"


def running_pid(instance: Path) -> int | None:
    """The process id of a ``make up`` that is still running, or None."""
    try:
        pid = int(pid_file(instance).read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def stop_running(instance: Path, timeout: float = 60) -> None:
    """``make down``: SIGTERM the running ``make up`` and wait until it has stopped its hosts."""
    pid = running_pid(instance)
    if pid is None:
        print("make down: nothing is running.")
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while running_pid(instance) == pid and time.monotonic() < deadline:
        time.sleep(0.1)
    print(f"make down: stopped process {pid} and its hosts.")


def up(args: argparse.Namespace) -> None:
    """Migrate once, ensure an admin, start the hosts, serve the proxy until signalled."""
    instance = args.instance.resolve()
    instance.mkdir(parents=True, exist_ok=True)
    # SIGTERM before the proxy runs (make down during start-up) unwinds like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if (pid := running_pid(instance)) is not None:
        raise RefusedSetup(f"already running as process {pid}; `make down` stops it.")
    shared = shared_settings(os.environ, instance)
    setup_env = host_env(shared, instance / "hosts" / "setup")
    flask(setup_env, "db", "upgrade")
    flask(setup_env, "users", "ensure-admin")
    ports = [args.port + i for i in range(1, args.hosts + 1)]
    pid_file(instance).write_text(str(os.getpid()))
    try:
        with Hosts(shared, instance, ports).start(args.workers, access_log=not args.quiet):
            print(
                f"Serving http://127.0.0.1:{args.port} across {args.hosts} hosts "
                f"(ports {', '.join(map(str, ports))}). Ctrl-C or `make down` stops all.",
                flush=True,
            )
            upstreams = [("127.0.0.1", port) for port in ports]
            asyncio.run(run_until_signalled(("127.0.0.1", args.port), upstreams))
            print("Stopping the hosts (Ctrl-C again to kill them).", flush=True)
    finally:
        pid_file(instance).unlink(missing_ok=True)


def main() -> None:
    """Command line for ``make up`` and ``make down``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per host")
    parser.add_argument("--port", type=int, default=5000, help="the proxy's; hosts use the next")
    parser.add_argument("--instance", type=Path, default=ROOT / "instance")
    parser.add_argument("--quiet", action="store_true", help="no access log lines")
    parser.add_argument("--stop", action="store_true", help="stop a running `make up`")
    args = parser.parse_args()
    if args.stop:
        stop_running(args.instance.resolve())
    else:
        up(args)


if __name__ == "__main__":
    main()
