"""The round-robin proxy of ``make up``: alternates hosts, forwards the client, streams bodies."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from deploy.proxy import serve
from tests.hosts.conftest import free_ports


class Echo(BaseHTTPRequestHandler):
    """An app host stand-in: answers with its name, the request's headers and body."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.answer(b"")

    def do_POST(self) -> None:
        self.answer(self.rfile.read(int(self.headers["Content-Length"])))

    def answer(self, body: bytes) -> None:
        reply = {"host": self.server.name, "headers": dict(self.headers), "body": body.decode()}
        data = json.dumps(reply).encode()
        self.send_response(200)
        if self.path == "/chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (data[:10], data[10:]):
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[tuple[int, list[ThreadingHTTPServer]]]:
    """The proxy on a free port in front of two echo hosts (and a third port nobody serves)."""
    listen, down = free_ports(2)
    hosts = []
    for name in ("A", "B"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        server.name = name
        threading.Thread(target=server.serve_forever, daemon=True).start()
        hosts.append(server)
    upstreams = [("127.0.0.1", h.server_address[1]) for h in hosts] + [("127.0.0.1", down)]
    loop = asyncio.new_event_loop()
    stop, ready = asyncio.Event(), asyncio.Event()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(serve(("127.0.0.1", listen), upstreams, stop, ready),)
    )
    thread.start()
    while not ready.is_set():
        thread.join(0.01)
    yield listen, hosts
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()
    for server in hosts:
        server.shutdown()
        server.server_close()


def fetch(conn: http.client.HTTPConnection, method: str, path: str, **kwargs) -> dict:
    conn.request(method, path, **kwargs)
    response = conn.getresponse()
    assert response.status == 200
    return json.loads(response.read())


def test_requests_alternate_between_hosts_and_skip_one_that_is_down(proxy):
    port, _ = proxy
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    hosts = [fetch(conn, "GET", "/")["host"] for _ in range(6)]  # one kept-alive connection
    conn.close()
    assert hosts == ["A", "B"] * 3


def test_the_client_address_and_scheme_are_forwarded(proxy):
    port, _ = proxy
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    plain = fetch(conn, "GET", "/")["headers"]
    behind = fetch(conn, "GET", "/", headers={"X-Forwarded-For": "198.51.100.4"})["headers"]
    conn.close()
    assert plain["X-Forwarded-For"] == "127.0.0.1"
    assert plain["X-Forwarded-Proto"] == "http"
    assert behind["X-Forwarded-For"] == "198.51.100.4, 127.0.0.1"  # the app trusts the last hop


def test_bodies_travel_both_ways_in_any_framing(proxy):
    port, _ = proxy
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    posted = fetch(conn, "POST", "/", body=b"company_name=Acme", headers={"Content-Length": "17"})
    chunked = fetch(conn, "GET", "/chunked")
    conn.close()
    assert posted["body"] == "company_name=Acme"
    assert chunked["host"] in ("A", "B") and chunked["body"] == ""


def test_with_every_host_down_the_answer_is_502(proxy):
    port, hosts = proxy
    for server in hosts:
        server.shutdown()
        server.server_close()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    response = conn.getresponse()
    assert response.status == 502
    assert b"No app host" in response.read()
    conn.close()
