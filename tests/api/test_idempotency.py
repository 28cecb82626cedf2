"""Idempotency-Key on POST: one write per key and body, the first answer replayed."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from tests.api.test_accounts import count, problem
from webapp.accounts.models import AccountContact
from webapp.extensions import db


def test_same_key_and_body_replays_the_first_answer(app, api):
    body = {"company_name": "Acme Corp"}
    first = api("POST", "/accounts", body, idempotency_key="order-42")
    second = api("POST", "/accounts", body, idempotency_key="order-42")
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count(app) == 1


def test_same_key_with_another_body_is_422(app, api):
    assert api("POST", "/accounts", {"company_name": "A"}, idempotency_key="k-1").status_code == 201
    body = problem(api("POST", "/accounts", {"company_name": "B"}, idempotency_key="k-1"), 422)
    assert "Idempotency-Key" in body["errors"]
    assert count(app) == 1


def test_without_a_key_or_with_new_keys_each_post_writes(app, api):
    for key in (None, None, "a-1", "a-2"):
        headers = {"idempotency_key": key} if key else {}
        assert api("POST", "/accounts", {"company_name": "A"}, **headers).status_code == 201
    assert count(app) == 4


def test_a_failed_first_request_leaves_the_key_free(app, api):
    problem(api("POST", "/accounts", {"company_name": ""}, idempotency_key="retry-me"), 422)
    response = api("POST", "/accounts", {"company_name": ""}, idempotency_key="retry-me")
    problem(response, 422)
    assert (
        api("POST", "/accounts", {"company_name": "Ok"}, idempotency_key="fix-1").status_code == 201
    )


def test_bad_keys_are_422(api):
    problem(api("POST", "/accounts", {"company_name": "A"}, idempotency_key="has space"), 422)
    problem(api("POST", "/accounts", {"company_name": "A"}, idempotency_key="k" * 256), 422)


def test_keys_belong_to_one_user(app, api, bearer):
    from tests.api.conftest import Api

    other = Api(app, bearer("editor", "write"))
    assert (
        api("POST", "/accounts", {"company_name": "A"}, idempotency_key="shared").status_code == 201
    )
    assert (
        other("POST", "/accounts", {"company_name": "A"}, idempotency_key="shared").status_code
        == 201
    )
    assert count(app) == 2


def test_concurrent_duplicates_write_once(app, other_app, api):
    from tests.api.conftest import Api

    clients = [api, Api(other_app, api.headers)] * 3
    number = api.create()["account_number"]
    body = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}
    statuses, start = [], threading.Barrier(len(clients))

    def send(client) -> None:
        start.wait()
        response = client(
            "POST", f"/accounts/{number}/contacts", body, idempotency_key="same-contact"
        )
        statuses.append((response.status_code, response.get_json()["id"]))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in statuses} == {201}
    assert len({ident for _, ident in statuses}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountContact)) == 1
