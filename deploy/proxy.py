"""A small HTTP/1.1 reverse proxy that round-robins requests across the app hosts.

    python -m deploy.proxy --listen 127.0.0.1:5000 --upstream 127.0.0.1:5001 --upstream …

Standard library only (asyncio). Each request goes to the next host (a host that refuses the
connection is skipped); ``X-Forwarded-For`` and ``X-Forwarded-Proto`` get the client's
address and ``http`` appended, which the app trusts with ``TRUSTED_PROXY_COUNT=1``. Client
connections are kept alive; bodies of any framing (length, chunked, until close) are streamed,
never buffered whole. It is the front of ``make up`` on one machine, not an internet edge:
no TLS, no timeouts beyond the app's own.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import signal
from collections.abc import Sequence

__all__ = ["Proxy", "serve"]

log = logging.getLogger("deploy.proxy")
HEAD_LIMIT = 64 * 1024
PIECE = 64 * 1024
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
    "expect",
}
Headers = list[tuple[str, str]]


class BadRequest(Exception):
    """The client sent something that is not HTTP/1.x."""


def parse_head(head: bytes) -> tuple[str, Headers]:
    """The start line and the header fields of a request or response head."""
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise BadRequest(f"malformed header line {line!r}")
        headers.append((name, value.strip()))
    return lines[0], headers


def header(headers: Headers, name: str) -> str | None:
    """The values of one header field joined by commas, or None when absent."""
    values = [value for key, value in headers if key.lower() == name]
    return ", ".join(values) if values else None


def forwarded(headers: Headers, client: str) -> Headers:
    """The headers to send on: hop-by-hop fields dropped, the forwarding fields appended."""
    named = {word.strip().lower() for word in (header(headers, "connection") or "").split(",")}
    kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP | named]
    for name, value in (("X-Forwarded-For", client), ("X-Forwarded-Proto", "http")):
        earlier = header(kept, name.lower())
        kept = [(k, v) for k, v in kept if k.lower() != name.lower()]
        kept.append((name, f"{earlier}, {value}" if earlier else value))
    return [*kept, ("Connection", "close")]


def encode_head(start: str, headers: Headers) -> bytes:
    """A head ready to write: start line, fields, blank line."""
    return "".join([start, "\r\n", *(f"{k}: {v}\r\n" for k, v in headers), "\r\n"]).encode(
        "latin-1"
    )


async def copy_length(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
    """Copy exactly ``n`` bytes, a piece at a time."""
    while n > 0:
        piece = await reader.readexactly(min(n, PIECE))
        n -= len(piece)
        writer.write(piece)
        await writer.drain()


async def copy_chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy a chunked body as it is, up to and including its trailer."""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        writer.write(size_line)
        size = int(size_line.split(b";", 1)[0].strip() or b"x", 16)
        if size == 0:
            while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
                writer.write(line)
            writer.write(b"\r\n")
            await writer.drain()
            return
        await copy_length(reader, writer, size + 2)


async def copy_body(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: Headers
) -> bool:
    """Copy the body the headers announce; False when it ran until the connection closed."""
    if "chunked" in (header(headers, "transfer-encoding") or "").lower():
        await copy_chunked(reader, writer)
        return True
    length = header(headers, "content-length")
    if length is not None:
        if not length.isdigit():
            raise BadRequest(f"bad Content-Length {length!r}")
        await copy_length(reader, writer, int(length))
        return True
    while piece := await reader.read(PIECE):
        writer.write(piece)
        await writer.drain()
    return False


