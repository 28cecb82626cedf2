"""Prometheus metrics: requests, latency, cache look-ups, throttled sign-ins, database pools.

Served at ``GET /metrics`` to signed-in admins, or to ``Authorization: Bearer <METRICS_TOKEN>``.
Under gunicorn each worker is its own process: with ``PROMETHEUS_MULTIPROC_DIR`` set (before
the app is imported) every worker writes its counters there and a scrape sums them all; the
folder must be emptied before the server starts (``make run`` does). Without it the process's
own default registry is served. The pool gauges are read at scrape time, so under several
workers they describe the worker that answered the scrape.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from flask_login import current_user
from prometheus_client import REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from webapp.extensions import db

__all__ = ["bp", "cache_result", "observe_request", "throttled_sign_in"]

bp = Blueprint("observability", __name__)
UNTRACKED_ENDPOINTS = {"static", "observability.metrics"}

REQUESTS = Counter(
    "http_requests",
    "Requests answered, by route, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer a request, by route.", ["route"]
)
CACHE_LOOKUPS = Counter("cache_lookups", "Model cache look-ups, by result.", ["result"])
CACHE_HIT, CACHE_MISS = CACHE_LOOKUPS.labels("hit"), CACHE_LOOKUPS.labels("miss")
THROTTLED_SIGN_INS = Counter("sign_ins_throttled", "Sign-in attempts answered 429.")
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def cache_result(hit: bool) -> None:
    """Count one cache look-up as a hit or a miss."""
    (CACHE_HIT if hit else CACHE_MISS).inc()


def throttled_sign_in() -> None:
    """Count one sign-in refused for too many failures."""
    THROTTLED_SIGN_INS.inc()


def observe_request(
    endpoint: str | None, route: str | None, method: str, status: int, seconds: float
) -> None:
    """Count a finished request under its URL rule (never the raw path, which holds ids)."""
    if endpoint in UNTRACKED_ENDPOINTS:
        return
    key = (route or "<unmatched>", method, status)
    children = _children.get(key)
    if children is None:  # labels() costs a lock and a lookup: keep each series' children
        children = _children[key] = (REQUESTS.labels(*key[:2], str(status)), LATENCY.labels(key[0]))
    children[0].inc()
    children[1].observe(seconds)


class PoolCollector:
    """Each engine's connection pool, read when scraped: checked out, size, overflow."""

    GAUGES = {
        "checkedout": ("db_pool_checked_out", "Connections in use."),
        "size": ("db_pool_size", "Connections the pool keeps open."),
        "overflow": ("db_pool_overflow", "Connections beyond the pool size (negative: unopened)."),
    }

    def __init__(self, engines: dict[str | None, Any]) -> None:
        self.engines = engines

    def collect(self) -> Iterator[Metric]:
        """One gauge per statistic, one sample per engine (``bind`` names it)."""
        for method, (name, text) in self.GAUGES.items():
            family = GaugeMetricFamily(name, text, labels=["bind"])
            for bind, engine in self.engines.items():
                read = getattr(engine.pool, method, None)
                if read is not None:
                    family.add_metric([bind or "default"], read())
            yield family


class _Scrape:
    """The collectors one scrape reads, in order."""

    def __init__(self, collectors: Iterable[Any]) -> None:
        self.collectors = list(collectors)

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def _collectors() -> list[Any]:
    counters = (
        MultiProcessCollector(None) if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else REGISTRY
    )
    return [counters, PoolCollector(db.engines)]


def _bearer_valid(header: str) -> bool:
    scheme, _, given = header.partition(" ")
    expected = current_app.config.get("METRICS_TOKEN")
    if scheme.lower() != "bearer" or not expected or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


@bp.get("/metrics")
def metrics() -> Response:
    """The metrics in Prometheus' text format, for admins or the bearer of METRICS_TOKEN."""
    header = request.headers.get("Authorization")
    if header is not None:
        if not _bearer_valid(header):
            return Response(
                "A valid metrics token is required.\n",
                401,
                {"WWW-Authenticate": 'Bearer realm="metrics"'},
                mimetype="text/plain",
            )
    elif not (current_user.is_authenticated and current_user.may("admin")):
        abort(403)
    body = generate_latest(_Scrape(_collectors()))
    return Response(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)
