"""Operations: request ids, request log lines, /metrics and its access, throttled sign-ins."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PASSWORD, login
from webapp import create_app

TOKEN = "metrics-token-for-tests-0123456789"
ROOT = Path(__file__).resolve().parents[2]


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    """The JSON objects written to the error stream so far."""
    lines = capsys.readouterr().err.splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def sample(body: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text page (0 when absent)."""
    for family in text_string_to_metric_families(body):
        for each in family.samples:
            if each.name == name and all(each.labels.get(k) == v for k, v in labels.items()):
                return each.value
    return 0.0


def scrape(app) -> str:
    app.config["METRICS_TOKEN"] = TOKEN
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_json_log_line_has_the_request_facts(app, signed_in, capsys):
    app.config["LOG_FORMAT"] = "json"
    client = signed_in("admin")
    capsys.readouterr()
    response = client.get("/accounts/")
    assert response.status_code == 200
    (line,) = [entry for entry in log_lines(capsys) if entry.get("route") == "/accounts/"]
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert line["method"] == "GET" and line["status"] == 200
    assert isinstance(line["user"], int)
    assert line["sql_count"] >= 1 and line["duration_ms"] > 0
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_route_is_the_url_rule_not_the_path(app, signed_in, capsys):
    app.config["LOG_FORMAT"] = "json"
    client = signed_in("viewer")
    capsys.readouterr()
    assert client.get("/accounts/1234-5678-9012").status_code == 404
    (line,) = [entry for entry in log_lines(capsys) if entry.get("status") == 404]
    assert "1234-5678-9012" not in json.dumps(line)
    assert line["route"].startswith("/accounts/<")


def test_a_sane_incoming_request_id_is_echoed_and_a_bad_one_replaced(client):
    assert (
        client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.42"}).headers["X-Request-Id"]
        == "lb-7f3a.42"
    )
    for bad in ("two words", "x" * 300, "<script>"):
        answered = client.get("/login", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{32}", answered)


def test_text_log_line_is_readable_and_carries_the_request_id(client, capsys):
    capsys.readouterr()
    client.get("/healthz", headers={"X-Request-Id": "trace-text-1"})
    lines = [line for line in capsys.readouterr().err.splitlines() if "trace-text-1" in line]
    assert len(lines) == 1
    assert "[trace-text-1] webapp.request: GET /healthz 200" in lines[0]
    assert re.search(r" \d+\.\d ms sql=\d+ user=-$", lines[0])


def test_app_errors_logged_in_a_request_carry_its_id(tmp_path, capsys):
    app = create_app(
        {
            "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(tmp_path),
            "SECRET_KEY": "x",
            "LOG_FORMAT": "json",
        }
    )
    capsys.readouterr()
    app.test_client().get("/healthz", headers={"X-Request-Id": "trace-503"})
    (warning,) = [entry for entry in log_lines(capsys) if entry["level"] == "WARNING"]
    assert warning["request_id"] == "trace-503"
    assert warning["message"].startswith("health check: database unreachable (OperationalError: ")
    assert "exception" not in warning  # one line per probe, not a trace every few seconds


def test_metrics_for_an_admin_count_requests_by_route(app, signed_in):
    client = signed_in("admin")
    client.get("/healthz")
    client.get("/static/css/app.css").close()
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    body = response.get_data(as_text=True)
    assert sample(body, "http_requests_total", route="/healthz", method="GET", status="200") >= 1
    assert sample(body, "http_request_duration_seconds_count", route="/healthz") >= 1
    assert sample(body, "db_pool_size", bind="default") >= 1
    assert 'route="/metrics"' not in body and 'route="/static' not in body


def test_metrics_with_the_token_and_without(app, signed_in):
    app.config["METRICS_TOKEN"] = TOKEN
    anonymous = app.test_client()
    assert (
        anonymous.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    )
    refused = anonymous.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.get("/metrics", headers={"Authorization": "Basic eDp5"}).status_code == 401
    redirected = anonymous.get("/metrics")
    assert redirected.status_code == 302
    assert redirected.headers["Location"].startswith("/login?next=")
    assert signed_in("viewer").get("/metrics").status_code == 403


def test_no_token_configured_refuses_every_bearer(app):
    app.config["METRICS_TOKEN"] = None
    response = app.test_client().get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 401


def test_a_throttled_sign_in_is_counted(app, make_user):
    make_user("ada@example.com", "viewer")
    before = sample(scrape(app), "sign_ins_throttled_total")
    client = app.test_client()
    for _ in range(app.config["LOGIN_FAILURE_LIMIT"]):
        assert login(client, "ada@example.com", "wrong-password-99").status_code == 200
    assert sample(scrape(app), "sign_ins_throttled_total") == before
    assert login(client, "ada@example.com", PASSWORD).status_code == 429
    assert sample(scrape(app), "sign_ins_throttled_total") == before + 1


def test_cache_hits_and_misses_are_counted(app, make_account):
    from webapp.accounts.models import Account

    number = make_account().account_number
    before = scrape(app)
    Account.get_cached_object(account_number=number)
    Account.get_cached_object(account_number=number)
    after = scrape(app)
    for result in ("hit", "miss"):
        grew = sample(after, "cache_lookups_total", result=result)
        assert grew >= sample(before, "cache_lookups_total", result=result) + 1


def test_workers_share_counters_in_multiprocess_mode(tmp_path):
    """Two processes answer one request each; a third scrapes both (gunicorn's workers)."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    script = (
        "import sys\n"
        "from webapp import create_app\n"
        f"app = create_app({{'DATABASE_URL': 'sqlite:///{tmp_path}/db', 'CACHE_TYPE': "
        f"'FileSystemCache', 'CACHE_DIR': '{tmp_path}/c', 'SECRET_KEY': 'k',"
        f" 'METRICS_TOKEN': '{TOKEN}'}})\n"
        "client = app.test_client()\n"
        "if sys.argv[1] == 'request':\n"
        "    client.get('/login')\n"
        "else:\n"
        f"    print(client.get('/metrics', headers={{'Authorization': 'Bearer {TOKEN}'}}).text)\n"
    )
    env = {"PROMETHEUS_MULTIPROC_DIR": str(folder), "PATH": "/usr/bin:/bin"}

    def run(mode: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, mode],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("request")
    run("request")
    body = run("scrape")
    assert sample(body, "http_requests_total", route="/login", method="GET", status="200") == 2