class Proxy:
    """Round-robin over ``upstreams``; one instance serves every client connection."""

    def __init__(self, upstreams: Sequence[tuple[str, int]]) -> None:
        self.upstreams = list(upstreams)
        self._turn = itertools.cycle(range(len(self.upstreams)))

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to the next host that accepts one; skips hosts that are down."""
        for _ in self.upstreams:
            host, port = self.upstreams[next(self._turn)]
            try:
                return await asyncio.open_connection(host, port, limit=HEAD_LIMIT)
            except OSError as exc:
                log.warning("host %s:%s refused a connection: %s", host, port, exc)
        raise ConnectionRefusedError("no host accepted the connection")

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one client connection, request after request, until either side closes."""
        client = (writer.get_extra_info("peername") or ("unknown",))[0]
        try:
            while await self.exchange(reader, writer, client):
                pass
        except BadRequest as exc:
            log.info("bad request from %s: %s", client, exc)
            writer.write(refusal("400 Bad Request"))
        except asyncio.LimitOverrunError:
            writer.write(refusal("431 Request Header Fields Too Large"))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass  # a client or host went away mid-message: nothing sensible to answer
        finally:
            await close(writer)

    async def exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client: str
    ) -> bool:
        """Relay one request and its response; True when the client connection stays open."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False  # the client closed between requests
        start, headers = parse_head(head)
        method, _, version = start.split(" ", 2) if start.count(" ") == 2 else ("", "", "")
        if not version.startswith("HTTP/1."):
            raise BadRequest(f"not an HTTP/1.x request line: {start!r}")
        try:
            up_reader, up_writer = await self.connect()
        except ConnectionRefusedError:
            await answer_bad_gateway(writer)
            return False
        try:
            if "100-continue" in (header(headers, "expect") or "").lower():
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            up_writer.write(encode_head(start, forwarded(headers, client)))
            if has_request_body(headers):
                await copy_body(reader, up_writer, headers)
            framed = await self.relay_response(up_reader, writer, method)
        finally:
            await close(up_writer)
        return framed and wants_keep_alive(version, headers)

    async def relay_response(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str
    ) -> bool:
        """Copy the host's response; False when its end was the connection's end."""
        start, headers = parse_head(await reader.readuntil(b"\r\n\r\n"))
        status = int(start.split(" ", 2)[1])
        bodiless = method == "HEAD" or status in (204, 304) or 100 <= status < 200
        delimited = (
            bodiless
            or header(headers, "content-length") is not None
            or ("chunked" in (header(headers, "transfer-encoding") or "").lower())
        )
        kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        kept.append(("Connection", "keep-alive" if delimited else "close"))
        writer.write(encode_head(start, kept))
        if not bodiless:
            await copy_body(reader, writer, headers)
        await writer.drain()
        return delimited


def has_request_body(headers: Headers) -> bool:
    """True when the request announces a body (by length or chunked)."""
    return header(headers, "content-length") not in (None, "0") or (
        header(headers, "transfer-encoding") is not None
    )


def wants_keep_alive(version: str, headers: Headers) -> bool:
    """HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 only when asked."""
    words = (header(headers, "connection") or "").lower()
    return "keep-alive" in words if version == "HTTP/1.0" else "close" not in words


def refusal(status: str, body: str = "") -> bytes:
    """A complete plain-text response that closes the connection."""
    head = f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nConnection: close\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n{body}".encode("latin-1")


async def answer_bad_gateway(writer: asyncio.StreamWriter) -> None:
    """Tell the client that no host is up."""
    writer.write(refusal("502 Bad Gateway", "No app host is reachable.\n"))
    await writer.drain()


async def close(writer: asyncio.StreamWriter) -> None:
    """Close a connection, ignoring a peer that is already gone."""
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass


async def serve(
    listen: tuple[str, int],
    upstreams: Sequence[tuple[str, int]],
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
) -> None:
    """Serve on ``listen`` until ``stop`` is set, then close every client connection still open."""
    proxy = Proxy(upstreams)
    clients: set[asyncio.Task] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        clients.add(task)
        try:
            await proxy.handle(reader, writer)
        finally:
            clients.discard(task)

    server = await asyncio.start_server(handle, *listen, limit=HEAD_LIMIT, reuse_address=True)
    async with server:
        if ready is not None:
            ready.set()
        await stop.wait()
    # Kept-alive clients would otherwise be left pending when the loop ends (their sockets
    # closed only by the garbage collector, a ResourceWarning in whatever runs next).
    for task in list(clients):
        task.cancel()
    await asyncio.gather(*clients, return_exceptions=True)


def address(text: str) -> tuple[str, int]:
    """``host:port`` as a pair."""
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def run_until_signalled(listen: tuple[str, int], upstreams: list[tuple[str, int]]) -> None:
    """Serve until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(listen, upstreams, stop)


def main() -> None:
    """Command line: ``--listen HOST:PORT`` and one ``--upstream HOST:PORT`` per app host."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listen", type=address, default=("127.0.0.1", 5000))
    parser.add_argument("--upstream", type=address, action="append", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="proxy: %(message)s")
    asyncio.run(run_until_signalled(args.listen, args.upstream))


if __name__ == "__main__":
    main()
