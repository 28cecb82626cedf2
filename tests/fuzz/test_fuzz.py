"""Hypothesis fills every form and query string, signed in as each role: no answer is a 500,
and a refused submission writes nothing.

Per route, a sweep sets every visible field to each known odd value in turn, then Hypothesis
draws cases. ``make test`` sweeps a dozen values and draws a few derandomized cases per route
(FUZZ_EXAMPLES, default 4) so the suite stays fast and repeatable; ``make fuzz`` sweeps every
value and draws 1,000 random cases per route (FUZZ_RANDOM=1 FUZZ_EXAMPLES=1000).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.conftest import login
from webapp.extensions import db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
RANDOM = os.environ.get("FUZZ_RANDOM", "") == "1"
ROLES = ("admin", "editor", "viewer")
INPUT = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"[^>]*>")
HIDDEN = re.compile(r"<input\b[^>]*type=\"hidden\"[^>]*>")
VALUE = re.compile(r"\bvalue=\"([^\"]*)\"")
NAME = re.compile(r"\bname=\"([^\"]+)\"")
QUERY_NAMES = (
    "q", "is_active", "country", "currency", "sort", "page", "per_page", "cursor", "after",
    "before", "start", "end", "date_from", "date_to", "provider", "charge_type", "actor",
    "action", "object_type", "object_id", "next", "role", "selected", "all_matching",
)  # fmt: skip
ODD = (
    "", " ", "0", "-1", "1e309", "99999999999999999999999", "true", "false", "null", "None",
    "USA", "us", "zz", "en-US", "xx-XX-yy", "UTC", "Mars/Base", "EUR", "EURO", "1.0.0", "1.0",
    '{"a": 1}', '{"a": {"b": 1}}', "[1]", "2026-02-30", "9999-12-31", "0001-01-01",
    "+15551234567", "12", "x@example.com", "not-an-email", "<script>alert(1)</script>",
    "' OR 1=1 --", "%", "_", "²", "\\", "\x00", "\u202e", "😀" * 50, "a" * 5000, "-company_name",
    "company_name", "created_at", "0000-0000-0000", "owner", "admin", "member", "editor",
    "viewer", "activate", "deactivate", "add-tag", "set-country",
)  # fmt: skip
# ``make test`` sweeps the values most likely to break a parser; ``make fuzz`` sweeps them all.
SWEEP = (
    ODD
    if RANDOM
    else (
        "",
        "-1",
        "99999999999999999999999",
        "²",
        "\x00",
        "a" * 5000,
        "' OR 1=1 --",
        "%",
        "2026-02-30",
        "9999-12-31",
        "[1]",
        "xx-XX-yy",
        "😀" * 50,
    )
)
VALUES = st.one_of(st.sampled_from(ODD), st.text(max_size=80))
# Pages whose forms post to a route that has no GET page of its own.
FORM_PAGE = {
    "accounts.change_state": "/accounts/{number}",
    "contacts.make_primary": "/accounts/{number}/contacts/",
    "members.change_role": "/accounts/{number}/members/",
    "bulk.preview": "/accounts/",
    "bulk.apply": "/accounts/",
    "staff.set_active": "/staff/",
    "staff.reset_password": "/staff/",
    "staff.change_role": "/staff/",
    "auth.logout": "/accounts/",
    "savedviews.rename": "/accounts/views/",
    "savedviews.delete": "/accounts/views/",
}
# Routes that write even when they refuse (sign-in failures are audited), or end the session.
WRITES_WHEN_REFUSED = {"auth.login"}
LAST = ("auth.logout", "accounts.delete", "staff.set_active", "staff.change_role")
SKIP = {"static"}


@dataclass
class World:
    """The records the fuzzed URLs point at."""

    number: str
    contact_id: int
    profile_id: int
    user_id: int
    view_id: int
    job_id: int
    token_id: int
    event_id: int

    def fill(self, rule: str) -> str:
        """The rule with every path variable replaced by an existing record's key."""
        rule = re.sub(r"<[^>]*:number>", self.number, rule)
        rule = re.sub(r"<[^>]*(?:any\(([^)]*)\))?:action>", _first_action, rule)
        return (
            rule.replace("<int:contact_id>", str(self.contact_id))
            .replace("<int:profile_id>", str(self.profile_id))
            .replace("<int:user_id>", str(self.user_id))
            .replace("<int:view_id>", str(self.view_id))
            .replace("<int:job_id>", str(self.job_id))
            .replace("<int:token_id>", str(self.token_id))
            .replace("<int:event_id>", str(self.event_id))
        )


