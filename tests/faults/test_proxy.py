"""The fault proxy itself: it forwards, a cut drops and refuses, a restore forwards again."""

from __future__ import annotations

import socket
import threading

import pytest

from deploy.tcpproxy import TcpProxy


@pytest.fixture
def echo_server():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(10)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                while data := conn.recv(1024):
                    conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


def _echo(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(payload)
        return conn.recv(1024)


def test_forwards_cuts_and_restores(echo_server):
    with TcpProxy("127.0.0.1", echo_server) as proxy:
        assert _echo(proxy.port, b"one") == b"one"
        held = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
        held.sendall(b"x")
        assert held.recv(10) == b"x"
        proxy.cut()
        with pytest.raises(OSError):
            _echo(proxy.port, b"two")
        held.settimeout(10)
        try:
            dropped = held.recv(10) == b""
        except OSError:
            dropped = True
        assert dropped, "an open connection survived the cut"
        held.close()
        proxy.restore()
        assert _echo(proxy.port, b"three") == b"three"
