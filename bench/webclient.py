"""A browser-like HTTP client for load tests and multi-host tests: cookies, forms, CSRF.

Forms are submitted as a browser submits them: every successful control of the form on the
page (hidden inputs included, so a CSRF token, a revision or an idempotency key travels
without being named here), the changed fields on top, and the form's first submit button.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html

__all__ = ["Browser", "Page"]

Fields = dict[str, str]
SUBMIT_BUTTONS = ".//button[@type='submit' or not(@type)][@name] | .//input[@type='submit'][@name]"


@dataclass
class Page:
    """One response: status, headers and body text."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def location(self) -> str:
        """The redirect target's path, or an empty string."""
        return urlsplit(self.headers.get("location", "")).path


class Browser:
    """One signed-in (or not) visitor talking to ``127.0.0.1:port`` over keep-alive HTTP."""

    def __init__(
        self, port: int, cookies: Fields | None = None, headers: Fields | None = None
    ) -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def on(self, port: int) -> Browser:
        """The same visitor (same cookies and headers) talking to another host."""
        return Browser(port, self.cookies, self.headers)

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None) -> Page:
        """Send one request with the cookies; keep any cookie the response sets."""
        headers = {**self.headers, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = urlencode(form) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()  # a kept-alive connection the server closed: one retry, fresh
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return Page(response.status, text, {k.lower(): v for k, v in response.getheaders()})

    def get(self, path: str) -> Page:
        """GET a page."""
        return self.request("GET", path)

    def submit(
        self, path: str, changes: dict[str, str | None] | None = None, action: str = ""
    ) -> Page:
        """GET ``path``, fill its form (the one posting to ``action`` or ``path``), POST it."""
        page = self.get(path)
        if page.status != 200:
            return page
        target = urljoin(path, action) if action else path
        form = find_form(page.body, path, target)
        return self.request("POST", target, fill(form, changes or {}))

    def sign_in(self, email: str, password: str) -> Page:
        """Sign in through the real form (303 on success)."""
        return self.submit("/login", {"email": email, "password": password})


def find_form(html: str, page_path: str, target: str) -> lxml.html.FormElement:
    """The POST form on the page whose action resolves to ``target``."""
    for form in lxml.html.fromstring(html).forms:
        action = urljoin(page_path, form.get("action") or page_path)
        if (form.get("method") or "get").lower() == "post" and urlsplit(action).path == target:
            return form
    raise LookupError(f"no form posting to {target} on {page_path}")


def fill(form: lxml.html.FormElement, changes: dict[str, str | None]) -> list[tuple[str, str]]:
    """The form's values as a browser sends them, with ``changes`` applied (None: left out)."""
    textareas = {area.get("name") for area in form.xpath(".//textarea")}
    values = [  # a browser drops the newline that starts a textarea's content (HTML spec)
        (k, v.removeprefix("\r").removeprefix("\n") if k in textareas else v)
        for k, v in form.form_values()
        if k not in changes
    ]
    values += [(k, v) for k, v in changes.items() if v is not None]
    button = form.xpath(SUBMIT_BUTTONS)
    if button:
        values.append((button[0].get("name"), button[0].get("value") or ""))
    return values