def _first_action(match: re.Match) -> str:
    return (match.group(1) or "x").split(",")[0].strip().strip("'")


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every route, the session-ending ones last."""
    found = [
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIP
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    return sorted(found, key=lambda r: (r[0] in LAST, LAST.index(r[0]) if r[0] in LAST else 0))


@pytest.fixture
def world(app: Flask, make_user) -> World:
    from webapp.accounts.models import Account, AccountContact, UserProfile
    from webapp.api.models import ApiToken
    from webapp.api.services import create_token
    from webapp.audit.services import record
    from webapp.auth.models import User
    from webapp.imports.models import ImportJob
    from webapp.savedviews.models import SavedView

    victim = make_user("victim@example.com", "viewer")
    with app.app_context():
        account = Account.create(company_name="Fuzz Target Ltd", tags=["alpha"])
        with db.session.no_autoflush:
            contact = AccountContact(
                account=account, email="c@example.com", first_name="C", last_name="D"
            )
            db.session.add(contact)
            user = db.session.get(User, victim)
            profile = UserProfile(account=account, user=user, role="owner")
            db.session.add(profile)
        view = SavedView(owner_id=victim, name="Shared", query="q=fuzz", shared=True)
        job = ImportJob(user_id=victim, filename="victim.csv", status="checked")
        db.session.add_all([view, job])
        create_token(user, "read", 1)
        event = record("account.deactivate", actor=user, obj=account, changes={})
        db.session.commit()
        token = db.session.scalars(db.select(ApiToken).filter_by(user_id=victim)).one()
        ids = (view.id, job.id, token.id, event.id)
        return World(account.account_number, contact.id, profile.id, victim, *ids)


def fingerprint() -> tuple:
    """Counts and revisions that any write would change."""
    return tuple(
        db.session.execute(text(sql)).scalar()
        for sql in (
            "SELECT COUNT(*) FROM account",
            "SELECT COALESCE(SUM(revision), 0) FROM account",
            "SELECT COUNT(*) FROM account_contact",
            "SELECT COUNT(*) FROM user_profile",
            'SELECT COUNT(*) FROM "user"',
            "SELECT COUNT(*) FROM audit_event",
            "SELECT COUNT(*) FROM saved_view",
        )
    )


def _form_fields(html: str) -> tuple[list[str], dict[str, str]]:
    """Every field name on the page, and the hidden fields with their values."""
    hidden = {}
    for tag in HIDDEN.findall(html):
        name, value = NAME.search(tag), VALUE.search(tag)
        if name:
            hidden[name.group(1)] = value.group(1) if value else ""
    return sorted(set(INPUT.findall(html))), hidden


def _fuzz_one(
    app: Flask, client: FlaskClient, endpoint: str, path: str, method: str, page: str | None
) -> None:
    names, hidden = _form_fields(client.get(page).get_data(as_text=True)) if page else ([], {})
    names = names or list(QUERY_NAMES)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        fields=st.dictionaries(st.sampled_from(names), VALUES, max_size=len(names)),
        extra=st.dictionaries(st.sampled_from(QUERY_NAMES), VALUES, max_size=3),
        keep_hidden=st.booleans(),
    )
    def run(fields: dict[str, str], extra: dict[str, str], keep_hidden: bool) -> None:
        send(
            app, client, endpoint, path, method, hidden if keep_hidden else {}, {**extra, **fields}
        )

    for odd in SWEEP:  # every field at once, each odd value in turn: the cases we know
        visible = [name for name in names if name not in hidden]
        send(app, client, endpoint, path, method, hidden, dict.fromkeys(visible, odd))
    run()


def send(
    app: Flask,
    client: FlaskClient,
    endpoint: str,
    path: str,
    method: str,
    hidden: dict[str, str],
    data: dict[str, str],
) -> None:
    """One request: never a 500, and a refused POST leaves the database as it was."""
    if method == "GET":
        response = client.get(path, query_string=data)
    else:
        data = {**{k: v for k, v in hidden.items() if k not in data}, **data}
        with app.app_context():
            before = fingerprint()
        response = client.post(path, data=data)
        if response.status_code >= 400 and endpoint not in WRITES_WHEN_REFUSED:
            with app.app_context():
                assert fingerprint() == before, f"{method} {path} {data!r} wrote on refusal"
    assert response.status_code < 500, f"{method} {path} {data!r} -> {response.status_code}"


def _client_of(app: Flask, make_user) -> Callable[[str], FlaskClient]:
    def sign_in(role: str) -> FlaskClient:
        email = f"fuzz-{role}@example.com"
        make_user(email, role)
        client = app.test_client()
        assert login(client, email).status_code == 303
        return client

    return sign_in


def _pages(world: World, routes: list[tuple[str, str, str]]) -> Iterator[tuple]:
    for endpoint, rule, method in routes:
        path = world.fill(rule)
        page = FORM_PAGE.get(endpoint, path if method == "POST" else None)
        if page:
            page = page.format(number=world.number)
        yield endpoint, path, method, page


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_500_and_refusals_write_nothing(app, make_user, world, role):
    client = _client_of(app, make_user)(role)
    for endpoint, path, method, page in _pages(world, _routes(app)):
        _fuzz_one(app, client, endpoint, path, method, page)


def test_signed_out_fuzz_never_500(app, world):
    client = app.test_client()
    for endpoint, path, method, _ in _pages(world, _routes(app)):
        _fuzz_one(app, client, endpoint, path, method, "/login" if method == "POST" else None)


def test_member_admin_fuzz_never_500(app, make_user, world):
    """A member admin of the fuzzed account (issue 14): the reduced view never answers 500."""
    from webapp.accounts.models import Account, UserProfile

    user_id = make_user("fuzz-member-admin@example.com", None)
    with app.app_context():
        account = Account.get_by_account_number(world.number)
        db.session.add(UserProfile(user_id=user_id, account=account, role="admin"))
        db.session.commit()
    client = app.test_client()
    assert login(client, "fuzz-member-admin@example.com").status_code == 303
    for endpoint, path, method, page in _pages(world, _routes(app)):
        _fuzz_one(app, client, endpoint, path, method, page)
