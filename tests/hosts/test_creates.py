"""Concurrent creates on live hosts: every account gets its own number and one audit row."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from tests.hosts.conftest import Deployment
from webapp.extensions import db

CLIENTS, CREATES = 8, 400

COUNTS = text(
    """
    SELECT count(*), count(DISTINCT a.account_number),
           count(*) FILTER (WHERE (SELECT count(*) FROM audit_event e
                                   WHERE e.action = 'account.create' AND e.account_id = a.id) = 1)
    FROM account a WHERE a.company_name LIKE :prefix
    """
)


def test_concurrent_creates_get_distinct_numbers_and_one_audit_row_each(deployment: Deployment):
    prefix = f"Concurrent {secrets.token_hex(3)}"
    browsers = [
        deployment.signed_in("editor@example.com", port=(deployment.a, deployment.b)[i % 2])
        for i in range(CLIENTS)
    ]

    def create_many(client: int) -> list[int]:
        browser = browsers[client]
        names = (f"{prefix} {client}-{n}" for n in range(CREATES // CLIENTS))
        return [browser.submit("/accounts/new", {"company_name": name}).status for name in names]

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = [status for batch in pool.map(create_many, range(CLIENTS)) for status in batch]
    assert statuses == [303] * CREATES
    with deployment.app.app_context():
        accounts, numbers, audited = db.session.execute(COUNTS, {"prefix": f"{prefix} %"}).one()
    assert (accounts, numbers, audited) == (CREATES, CREATES, CREATES)
