"""The two apps the benchmark compares: ours and the Flask-Admin peer, scenario by scenario."""

from __future__ import annotations

import itertools
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import lxml.html
from drive import Client, form_fields

PASSWORD = "load-test-phrase-2026"
PEER_EMAIL = "peer@example.com"  # the peer's one user (bench/peers/flask_admin_app.py)
RUN = secrets.token_hex(3)
COUNTER = itertools.count(1)


@dataclass
class Subject:
    """One app under test: how to serve it, sign in, and drive each scenario."""

    label: str
    target: list[str]  # gunicorn's arguments naming the app
    ready_path: str
    sign_in: Callable[[Client], None]
    pages: dict[str, list[str]]  # scenario -> paths, one picked at random per request
    forms: dict[str, Callable[[Client], int]] = field(default_factory=dict)
    export_path: str | None = None


def problem(body: str) -> str:
    """The messages an answered form shows (field errors, alerts), for an error report."""
    try:
        doc = lxml.html.fromstring(body)
    except ValueError:
        return body[:300]
    found = doc.xpath(
        "//*[contains(@class, 'invalid-feedback') or contains(@class, 'alert')"
        " or contains(@class, 'help-block') or self::title]"
    )
    return " | ".join(" ".join(e.text_content().split()) for e in found)[:500]


def round_trip(pick: Callable[[], str], changes: Callable[[], dict], expected: tuple[int, ...]):
    """GET a form, fill it as a browser would plus ``changes``, POST it back; return SQL count."""

    def run(client: Client) -> int:
        path = pick()
        status, page, sql_get = client.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {problem(page)}")
        form = {**form_fields(page), **changes()}
        status, body, sql_post = client.request("POST", path, form)
        if status not in expected:
            raise RuntimeError(f"POST {path} answered {status}: {problem(body)}")
        return sql_get + sql_post

    return run


def unique_company() -> str:
    """A company name no other request of this run uses."""
    return f"Bench Co {RUN} {next(COUNTER)}"


def ours(email: str, numbers: list[str], far: int, cursor: str, word: str) -> Subject:
    """Our app (``wsgi:app``), signed in as ``email``."""

    def sign_in(client: Client) -> None:
        _, page, _ = client.request("GET", "/login")
        form = {**form_fields(page, "email"), "email": email, "password": PASSWORD}
        status, body, _ = client.request("POST", "/login", form)
        if status != 303:
            raise RuntimeError(f"sign-in answered {status}: {problem(body)}")

    def edit_path() -> str:
        return f"/accounts/{random.choice(numbers)}/edit"

    return Subject(
        label="ours",
        target=["wsgi:app"],
        ready_path="/healthz",
        sign_in=sign_in,
        pages={
            "floor": ["/healthz"],
            "list": ["/accounts/"],
            "far": [f"/accounts/?page={far}&after={cursor}"],
            "offset": [f"/accounts/?page={far}"],
            "search": [f"/accounts/?q={word}"],
            "palette": [
                f"/search/palette?q={word}",
                *(f"/search/palette?q={n}" for n in numbers[:20]),
            ],
            "detail": [f"/accounts/{number}" for number in numbers],
        },
        forms={
            "create": round_trip(
                lambda: "/accounts/new", lambda: {"company_name": unique_company()}, (303,)
            ),
            "edit": round_trip(
                edit_path, lambda: {"city": f"City {random.randrange(1000)}"}, (303, 409)
            ),
        },
        export_path="/accounts/export.csv",
    )


def theirs(ids: list[int], far: int, word: str) -> Subject:
    """The Flask-Admin peer (``bench/peers/flask_admin_app.py``), signed in as its one user."""

    def sign_in(client: Client) -> None:
        form = {"email": PEER_EMAIL, "password": PASSWORD}
        status, body, _ = client.request("POST", "/login", form)
        if status != 303:
            raise RuntimeError(f"peer sign-in answered {status}: {body[:200]}")

    def new_account() -> dict[str, str]:
        n = next(COUNTER)
        digits = f"{random.randrange(10**12):012d}"
        number = f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"  # random like the seed's
        return {
            "company_name": f"Bench Co {RUN} {n}",
            "name": f"benchCo{RUN}x{n}",
            "account_number": number,
        }

    def edit_path() -> str:
        return f"/admin/account/edit/?id={random.choice(ids)}"

    far_page = [f"/admin/account/?page={far - 1}"]  # Flask-Admin counts pages from 0
    return Subject(
        label="theirs",
        target=["--chdir", "bench/peers", "flask_admin_app:app"],
        ready_path="/ping",
        sign_in=sign_in,
        pages={
            "floor": ["/ping"],
            "list": ["/admin/account/"],
            "far": far_page,
            "offset": far_page,  # the same request: their page is an OFFSET
            "search": [f"/admin/account/?search={word}"],
            "detail": [f"/admin/account/edit/?id={ident}" for ident in ids],
        },
        forms={
            "create": round_trip(lambda: "/admin/account/new/", new_account, (302,)),
            "edit": round_trip(
                edit_path, lambda: {"city": f"City {random.randrange(1000)}"}, (302,)
            ),
        },
    )
