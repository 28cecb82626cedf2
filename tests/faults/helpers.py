"""Reading a form's hidden fields off a page, as a browser sends them back."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
KEY = re.compile(r'name="write_key"[^>]*?value="([^"]+)"')


def form_fields(client: FlaskClient, path: str, action: str | None = None) -> dict[str, str]:
    """The csrf token and one-time key of the form on ``path`` (the one posting to ``action``)."""
    return form_fields_of(client.get(path).get_data(as_text=True), action)


def form_fields_of(html: str, action: str | None = None) -> dict[str, str]:
    """The csrf token and one-time key of the first form in ``html`` (posting to ``action``)."""
    if action is not None:
        html = html[html.index(f'action="{action}"') :]
    csrf, key = CSRF.search(html), KEY.search(html)
    assert csrf and key, "no csrf_token or write_key in the form"
    return {"csrf_token": csrf.group(1), "write_key": key.group(1)}
