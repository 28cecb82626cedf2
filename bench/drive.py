"""Load drivers of the benchmark: wrk for GET pages, Python threads for form round trips."""

from __future__ import annotations

import http.client
import json
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import lxml.html

HERE = Path(__file__).resolve().parent
WRK = shutil.which("wrk")
WRK_THREADS, WRK_CONNECTIONS = 2, 8


class Client:
    """One browser-like client over a keep-alive connection, keeping its cookies."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        """The Cookie header this client sends."""
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, int]:
        """Send one request; return status, body text and the X-SQL-Count header (0 if none)."""
        headers = {"Cookie": self.cookie_header()}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data, int(response.headers.get("X-SQL-Count", 0))

    def get_ok(self, path: str) -> int:
        """GET a page that must answer 200; return its SQL count."""
        status, body, sql = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
        return sql


def form_fields(page: str, marker: str = "company_name") -> dict[str, str]:
    """What a browser would submit from the page's form holding ``marker`` (first button)."""
    form = next(f for f in lxml.html.fromstring(page).forms if f.xpath(f".//*[@name='{marker}']"))
    fields = dict(form.form_values())
    for area in form.xpath(".//textarea[@name]"):
        value = fields.get(area.name, "")
        fields[area.name] = value[1:] if value.startswith("\n") else value  # as browsers do
    button = form.xpath(".//*[@type='submit'][@name]")
    if button:
        fields[button[0].get("name")] = button[0].get("value", "")
    return fields


def run_threads(make_client: Callable[[], Client], action, clients: int, seconds: float) -> dict:
    """Run ``action(client)`` (returns its SQL count) from ``clients`` threads for ``seconds``."""
    latencies: list[float] = []
    sql: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    deadline = [0.0]

    def start_clock() -> None:  # once every client is signed in
        deadline[0] = time.perf_counter() + seconds

    ready = threading.Barrier(clients + 1, action=start_clock)

    def worker() -> None:
        mine, mine_sql = [], []
        try:
            client = make_client()
            ready.wait()
            while time.perf_counter() < deadline[0]:
                start = time.perf_counter()
                mine_sql.append(action(client))
                mine.append(time.perf_counter() - start)
        except BaseException as error:  # reported by the caller, after every thread ends
            errors.append(error)
            ready.abort()
        with lock:
            latencies.extend(mine)
            sql.extend(mine_sql)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        pass  # a client failed: its error is raised below
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    if not latencies:
        raise RuntimeError(f"no request finished in {seconds:g} s")
    return {
        "rate": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p99": sorted(latencies)[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        "sql": statistics.mean(sql),
        "tool": "python",
    }


def run_wrk(port: int, cookie: str, paths: list[str], seconds: float, workdir: Path) -> dict:
    """GET ``paths`` (one picked at random per request) with wrk; return its figures."""
    command = [
        WRK,
        f"-t{WRK_THREADS}",
        f"-c{WRK_CONNECTIONS}",
        f"-d{seconds:g}s",
        "--timeout",
        "60s",
    ]
    command += ["-H", f"Cookie: {cookie}", "-s", str(HERE / "wrk_report.lua")]
    command.append(f"http://127.0.0.1:{port}{paths[0]}")
    if len(paths) > 1:
        listing = workdir / "paths.txt"
        listing.write_text("\n".join(paths) + "\n")
        command += ["--", str(listing)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["bad_status"] or figures["socket_errors"]:
        print(f"  wrk: {figures['bad_status']} bad statuses, {figures['socket_errors']} errors")
    return {
        "rate": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50": figures["p50_us"] / 1000,
        "p99": figures["p99_us"] / 1000,
        "tool": "wrk",
    }


def peak_memory_mb(master: int) -> float:
    """The largest peak resident size (VmHWM) among the gunicorn workers, in MB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks, default=0.0)


def wait_until_up(server: subprocess.Popen, port: int, path: str, timeout: float = 60) -> None:
    """Poll ``path`` until it answers 200; fail if the server exits or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server on port {port} exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)  # the poll's interval
    raise SystemExit(f"the server on port {port} did not answer {path} in {timeout:g} s")
