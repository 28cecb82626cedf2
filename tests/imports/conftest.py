"""Import fixtures: jobs run inside the request (no thread to wait for) unless a test says so."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token


@pytest.fixture(autouse=True)
def inline_jobs(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:  # file-reading tests need no app (nor a database)
        app: Flask = request.getfixturevalue("app")
        app.config["IMPORT_INLINE"] = True


@pytest.fixture
def editor(signed_in) -> FlaskClient:
    return signed_in("editor")


def upload(client: FlaskClient, data: bytes | str, filename: str = "accounts.csv"):
    """Upload through the real form, with its CSRF token and one-time key."""
    page = client.get("/accounts/import").get_data(as_text=True)
    key = re.search(r'name="write_key"[^>]*value="([^"]+)"', page)
    raw = data.encode() if isinstance(data, str) else data
    fields = {
        "csrf_token": csrf_token(client, "/accounts/import"),
        "write_key": key.group(1) if key else "",
        "file": (io.BytesIO(raw), filename),
    }
    return client.post("/accounts/import", data=fields, content_type="multipart/form-data")


def apply(client: FlaskClient, location: str):
    """Press Apply on the job page at ``location``."""
    page = client.get(location).get_data(as_text=True)
    key = re.search(r'name="write_key"[^>]*value="([^"]+)"', page)
    data = {"csrf_token": csrf_token(client, location), "write_key": key.group(1) if key else ""}
    return client.post(f"{location}/apply", data=data)
